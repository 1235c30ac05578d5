"""One log line per request served: platform, chat kind, what was made, ms per stage, outcome.

    request telegram/group mix: ok in 812 ms (wait=0 download=45 engine=610 [encode=30 frames=380
    render=200] send=150)
    request discord/dm random: refused (line_full_user) in 1 ms ()

A refusal or failure always carries a reason: a texts.py key or error code (`file_too_big`,
`busy`), or an exception's class name. Never user content (captions, file names, chat titles)
and never tokens: the line is built only from the words passed here, which are ours.

The record lives in a context variable while the request runs, so code deep inside a job (a
download helper) can time its stage with `stage("download")` without being handed the record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from bot.common.process_stats import STATS

log = logging.getLogger("kitten_mixer.requests")

_current: ContextVar[RequestLog | None] = ContextVar("kitten_mixer_request", default=None)


class RequestLog:
    def __init__(self, platform: str, chat_kind: str, kind: str = "request",
                 clock: Callable[[], float] = time.perf_counter):
        self.platform, self.chat_kind, self.kind = platform, chat_kind, kind
        self.stages: dict[str, float] = {}  # ms, in the order first seen
        self.engine_stages: dict[str, float] = {}
        self.outcome: str | None = None
        self._clock = clock
        self._t0 = clock()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = self._clock()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + (self._clock() - t0) * 1000

    def engine(self, timings: dict[str, float]) -> None:
        """The engine's own stages (seconds, from `Reply.timings`), shown inside the engine stage."""
        for name, seconds in timings.items():
            if name != "total":
                self.engine_stages[name] = self.engine_stages.get(name, 0.0) + seconds * 1000

    def done(self, outcome: str, reason: str = "") -> None:
        """Log the line (once): outcome is ok | refused | failed; a reason is required unless ok."""
        if self.outcome is not None:
            return
        if outcome != "ok" and not reason:
            reason = "unknown"
        self.outcome = outcome
        parts = [f"{k}={v:.0f}" for k, v in self.stages.items()]
        if self.engine_stages:
            inner = " ".join(f"{k}={v:.0f}" for k, v in self.engine_stages.items())
            parts.append(f"[{inner}]")
        if outcome == "failed":
            STATS.error(f"{self.platform}/{self.chat_kind} {self.kind}: {reason}")
        log.info("request %s/%s %s: %s%s in %.0f ms (%s)", self.platform, self.chat_kind, self.kind, outcome,
                 f" ({reason})" if reason else "", (self._clock() - self._t0) * 1000, " ".join(parts))


@contextmanager
def tracking(record: RequestLog) -> Iterator[RequestLog]:
    """Make `record` the current request for the block; an exception escaping it is logged as a
    failure with its class name (the caller logs the other outcomes with `done`)."""
    token = _current.set(record)
    try:
        yield record
    except BaseException as e:
        record.done("failed", type(e).__name__)
        raise
    finally:
        _current.reset(token)


def current() -> RequestLog | None:
    return _current.get()


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time a stage of the current request (nothing happens outside one)."""
    record = _current.get()
    if record is None:
        yield
        return
    with record.stage(name):
        yield


def activate(record: RequestLog) -> object:
    """Make `record` current until `deactivate(token)` (for code that can't wrap a `with`)."""
    return _current.set(record)


def deactivate(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def kind_of(filename: str) -> str:
    """"kitten-mix.gif" -> "mix": what was made, from the engine's reply file name."""
    return filename.removeprefix("kitten-").split(".", 1)[0] or "request"


def refused(platform: str, chat_kind: str, kind: str, reason: str) -> None:
    """The line for a request turned away before any work (bad options, a file we can't use)."""
    RequestLog(platform, chat_kind, kind).done("refused", reason)
