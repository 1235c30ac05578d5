"""bot/common/request_log.py: one line per request, with stages, outcome and reason, and nothing else."""

from __future__ import annotations

import logging

import pytest

from bot.common import request_log as rl


class Clock:
    """A clock the test moves by hand (the module takes one so that timings can be checked)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "kitten_mixer.requests"]


def test_the_line_has_the_stages_in_order_and_the_engines_inside(caplog):
    caplog.set_level(logging.INFO, "kitten_mixer.requests")
    clock = Clock()
    record = rl.RequestLog("telegram", "group", "mix", clock=clock)
    with record.stage("download"):
        clock.now += 0.045
    with record.stage("engine"):
        clock.now += 0.610
    with record.stage("download"):  # a stage seen twice adds up
        clock.now += 0.005
    record.engine({"encode": 0.030, "frames": 0.380, "total": 9.0})  # the engine's own total is not a stage
    record.done("ok")
    assert lines(caplog) == ["request telegram/group mix: ok in 660 ms (download=50 engine=610 [encode=30 frames=380])"]


def test_a_record_logs_once_and_a_refusal_always_has_a_reason(caplog):
    caplog.set_level(logging.INFO, "kitten_mixer.requests")
    record = rl.RequestLog("discord", "dm", "random", clock=Clock())
    record.done("refused")
    record.done("ok")
    assert lines(caplog) == ["request discord/dm random: refused (unknown) in 0 ms ()"]
    assert record.outcome == "refused"


def test_an_exception_escaping_tracking_is_a_failure_named_by_its_class(caplog):
    caplog.set_level(logging.INFO, "kitten_mixer.requests")
    record = rl.RequestLog("telegram", "private", clock=Clock())
    with pytest.raises(KeyError), rl.tracking(record):
        assert rl.current() is record
        raise KeyError("a secret the user typed")
    assert rl.current() is None
    assert lines(caplog) == ["request telegram/private request: failed (KeyError) in 0 ms ()"]


def test_stage_times_the_current_request_and_does_nothing_outside_one():
    clock = Clock()
    with rl.stage("send"):  # no request: nothing to time, nothing breaks
        pass
    record = rl.RequestLog("telegram", "group", clock=clock)
    token = rl.activate(record)
    try:
        with rl.stage("send"):
            clock.now += 0.150
    finally:
        rl.deactivate(token)
    assert record.stages == {"send": pytest.approx(150.0)}
    assert rl.current() is None


def test_refused_logs_a_line_for_work_never_started(caplog):
    caplog.set_level(logging.INFO, "kitten_mixer.requests")
    rl.refused("discord", "group", "blend", "blend_counts")
    (line,) = lines(caplog)
    assert line.startswith("request discord/group blend: refused (blend_counts) in ")


@pytest.mark.parametrize(("name", "kind"), [("kitten-mix.gif", "mix"), ("kitten-random.png", "random"),
                                            ("kitten-.png", "request"), ("map.png", "map")])
def test_kind_of_names_what_was_made_from_the_file_name(name, kind):
    assert rl.kind_of(name) == kind
