"""The request journal's life cycle, written once for every platform: accept, serve, finish,
resume, sweep and the clean stop. Why the bots journal at all is in bot/telegram/journal.py.

A platform's journal subclasses `RequestJournalBase` and keeps only what differs: how it reads a
request off its platform, how it brings a journaled one back (`_revive`) and runs it again
(`_launch`), how it says goodbye, what stops new work arriving (`_stop_taking`) and how the
process ends after a stop (`_end`). The order of the stop (no new work, the platform's own
winding down, the grace for work in progress, cancelling what hangs or does not fit, a moment
for the cancelled to tell their users) is here, so both bots stop alike.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from typing import ClassVar, Generic, TypeVar

from bot.common.backoff import reason
from bot.common.inflight import InFlight
from bot.common.scale import REQUEST_ID
from bot.common.storage import JournalStore, StorageError
from bot.common.storage.journal import CLOSED, JournalEntry

HUNG_DOWNLOAD_S = 1.5  # a download still running this long into a stop is taken as hung
TELL_TIMEOUT_S = 1.5  # a goodbye must not eat the stop's grace
PRUNE_AFTER_S = 86_400.0  # finished requests are kept a day (to spot redeliveries)

Revived = TypeVar("Revived")  # a journaled request brought back: an Update, an Interaction


class RequestJournalBase(Generic[Revived]):
    PLATFORM: ClassVar[str]  # the journal's platform column
    SEND_ERRORS: ClassVar[tuple[type[BaseException], ...]] = ()  # what a failed goodbye raises

    def __init__(self, store: JournalStore, max_age_s: float, grace_s: float, retry_after_s: float = 60.0):
        self.store = store
        self.max_age_s, self.grace_s, self.retry_after_s = max_age_s, grace_s, retry_after_s
        self.inflight = InFlight()
        self.handle_signals = False  # the bot's `run` sets it: tests drive the lifecycle themselves
        self._leftovers: list[JournalEntry] = []  # the previous run's open requests (load_unfinished)
        # The platform's own logger, so a journal's lines say which bot wrote them.
        self.log = logging.getLogger(type(self).__module__)

    # ---- every request ----------------------------------------------------------------------------
    async def accept(self, what: str, ref: str, chat_id: int, user_id: int, payload: dict,
                     serve_anyway: Callable[[], Awaitable[None]], *, grp: str | None = None,
                     expires_at: float | None = None) -> int | None:
        """Write a new request down. Its entry id; None when there is nothing more to do here:
        it was journaled before (a redelivery: answered once), or the journal failed and
        `serve_anyway` has answered it unjournaled (a broken disk must not cost the user)."""
        try:
            entry_id = await self.store.accept(self.PLATFORM, ref, chat_id, user_id, payload,
                                               grp=grp, expires_at=expires_at)
        except Exception as e:
            # StorageError: the database logged why, once; a line per request would bury it.
            self.log.log(logging.DEBUG if isinstance(e, StorageError) else logging.ERROR,
                         "%s: could not journal it (%s); serving it anyway", what, reason(e))
            await serve_anyway()
            return None
        if entry_id is None:
            self.log.info("%s was journaled before; not answering it twice", what)
        return entry_id

    async def serve(self, what: str, call: Callable[[], Awaitable[None]], goodbye: Callable[[], Awaitable[None]],
                    finish: Callable[[], Awaitable[object]], *, entries: frozenset[int] = frozenset(),
                    group: tuple[int, str] | None = None, ref: str | None = None) -> None:
        """Run an accepted request as work in progress, then mark it done with `finish`.

        Cancelled by a stop: `goodbye` tells the user it continues after the restart, and the
        entry stays open. Not delivered (the platform kept failing): it stays open for the sweep.
        The finish runs inside the work, so a stop waits for the entry to be marked done too.
        `ref`: the platform's id of the request, which names its engine jobs on the workers
        (REDIS_URL), so a replay after a restart finds an outcome already made instead of a second run."""
        if ref is not None:
            call = _named(call, f"{self.PLATFORM}:{ref}")
        with self.inflight.running(entries, group) as work:
            try:
                await call()
            except asyncio.CancelledError:
                if not work.cancelled_by_stop:
                    raise
                await goodbye()
                return
            if work.undelivered:
                self.log.warning("%s: not answered (%s kept failing); kept in the journal, tried again in %.0f s",
                                 what, self.PLATFORM, self.retry_after_s)
                return
            try:
                await finish()
            except Exception as e:  # answered already; at worst a restart repeats it
                self.log.error("%s: could not mark it done (%s)", what, reason(e))

    async def tell_briefly(self, send: Callable[[], Awaitable[object]], what: str) -> None:
        """Send a goodbye or an apology, giving up after TELL_TIMEOUT_S (it must not eat the
        stop's grace) or on the platform's refusal, which is logged and otherwise ignored."""
        try:
            async with asyncio.timeout(TELL_TIMEOUT_S):
                await send()
        except (*self.SEND_ERRORS, TimeoutError) as e:
            self.log.warning("could not say %s (%s)", what, type(e).__name__)

    # ---- start ------------------------------------------------------------------------------------
    async def load_unfinished(self) -> None:
        """Read what the previous run left open, before this run takes any request: a request
        this run accepts must never be taken for a leftover and run twice."""
        try:
            self._leftovers = await self.store.unfinished(self.PLATFORM)
            await self.store.prune(PRUNE_AFTER_S)
        except StorageError:  # the bot serves without its journal; the database logged why
            self._leftovers = []

    async def resume(self) -> None:
        """Replay the requests a previous run accepted but never answered, oldest first."""
        entries, self._leftovers = self._leftovers, []
        if entries:
            self.log.info("resuming %d unfinished request(s) from the journal", len(entries))
            await self._replay(entries)

    async def sweep(self) -> None:
        """Every so often: try again the requests left open that nothing is working on (the
        platform stayed down past the send retries)."""
        if self.inflight.stopping:
            return
        busy, groups = self.inflight.busy()  # first: what finishes meanwhile was busy, so is skipped
        now = time.time()
        try:
            unfinished = await self.store.unfinished(self.PLATFORM)
        except StorageError:  # nothing to read now; the database logged why
            return
        todo = [e for e in unfinished
                if e.id not in busy and now - e.accepted_at >= self.retry_after_s and not self._taken(e, groups)]
        if todo:
            self.log.info("trying %d unanswered request(s) again", len(todo))
            await self._replay(todo)

    def _taken(self, entry: JournalEntry, groups: set[tuple[int, str]]) -> bool:
        """Whether something besides its own work will answer `entry` (Telegram: an album's wait)."""
        return False

    async def _replay(self, entries: list[JournalEntry]) -> None:
        now = time.time()
        for entry in entries:
            if self._unanswerable(entry, now):
                self.log.info("request %s can no longer be answered; closing it", entry.id)
                await self.store.finish([entry.id], CLOSED)
                continue
            revived = self._revive(entry)
            if now - entry.accepted_at > self.max_age_s:
                self.log.info("request %s is %.0f s old: apologising and closing it", entry.id, now - entry.accepted_at)
                await self._apologise(revived)
                await self.store.finish([entry.id], CLOSED)
                continue
            self._launch(entry, revived)
            await asyncio.sleep(0)  # let it take its place in line before the next one

    def _unanswerable(self, entry: JournalEntry, now: float) -> bool:
        """Whether nobody can be answered any more (Discord: the interaction token expired)."""
        return False

    def _revive(self, entry: JournalEntry) -> Revived:
        raise NotImplementedError

    async def _apologise(self, revived: Revived) -> None:
        """Tell the user their request was too old to do now."""
        raise NotImplementedError

    def _launch(self, entry: JournalEntry, revived: Revived) -> None:
        """Start the request again, in its own task, as already accepted (entry.id)."""
        raise NotImplementedError

    # ---- stop -------------------------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda s=sig: asyncio.ensure_future(self._stop_and_end(s.name)))

    async def _stop_and_end(self, why: str) -> None:
        await self.stop(why)
        await self._end()

    async def _end(self) -> None:
        """After a signal's stop: end the process's bot (it closes the database last)."""
        raise NotImplementedError

    async def _stop_taking(self) -> None:
        """The platform's part of a stop, before the grace: stop new work coming in."""

    async def stop(self, why: str = "stop") -> None:
        """No new work; what is in progress gets the grace to finish, and what does not fit (or
        hangs in a download) is cancelled, its users told, its entries kept for the restart."""
        if self.inflight.stopping:
            return
        self.inflight.stopping = True
        loop = asyncio.get_running_loop()
        start = loop.time()
        self.log.info("%s: no new work; finishing what is in progress (up to %.0f s)", why, self.grace_s)
        await self._stop_taking()
        cancelled = await self.inflight.drain(self.grace_s - (loop.time() - start), HUNG_DOWNLOAD_S)
        await self.inflight.settle(TELL_TIMEOUT_S + 0.5)
        self.log.info("%s: done in %.1f s (%d request(s) left in the journal for the restart)", why,
                      loop.time() - start, cancelled)


def _named(call: Callable[[], Awaitable[None]], rid: str) -> Callable[[], Awaitable[None]]:
    """`call` with its engine jobs named after the request (bot/common/scale.py)."""

    async def named() -> None:
        token = REQUEST_ID.set([rid, 0])
        try:
            await call()
        finally:
            REQUEST_ID.reset(token)

    return named
