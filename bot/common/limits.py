"""Fairness in shared chats: a per-user cooldown and a per-chat cap on jobs in flight.

Both bots share one engine on a small CPU box, so one eager user (or one busy group) must not
starve everyone else. Plain in-memory state is enough: the bot is one process, and all calls
happen on its event loop (no locks needed).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Refusal:
    """Why a request may not start now: `key` is a texts.py key, `params` fill it in."""

    key: str  # "cooldown" | "chat_busy"
    params: dict[str, object] = field(default_factory=dict)


class Slot:
    """A running job. Release it when the job ends; `charge=False` gives the user's cooldown back,
    so someone whose request produced nothing (a bad file, a busy engine) can retry at once."""

    def __init__(self, limiter: Limiter, user_id: int, chat_id: int, started: float, previous: float | None):
        self._limiter, self.user_id, self.chat_id = limiter, user_id, chat_id
        self.started, self.previous_start = started, previous
        self._released = False

    def release(self, charge: bool = True) -> None:
        if self._released:
            return
        self._released = True
        self._limiter._finish(self, charge)


class Limiter:
    """`try_start(user, chat)` -> a Slot, or a Refusal saying what to tell the user."""

    PRUNE_AT = 10_000  # forget old cooldown stamps beyond this many users

    def __init__(self, cooldown_s: float, chat_max_jobs: int, clock: Callable[[], float] = time.monotonic):
        self.cooldown_s = max(0.0, cooldown_s)
        self.chat_max_jobs = chat_max_jobs  # 0 or less: no cap
        self._clock = clock
        self._last_start: dict[int, float] = {}
        self._in_flight: dict[int, int] = {}

    def try_start(self, user_id: int, chat_id: int) -> Slot | Refusal:
        now = self._clock()
        last = self._last_start.get(user_id)
        if last is not None and self.cooldown_s and now - last < self.cooldown_s:
            return Refusal("cooldown", {"seconds": max(1, math.ceil(self.cooldown_s - (now - last)))})
        if 0 < self.chat_max_jobs <= self._in_flight.get(chat_id, 0):
            return Refusal("chat_busy")
        self._in_flight[chat_id] = self._in_flight.get(chat_id, 0) + 1
        self._last_start[user_id] = now
        if len(self._last_start) > self.PRUNE_AT:
            self._prune(now)
        return Slot(self, user_id, chat_id, now, last)

    def in_flight(self, chat_id: int) -> int:
        return self._in_flight.get(chat_id, 0)

    def _finish(self, slot: Slot, charge: bool) -> None:
        left = self._in_flight.get(slot.chat_id, 0) - 1
        if left > 0:
            self._in_flight[slot.chat_id] = left
        else:
            self._in_flight.pop(slot.chat_id, None)
        if not charge and self._last_start.get(slot.user_id) == slot.started:  # not overtaken by a newer job
            if slot.previous_start is None:
                self._last_start.pop(slot.user_id, None)
            else:
                self._last_start[slot.user_id] = slot.previous_start

    def _prune(self, now: float) -> None:
        self._last_start = {u: s for u, s in self._last_start.items() if now - s < self.cooldown_s}
