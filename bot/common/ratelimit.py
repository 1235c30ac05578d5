"""Per-user request rate: a token bucket, so a short burst is fine and a steady stream is paced.

A fixed cooldown refused the second request of anyone who sent `/random` and then `/mix` a few
seconds later; a bucket lets a few requests through at once and then paces the rest. The
scheduler never refuses for rate: a user out of tokens simply waits in line for the next one.

The state sits behind `RateState` so that several bot processes could later share it (Redis);
only the in-memory version exists now. Times are plain floats from one monotonic clock, passed
in, which keeps the buckets deterministic under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class RateState(Protocol):
    """Per-key token buckets. `now` is seconds on a monotonic clock."""

    def wait_s(self, key: int, now: float) -> float:
        """Seconds until `key` may start a request (0: now). Takes nothing."""
        ...

    def take(self, key: int, now: float) -> bool:
        """Spend one token for `key`; False (and nothing spent) when there is none yet."""
        ...

    def give_back(self, key: int, now: float) -> None:
        """Return a token spent on a request that produced nothing (a refused file, say)."""
        ...


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """In-memory `RateState`: `burst` tokens per user, one more every `refill_s` seconds.

    A user never seen before has a full bucket, so a first request always starts at once.
    Full buckets carry no information, so they are forgotten once there are many users.
    """

    PRUNE_AT = 10_000

    def __init__(self, burst: int, refill_s: float):
        self.burst = max(1, burst)
        self.refill_s = max(0.0, refill_s)
        self._buckets: dict[int, _Bucket] = {}

    def _level(self, key: int, now: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            return float(self.burst)
        if self.refill_s == 0:
            return float(self.burst)
        return min(float(self.burst), bucket.tokens + (now - bucket.at) / self.refill_s)

    def wait_s(self, key: int, now: float) -> float:
        level = self._level(key, now)
        if level >= 1.0:
            return 0.0
        return (1.0 - level) * self.refill_s

    def take(self, key: int, now: float) -> bool:
        level = self._level(key, now)
        if level < 1.0:
            return False
        self._buckets[key] = _Bucket(level - 1.0, now)
        if len(self._buckets) > self.PRUNE_AT:
            self._prune(now)
        return True

    def give_back(self, key: int, now: float) -> None:
        if key in self._buckets:
            self._buckets[key] = _Bucket(min(float(self.burst), self._level(key, now) + 1.0), now)

    def _prune(self, now: float) -> None:
        self._buckets = {k: b for k, b in self._buckets.items() if self._level(k, now) < self.burst}
