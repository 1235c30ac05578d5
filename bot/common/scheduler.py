"""The fair scheduler both bots send their work through: wait in line instead of being refused.

A request takes its place with `enter` the moment it is accepted (for a Telegram album: its first
message, not when the album is complete), then `wait_turn` until the line says go, then runs and
calls `finish`. What decides the turn:

- at most `running` jobs at once overall (downloading, mixing, uploading), one per user, so a
  user's results arrive in the order they asked;
- the line's fair order (round-robin across chats, then users, FIFO per user: see line.py);
- the user's token bucket (ratelimit.py): out of tokens means waiting, never a refusal.

The only refusals are the line's bounds (per user, per chat, overall), raised as `LineFull`
so the bot can keep the request behind a "try again" button. One process, one event loop: no
locks. The line and the rates are protocols; this class is the per-process glue that wakes
waiting coroutines.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field

from bot.common.line import Entry, Line, RoundRobinLine
from bot.common.ratelimit import RateState, TokenBuckets


class LineFull(Exception):
    """The line is at one of its bounds; `key` names the texts.py sentence, `count` the bound."""

    def __init__(self, scope: str, count: int):
        super().__init__(f"line full ({scope}: {count} waiting)")
        self.scope, self.count = scope, count  # scope: "user" | "chat" | "total"

    @property
    def key(self) -> str:
        return f"line_full_{self.scope}"


@dataclass(frozen=True)
class Bounds:
    running: int = 4  # jobs in progress at once, all chats together
    per_user: int = 3  # waiting requests per user
    per_chat: int = 20  # waiting requests per chat
    total: int = 64  # waiting requests overall


@dataclass(eq=False)
class Ticket:
    """A request's place: waiting, then running, then done (or cancelled)."""

    id: int
    user_id: int
    chat_id: int
    entered_at: float
    ready_at: float | None = None  # when it could start (an album: once its photos were in)
    started_at: float | None = None
    state: str = "waiting"  # waiting | running | done
    _go: asyncio.Future[None] | None = field(default=None, repr=False)

    @property
    def waited_s(self) -> float:
        """Time since the request took its place (an album's collection included)."""
        return 0.0 if self.started_at is None else self.started_at - self.entered_at

    @property
    def in_line_s(self) -> float:
        """Time the request was ready but waited for its turn."""
        if self.started_at is None:
            return 0.0
        return max(0.0, self.started_at - (self.ready_at if self.ready_at is not None else self.entered_at))


Notify = Callable[[int], Awaitable[object]]  # called with the ticket's place in line


class Scheduler:
    def __init__(self, bounds: Bounds, rate: RateState | None = None, line: Line | None = None,
                 clock: Callable[[], float] = time.monotonic, recent_waits: deque[float] | None = None):
        self.bounds = bounds
        self.rate: RateState = rate if rate is not None else TokenBuckets(burst=3, refill_s=10.0)
        self.line: Line = line if line is not None else RoundRobinLine()
        self._clock = clock
        self._ids = itertools.count(1)
        self._tickets: dict[int, Ticket] = {}
        self._running_users: dict[int, int] = {}  # user -> ticket id
        self._wake: asyncio.TimerHandle | None = None
        # seconds in line of the last requests started (Redis mode: a deque that also sends them there)
        self.recent_waits: deque[float] = recent_waits if recent_waits is not None else deque(maxlen=500)
        self._wake_at = float("inf")
        # A line that can take the user's token as it picks the entry (Redis: one round trip, not four)
        join = getattr(self.line, "take_tokens_from", None)
        self._line_takes_tokens = bool(join is not None and join(self.rate, clock))

    # ---- entering and leaving ----------------------------------------------------------------
    def enter(self, user_id: int, chat_id: int, *, ready: bool = True) -> Ticket:
        """Take a place in line now, or raise LineFull. `ready=False` holds the place for a request
        still being put together; `wait_turn` makes it ready."""
        b = self.bounds
        now = self._clock()
        ticket = Ticket(next(self._ids), user_id, chat_id, now, ready_at=now if ready else None)
        full = self.line.push_within(Entry(ticket.id, user_id, chat_id, ready), b.per_user, b.per_chat, b.total)
        if full is not None:
            raise LineFull(full, {"user": b.per_user, "chat": b.per_chat, "total": b.total}[full])
        self._tickets[ticket.id] = ticket
        if ready:
            self._dispatch()
        return ticket

    async def wait_turn(self, ticket: Ticket, notify: Notify | None = None, notify_after_s: float = 1.0) -> None:
        """Until the ticket may run. If it is still waiting after `notify_after_s`, `notify(place)`
        is awaited once (to tell the user where they are); a failure there is the caller's to log."""
        if ticket.state != "waiting":
            return
        entry = self.line.get(ticket.id)
        if entry is not None and not entry.ready:
            entry.ready = True
            ticket.ready_at = self._clock()
        go = self._future(ticket)
        self._dispatch()
        if go.done():
            return
        try:
            if notify is not None:
                with suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(go), notify_after_s)
                if not go.done():
                    await notify(self.place(ticket))
            await go
        except asyncio.CancelledError:
            self.cancel(ticket)
            raise

    def finish(self, ticket: Ticket, charged: bool = True) -> None:
        """The job ended. `charged=False` gives the user's token back (nothing was delivered)."""
        if ticket.state == "running":
            self._running_users.pop(ticket.user_id, None)
            self.recent_waits.append(ticket.in_line_s)  # for `kitten-mixer status` (bot/common/scale.py)
            if not charged:
                self.rate.give_back(ticket.user_id, self._clock())
        elif ticket.state == "waiting":
            self.line.remove(ticket.id)
        ticket.state = "done"
        self._tickets.pop(ticket.id, None)
        if ticket._go is not None and not ticket._go.done():
            ticket._go.cancel()
        self._dispatch()

    def cancel(self, ticket: Ticket) -> None:
        """Leave the line without running (the album turned out unusable); a no-op once started."""
        if ticket.state == "waiting":
            self.finish(ticket, charged=False)

    # ---- looking --------------------------------------------------------------------------------
    def place(self, ticket: Ticket) -> int:
        return self.line.place(ticket.id)

    @property
    def running(self) -> int:
        return len(self._running_users)

    def waiting(self, *, user_id: int | None = None, chat_id: int | None = None) -> int:
        return self.line.waiting(user_id=user_id, chat_id=chat_id)

    # ---- the turn ---------------------------------------------------------------------------------
    def _future(self, ticket: Ticket) -> asyncio.Future[None]:
        if ticket._go is None:
            ticket._go = asyncio.get_running_loop().create_future()
            if ticket.state == "running":
                ticket._go.set_result(None)
        return ticket._go

    def _dispatch(self) -> None:
        now = self._clock()
        soonest = float("inf")

        def can_start(entry: Entry) -> bool:
            nonlocal soonest
            if not entry.ready or entry.user_id in self._running_users:
                return False
            if self._line_takes_tokens:
                return True  # the line checks and takes the token itself
            wait = self.rate.wait_s(entry.user_id, now)
            if wait > 0:
                soonest = min(soonest, wait)
                return False
            return True

        while len(self._running_users) < self.bounds.running:
            entry = self.line.pop_next(can_start)
            if entry is None:
                if self._line_takes_tokens and self.line.token_wait_s:  # type: ignore[attr-defined]
                    soonest = min(soonest, self.line.token_wait_s)  # type: ignore[attr-defined]
                break
            if not self._line_takes_tokens:
                self.rate.take(entry.user_id, now)
            ticket = self._tickets[entry.id]
            ticket.state, ticket.started_at = "running", now
            self._running_users[entry.user_id] = ticket.id
            if ticket._go is not None and not ticket._go.done():
                ticket._go.set_result(None)
        if soonest < float("inf"):
            self._wake_later(soonest)

    def _wake_later(self, delay: float) -> None:
        """Run the dispatch again when the next token comes in (only the earliest wake is kept)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        at = loop.time() + delay
        if self._wake is not None and not self._wake.cancelled() and self._wake_at <= at:
            return
        if self._wake is not None:
            self._wake.cancel()
        self._wake_at = at
        self._wake = loop.call_at(at + 0.001, self._woken)

    def _woken(self) -> None:
        self._wake, self._wake_at = None, float("inf")
        self._dispatch()
