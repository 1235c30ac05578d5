"""The shared retry policy: backoff grows and is capped, jitter stays in range, the budget holds,
and only transient failures are retried."""

from __future__ import annotations

import logging
import random

import pytest

from bot.common.backoff import RetryPolicy, retrying


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


class Transient(Exception):
    pass


def test_delays_double_up_to_the_cap_with_jitter_below_the_base():
    p = RetryPolicy(first_delay_s=0.5, max_delay_s=8, jitter=0.5)
    rng = random.Random(1)
    for attempt, base in [(1, 0.5), (2, 1), (3, 2), (4, 4), (5, 8), (9, 8)]:
        d = [p.delay(attempt, rng) for _ in range(200)]
        assert base * 0.5 <= min(d) and max(d) <= base
        assert max(d) - min(d) > base * 0.3  # really jittered: retries from many users don't line up
    assert RetryPolicy(jitter=0).delay(3) == 2


async def test_three_failures_then_success_is_retried_and_logged(caplog):
    clock, calls = Clock(), []

    async def flaky():
        calls.append(clock.now)
        if len(calls) <= 3:
            raise Transient("500 Internal Server Error")
        return "sent"

    caplog.set_level(logging.WARNING)
    assert await retrying(flaky, lambda e: isinstance(e, Transient), "sendAnimation", RetryPolicy(jitter=0),
                          clock, clock.sleep) == "sent"
    assert clock.sleeps == [0.5, 1, 2]
    lines = [r for r in caplog.records if r.name == "bot.common.backoff"]
    assert len(lines) == 3 and all(r.levelno == logging.WARNING and r.exc_info is None for r in lines)
    assert lines[0].getMessage() == "sendAnimation failed (Transient: 500 Internal Server Error); retry 1 in 0.5 s"


async def test_the_budget_ends_the_retries_and_the_last_error_is_raised():
    clock = Clock()

    async def down():
        raise Transient(f"down at {clock.now}")

    with pytest.raises(Transient):
        await retrying(down, lambda e: True, "getFile", RetryPolicy(total_s=30, jitter=0), clock, clock.sleep)
    assert sum(clock.sleeps) <= 30 and clock.sleeps[:6] == [0.5, 1, 2, 4, 8, 8]
    assert sum(clock.sleeps) + 8 > 30  # it stopped only when one more wait would pass the budget


async def test_other_errors_are_not_retried():
    clock, calls = Clock(), []

    async def bad():
        calls.append(1)
        raise ValueError("400 Bad Request")

    with pytest.raises(ValueError):
        await retrying(bad, lambda e: isinstance(e, Transient), "send", clock=clock, sleep=clock.sleep)
    assert calls == [1] and clock.sleeps == []
