"""Telegram's side of the request journal: nothing accepted is lost to a crash, a restart or a stop.

Long polling confirms every update on the next poll, before the work is done, and Telegram never
sends a confirmed update again. So each request (a message with a command or a photo) is written
down as it arrives, as the update's own JSON cut to what a replay needs (journal_payload.py): ids,
file ids and the command with its options; never the photos, never people's names. It is
marked done when its handlers have finished (the answer is out, or the user was told why not).
An album's photos are one request: while the album's mix is pending (its
`album:CHAT:GROUP` job, handlers/mix.py), they stay open and the job finishes them together.

On start, the open requests are replayed through the same handlers, in arrival order, so they
take their turn in the fair line like everything else; one older than REQUEST_MAX_AGE_S gets an
apology instead. On SIGTERM (or SIGINT) `stop` stops polling, runs the album waits at once,
lets the work in progress finish within STOP_GRACE_S, cancels hung downloads and whatever does
not fit (their users are told it continues after the restart; the journal keeps them), and
then lets python-telegram-bot shut down, closing the database last.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable

from telegram import Message, MessageEntity, Update
from telegram.error import TelegramError
from telegram.ext import Application, JobQueue

from bot.common.backoff import reason
from bot.common.inflight import InFlight
from bot.common.storage import JournalStore, StorageError
from bot.common.storage.journal import CLOSED
from bot.telegram.albums import album_job_name, parse_album_job
from bot.telegram.journal_payload import minimal_update
from bot.telegram.media import has_media
from bot.telegram.replies import say
from bot.telegram.state import STATE_KEY, lang_of

log = logging.getLogger(__name__)

PLATFORM = "telegram"
HUNG_DOWNLOAD_S = 1.5  # a download still running this long into a stop is taken as hung
TELL_TIMEOUT_S = 1.5  # a goodbye must not eat the stop's grace
PRUNE_AFTER_S = 86_400.0  # finished requests are kept a day (to spot Telegram's redeliveries)

Process = Callable[[Update], Awaitable[None]]


def is_request(update: object) -> bool:
    """A new message carrying a command or a file: possibly work we must not lose."""
    if not isinstance(update, Update) or update.message is None:
        return False
    m = update.message
    if m.media_group_id or has_media(m):
        return True
    entities = m.entities or m.caption_entities
    return bool(entities) and entities[0].type == MessageEntity.BOT_COMMAND and entities[0].offset == 0


class RequestJournal:
    def __init__(self, app: Application, store: JournalStore, max_age_s: float, grace_s: float,
                 retry_after_s: float = 60.0):
        self.app, self.store = app, store
        self.max_age_s, self.grace_s, self.retry_after_s = max_age_s, grace_s, retry_after_s
        self.inflight = InFlight()
        self.handle_signals = False  # `run` sets it: tests drive the lifecycle themselves
        self._leftovers: list = []  # the previous run's open requests (load_unfinished)

    # ---- every update ---------------------------------------------------------------------------
    async def process(self, update: Update, inner: Process, entry_id: int | None = None) -> None:
        if not is_request(update):
            await inner(update)
            return
        m = update.message
        if entry_id is None:
            try:
                entry_id = await self.store.accept(PLATFORM, str(update.update_id), m.chat_id,
                                                   m.from_user.id if m.from_user else 0,
                                                   {"update": minimal_update(update.to_dict())},
                                                   grp=m.media_group_id)
            except Exception as e:  # a broken disk must not cost the user their answer: serve, unjournaled
                # StorageError: the database logged why, once; a line per request would bury it.
                log.log(logging.DEBUG if isinstance(e, StorageError) else logging.ERROR,
                        "update %s: could not journal it (%s); serving it anyway", update.update_id, reason(e))
                await inner(update)
                return
            if entry_id is None:
                log.info("update %s was journaled before; not answering it twice", update.update_id)
                return
        if self.inflight.stopping:
            return  # written down: the restart answers it
        lang = lang_of(update)
        with self.inflight.running(entries=frozenset({entry_id})) as work:
            try:
                await inner(update)
            except asyncio.CancelledError:
                if not work.cancelled_by_stop:
                    raise
                await self.tell(m, "resume_later", lang)
                return
        if work.undelivered:
            log.warning("update %s: not answered (Telegram kept failing); kept in the journal, tried again in "
                        "%.0f s", update.update_id, self.retry_after_s)
            return
        try:
            if m.media_group_id and self._album_pending(m):
                # The album's mix is still to come: keep its photos (the caption may have come last).
                await self.store.reopen_group(PLATFORM, m.chat_id, m.media_group_id)
            else:
                await self.store.finish([entry_id])
        except Exception as e:  # answered already; at worst a restart repeats it
            log.error("update %s: could not mark it done (%s)", update.update_id, reason(e))

    def _album_pending(self, m: Message) -> bool:
        return self._group_pending(m.chat_id, m.media_group_id)

    def _group_pending(self, chat_id: int, group: str) -> bool:
        jq = self.app.job_queue
        return jq is not None and bool(jq.get_jobs_by_name(album_job_name(chat_id, group)))

    async def run_album(self, chat_id: int, group: str, message: Message | None, lang: str,
                        run: Callable[[], Awaitable[None]]) -> None:
        """An album's delayed mix: finishing it finishes all of the album's photos."""
        with self.inflight.running(group=(chat_id, group)) as work:
            try:
                await run()
            except asyncio.CancelledError:
                if not work.cancelled_by_stop:
                    raise
                if message is not None:
                    await self.tell(message, "resume_later", lang)
                return
            if work.undelivered:
                log.warning("album %s: not answered (Telegram kept failing); kept in the journal, tried again in "
                            "%.0f s", group, self.retry_after_s)
                return
            # Still counted as work in progress: a stop waits for the album to be marked done too.
            try:
                await self.store.finish_group(PLATFORM, chat_id, group)
            except Exception as e:  # answered already; at worst a restart repeats it
                log.error("album %s: could not mark it done (%s)", group, reason(e))

    async def tell(self, message: Message, key: str, lang: str) -> None:
        try:
            async with asyncio.timeout(TELL_TIMEOUT_S):
                await say(message, key, lang)
        except (TelegramError, TimeoutError) as e:
            log.warning("chat %s: could not say %s (%s)", message.chat_id, key, type(e).__name__)

    # ---- start ------------------------------------------------------------------------------------
    async def load_unfinished(self) -> None:
        """Read what the previous run left open, before this run takes any update: a request this
        run accepts must never be taken for a leftover and run twice."""
        try:
            self._leftovers = await self.store.unfinished(PLATFORM)
            await self.store.prune(PRUNE_AFTER_S)
        except StorageError:  # the bot serves without its journal; the database logged why
            self._leftovers = []

    async def resume(self) -> None:
        """Replay the requests a previous run accepted but never answered, oldest first."""
        entries, self._leftovers = self._leftovers, []
        if entries:
            log.info("resuming %d unfinished request(s) from the journal", len(entries))
            await self._replay(entries)

    async def sweep(self) -> None:
        """Every so often: try again the requests this run could not answer (Telegram stayed down
        past the send retries), or any other request left open that nothing is working on."""
        if self.inflight.stopping:
            return
        busy, groups = self.inflight.busy()  # first: what finishes meanwhile was busy, so is skipped
        now = time.time()
        try:
            unfinished = await self.store.unfinished(PLATFORM)
        except StorageError:  # nothing to read now; the database logged why
            return
        todo = [e for e in unfinished
                if e.id not in busy and now - e.accepted_at >= self.retry_after_s
                and not (e.grp and ((e.chat_id, e.grp) in groups or self._group_pending(e.chat_id, e.grp)))]
        if todo:
            log.info("trying %d unanswered request(s) again", len(todo))
            await self._replay(todo)

    async def _replay(self, entries: list) -> None:
        now = time.time()
        for entry in entries:
            update = Update.de_json(entry.payload["update"], self.app.bot)
            if now - entry.accepted_at > self.max_age_s:
                log.info("request %s is %.0f s old: apologising and closing it", entry.id, now - entry.accepted_at)
                if _speaks_for_itself(update.message):
                    await self.tell(update.message, "request_expired", lang_of(update))
                await self.store.finish([entry.id], CLOSED)
                continue
            self.app.create_task(self.process(update, self._base_process, entry.id), update=update)
            await asyncio.sleep(0)  # let it take its place before the next one

    async def _base_process(self, update: Update) -> None:
        await Application.process_update(self.app, update)

    # ---- stop -------------------------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda s=sig: asyncio.ensure_future(self._stop_and_exit(s.name)))

    async def _stop_and_exit(self, why: str) -> None:
        await self.stop(why)
        self.app.stop_running()  # run_polling then stops python-telegram-bot and closes the database

    async def stop(self, why: str = "stop") -> None:
        if self.inflight.stopping:
            return
        self.inflight.stopping = True
        loop = asyncio.get_running_loop()
        start = loop.time()
        log.info("%s: no new work; finishing what is in progress (up to %.0f s)", why, self.grace_s)
        updater = self.app.updater
        if updater is not None and updater.running:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(updater.stop(), 2.0)
        jq = self.app.job_queue
        if jq is not None:
            for job in jq.jobs():  # the album waits are accepted work: don't wait them out, mix now
                if parse_album_job(job.name) is not None:
                    job.schedule_removal()
                    self.app.create_task(JournalingJobQueue.job_callback(jq, job))
        await asyncio.sleep(0)
        cancelled = await self.inflight.drain(self.grace_s - (loop.time() - start), HUNG_DOWNLOAD_S)
        await self.inflight.settle(TELL_TIMEOUT_S + 0.5)
        log.info("%s: done in %.1f s (%d request(s) left in the journal for the restart)", why,
                 loop.time() - start, cancelled)


def _speaks_for_itself(message: Message | None) -> bool:
    """Whether a request's message gets its own apology: an album's uncaptioned photos don't (the
    album's caption, or nobody, is apologised to once)."""
    return message is not None and not (message.media_group_id and not (message.caption or message.text))


class JournalingApplication(Application):
    """python-telegram-bot's Application, with every update going through the journal."""

    async def process_update(self, update: object) -> None:
        state = self.bot_data.get(STATE_KEY)
        journal = getattr(state, "requests", None)
        if journal is None or not isinstance(update, Update):
            await super().process_update(update)
            return
        await journal.process(update, super().process_update)


class JournalingJobQueue(JobQueue):
    """Album waits run as journaled work (finished together, cancellable by a stop)."""

    @staticmethod
    async def job_callback(job_queue: JobQueue, job) -> None:  # type: ignore[override]
        app = job_queue.application
        journal = getattr(app.bot_data.get(STATE_KEY), "requests", None)
        album = parse_album_job(job.name)
        if journal is None or album is None:
            await JobQueue.job_callback(job_queue, job)
            return
        chat, group = album
        update = getattr(job.data, "update", None)
        message = update.effective_message if isinstance(update, Update) else None
        lang = lang_of(update) if isinstance(update, Update) else "en"

        async def run() -> None:
            # Job.run shields the callback from cancellation; a stop must be able to cancel a hung
            # download inside it, so the callback runs here, in this task, with PTB's error path.
            context = app.context_types.context.from_job(job, app)
            await context.refresh_data()
            try:
                await job.callback(context)
            except Exception as exc:  # in this task, so the error handler sees the journaled work
                await app.process_error(None, exc, job=job)

        await journal.run_album(chat, group, message, lang, run)
