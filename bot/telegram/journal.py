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
then lets python-telegram-bot shut down, closing the database last. The cycle and the stop are
shared with Discord (bot/common/journal_base.py); this module keeps what is Telegram's own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from telegram import Message, MessageEntity, Update
from telegram.error import TelegramError
from telegram.ext import Application, JobQueue

from bot.common.journal_base import RequestJournalBase
from bot.common.storage import JournalStore
from bot.common.storage.journal import JournalEntry
from bot.telegram.albums import album_job_name, parse_album_job
from bot.telegram.handlers.faces import is_face_tap
from bot.telegram.handlers.random import is_roll
from bot.telegram.handlers.results import is_result_press
from bot.telegram.journal_payload import minimal_update
from bot.telegram.media import has_media
from bot.telegram.replies import say
from bot.telegram.state import STATE_KEY, lang_of

PLATFORM = "telegram"

Process = Callable[[Update], Awaitable[None]]


def is_request(update: object) -> bool:
    """A new message carrying a command or a file, a tap on a "where's the face?" square (it
    finishes a request), or a press on a result's button or on /random's "roll again" in a chat (it
    asks for the next picture):
    possibly work we must not lose. (A press on a result sent through inline mode edits that result
    in place, by an id the journal's cut payload does not carry: such presses are not kept.)"""
    if not isinstance(update, Update):
        return False
    if update.callback_query is not None:
        q = update.callback_query
        return is_face_tap(q.data) or (q.inline_message_id is None and (is_result_press(q.data) or is_roll(q.data)))
    if update.message is None:
        return False
    m = update.message
    if m.media_group_id or has_media(m):
        return True
    entities = m.entities or m.caption_entities
    return bool(entities) and entities[0].type == MessageEntity.BOT_COMMAND and entities[0].offset == 0


class RequestJournal(RequestJournalBase[Update]):
    PLATFORM = PLATFORM
    SEND_ERRORS = (TelegramError,)

    def __init__(self, app: Application, store: JournalStore, max_age_s: float, grace_s: float,
                 retry_after_s: float = 60.0):
        super().__init__(store, max_age_s, grace_s, retry_after_s)
        self.app = app

    # ---- every update ---------------------------------------------------------------------------
    async def process(self, update: Update, inner: Process, entry_id: int | None = None) -> None:
        if not is_request(update):
            await inner(update)
            return
        m = update.effective_message  # a tap's: the bot's question (told "after the restart" on a stop)
        chat_id = update.effective_chat.id if update.effective_chat else 0
        group = update.message.media_group_id if update.message else None
        what = f"update {update.update_id}"
        if entry_id is None:
            user = update.effective_user
            entry_id = await self.accept(what, str(update.update_id), chat_id, user.id if user else 0,
                                         {"update": minimal_update(update.to_dict())}, lambda: inner(update),
                                         grp=group)
            if entry_id is None:
                return
        if self.inflight.stopping:
            return  # written down: the restart answers it

        async def finish() -> None:
            if group and self._group_pending(chat_id, group):
                # The album's mix is still to come: keep its photos (the caption may have come last).
                await self.store.reopen_group(PLATFORM, chat_id, group)
            else:
                await self.store.finish([entry_id])

        lang = lang_of(update)

        async def goodbye() -> None:
            if isinstance(m, Message):
                await self.tell(m, "resume_later", lang)

        await self.serve(what, lambda: inner(update), goodbye, finish, entries=frozenset({entry_id}),
                         ref=str(update.update_id))

    def _group_pending(self, chat_id: int, group: str) -> bool:
        jq = self.app.job_queue
        return jq is not None and bool(jq.get_jobs_by_name(album_job_name(chat_id, group)))

    async def run_album(self, chat_id: int, group: str, message: Message | None, lang: str,
                        run: Callable[[], Awaitable[None]]) -> None:
        """An album's delayed mix: finishing it finishes all of the album's photos."""
        async def goodbye() -> None:
            if message is not None:
                await self.tell(message, "resume_later", lang)

        await self.serve(f"album {group}", run, goodbye, lambda: self.store.finish_group(PLATFORM, chat_id, group),
                         group=(chat_id, group))

    async def tell(self, message: Message, key: str, lang: str) -> None:
        await self.tell_briefly(lambda: say(message, key, lang), f"{key} in chat {message.chat_id}")

    # ---- start: what the base's resume and sweep need ---------------------------------------------
    def _taken(self, entry: JournalEntry, groups: set[tuple[int, str]]) -> bool:
        """An album's photo is answered by the album's mix: its wait, or its work in progress."""
        if not entry.grp:
            return False
        return (entry.chat_id, entry.grp) in groups or self._group_pending(entry.chat_id, entry.grp)

    def _revive(self, entry: JournalEntry) -> Update:
        return Update.de_json(entry.payload["update"], self.app.bot)

    async def _apologise(self, update: Update) -> None:
        if _speaks_for_itself(update.effective_message):  # a tap's: under the bot's question
            await self.tell(update.effective_message, "request_expired", lang_of(update))

    def _launch(self, entry: JournalEntry, update: Update) -> None:
        self.app.create_task(self.process(update, self._base_process, entry.id), update=update)

    async def _base_process(self, update: Update) -> None:
        await Application.process_update(self.app, update)

    # ---- stop ---------------------------------------------------------------------------------------
    async def _end(self) -> None:
        self.app.stop_running()  # run_polling then stops python-telegram-bot and closes the database

    async def _stop_taking(self) -> None:
        """Stop polling, and run the album waits at once: they are accepted work, not to be waited out."""
        updater = self.app.updater
        if updater is not None and updater.running:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(updater.stop(), 2.0)
        jq = self.app.job_queue
        if jq is not None:
            for job in jq.jobs():
                if parse_album_job(job.name) is not None:
                    job.schedule_removal()
                    self.app.create_task(JournalingJobQueue.job_callback(jq, job))
        await asyncio.sleep(0)


def _speaks_for_itself(message: Message | None) -> bool:
    """Whether a request's message gets its own apology: an album's uncaptioned photos don't (the
    album's caption, or nobody, is apologised to once)."""
    return isinstance(message, Message) and not (message.media_group_id and not (message.caption or message.text))


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
