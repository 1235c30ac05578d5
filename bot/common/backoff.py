"""Trying again, politely: capped exponential backoff with jitter, within a total time budget.

For the failures that are nobody's fault (a 5xx from the platform, a dropped connection, a
timeout): the same request a moment later usually works. Both bots use one policy so a send or a
download is given the same ~30 s everywhere. Rate limits (429) are not handled here: the
platform says exactly how long to wait, and the libraries wait that long themselves.

The caller decides what is transient (`is_transient`) and keeps the work already done: the
retried coroutine function re-sends the same bytes, it never recomputes them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.common.process_stats import STATS

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    total_s: float = 30.0  # give up once this much time has gone by since the first try
    first_delay_s: float = 0.5
    max_delay_s: float = 8.0
    jitter: float = 0.5  # each delay is scaled by a random factor in [1 - jitter, 1]

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """The wait before retry number `attempt` (1-based): 0.5, 1, 2, 4, 8, 8... s, minus jitter."""
        base = min(self.max_delay_s, self.first_delay_s * 2 ** (attempt - 1))
        return base * (1 - self.jitter * (rng or random).random())


SENDING = RetryPolicy()


async def retrying(fn: Callable[[], Awaitable[T]], is_transient: Callable[[BaseException], bool], what: str,
                   policy: RetryPolicy = SENDING, clock: Callable[[], float] = time.monotonic,
                   sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> T:
    """`await fn()`, again after a transient failure, until it works or the budget is spent.

    Each retry is one WARNING line with the reason (no traceback: these are expected). The last
    failure is raised as it was, for the caller to explain to the user.
    """
    start = clock()
    attempt = 0
    while True:
        try:
            return await fn()
        except Exception as e:
            if not is_transient(e):
                raise
            attempt += 1
            wait = policy.delay(attempt)
            if clock() - start + wait > policy.total_s:
                log.warning("%s failed after %d tries (%s); giving up", what, attempt, reason(e))
                raise
            log.warning("%s failed (%s); retry %d in %.1f s", what, reason(e), attempt, wait)
            STATS.retry()
            await sleep(wait)


def reason(error: BaseException) -> str:
    """A short, safe description: the class and its message, which for the libraries we use names
    the status or the network problem, never the token (URLs are not part of these messages)."""
    text = str(error).strip()
    return f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__
