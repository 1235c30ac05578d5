"""Accepted work in progress, so a stop can tell what may finish and what must wait for a restart.

Each request runs in a task; the bot registers it here with its journal entries and a way to
tell its user that the request will continue after the restart. Code deep down (a download)
marks the current request as downloading through a context variable, without being handed
anything. On a stop, `drain` waits for the work that fits in the grace period, cancels
downloads that hang and whatever is left at the end; the journal keeps the cancelled ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

@dataclass(eq=False)
class Work:
    task: asyncio.Task
    entries: frozenset[int] = frozenset()  # the journal entries it answers
    group: tuple[int, str] | None = None  # or the (chat, group) whose entries it answers
    downloads: int = 0
    download_since: float | None = None
    cancelled_by_stop: bool = field(default=False, repr=False)
    undelivered: bool = False  # the answer could not be sent (the platform stayed down): try again later


_CURRENT: contextvars.ContextVar[Work | None] = contextvars.ContextVar("kitten_work", default=None)


class InFlight:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.stopping = False  # set by the stop: no new work starts
        self._work: dict[asyncio.Task, Work] = {}

    def __len__(self) -> int:
        return len(self._work)

    @contextlib.contextmanager
    def running(self, entries: frozenset[int] = frozenset(), group: tuple[int, str] | None = None) -> Iterator[Work]:
        """Register the current task as one request's work for the duration of the block."""
        task = asyncio.current_task()
        assert task is not None
        work = self._work[task] = Work(task, entries, group)
        token = _CURRENT.set(work)
        try:
            yield work
        finally:
            _CURRENT.reset(token)
            self._work.pop(task, None)

    def busy(self) -> tuple[set[int], set[tuple[int, str]]]:
        """The journal entries and groups being worked on right now (not to be replayed)."""
        entries: set[int] = set()
        groups: set[tuple[int, str]] = set()
        for work in self._work.values():
            entries |= work.entries
            if work.group is not None:
                groups.add(work.group)
        return entries, groups

    async def drain(self, grace_s: float, hung_after_s: float, poll_s: float = 0.05) -> int:
        """Wait for the work in progress, up to `grace_s`. A download still running `hung_after_s`
        into the stop is cancelled at once (waiting for it would only waste the grace); whatever
        is still running at the end is cancelled too. Returns how many were cancelled."""
        start = self.clock()
        cancelled = 0
        while self._work:
            now = self.clock()
            late = now - start >= grace_s
            for work in list(self._work.values()):
                hung = work.downloads > 0 and now - start >= hung_after_s
                if (late or hung) and not work.cancelled_by_stop:
                    work.cancelled_by_stop = True
                    work.task.cancel()
                    cancelled += 1
                    log.warning("stopping: %s request cancelled; it stays in the journal for the restart",
                                "a hung download's" if hung and not late else "an unfinished")
            if late:
                break
            await asyncio.sleep(poll_s)
        return cancelled

    async def settle(self, timeout_s: float) -> None:
        """Give cancelled work a moment to tell its users and unwind."""
        tasks = [w.task for w in self._work.values()]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout_s)


def current_work() -> Work | None:
    return _CURRENT.get()


@contextlib.contextmanager
def downloading() -> Iterator[None]:
    """Mark the current request as waiting on a download (a stop may cancel it if it hangs)."""
    work = _CURRENT.get()
    if work is None:
        yield
        return
    work.downloads += 1
    if work.download_since is None:
        work.download_since = time.monotonic()
    try:
        yield
    finally:
        work.downloads -= 1
        if work.downloads == 0:
            work.download_since = None
