"""`kitten-mixer status` without Redis: the bot's status row counts retried sends and downloads and
keeps the last failed requests (our words only), as the Redis status does for the workers."""

from __future__ import annotations

import pytest

from bot.common import scale
from bot.common.backoff import RetryPolicy, retrying
from bot.common.process_stats import STATS, ProcessStats
from bot.common.request_log import RequestLog
from bot.common.scheduler import Bounds, Scheduler


def test_the_last_errors_are_kept_newest_first_and_bounded():
    stats = ProcessStats(keep_errors=2)
    for what in ("a", "b", "c"):
        stats.error(what)
    assert [e.split(" ", 2)[2] for e in stats.last_errors] == ["c", "b"]


async def test_a_failed_request_and_a_retried_send_reach_the_status_row():
    before = STATS.retried
    RequestLog("telegram", "group", "mix").done("failed", "TypeError")
    RequestLog("telegram", "group", "mix").done("refused", "file_too_big")  # a refusal is no error
    tries = []

    async def flaky() -> str:
        tries.append(1)
        if len(tries) < 3:
            raise ConnectionError("reset")
        return "sent"

    async def no_wait(_: float) -> None:
        return None

    assert await retrying(flaky, lambda e: isinstance(e, ConnectionError), "send", RetryPolicy(), sleep=no_wait) \
        == "sent"
    row = scale.figures("telegram", Scheduler(Bounds()), None)
    assert row["retried"] == before + 2
    assert row["last_errors"][0].endswith("telegram/group mix: TypeError")
    assert not any("file_too_big" in e for e in row["last_errors"])


@pytest.fixture(autouse=True)
def fresh_stats(monkeypatch):
    monkeypatch.setattr(STATS, "_errors", type(STATS._errors)(maxlen=5))
