"""Run one job for a chat: a place in the fair line, status, engine, result, and the user-facing errors.

Every command that makes a picture goes through `serve`, so the line, the error wording and the
token refund behave the same for /mix, /random and the buttons. A request that can't start at
once waits in line (bot/common/scheduler.py); one that waits longer than QUEUE_NOTICE_S is told
its place, and that notice is deleted when the result is out. Only a full line refuses, and then
the request is kept behind a "try again" button.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import CallbackContext

from bot.common.request_log import RequestLog, activate, deactivate, kind_of
from bot.common.scheduler import LineFull, Ticket
from bot.common.texts import error_text, t
from bot.telegram.media import MediaProblem
from bot.telegram.replies import chat_action, fits, say, say_text, send_result
from bot.telegram.state import get_state
from vae_core.engine import Reply
from vae_core.errors import KittenError

log = logging.getLogger(__name__)

Produce = Callable[[], Awaitable[tuple[Reply, str]]]  # -> (result, caption)


class Answered(Exception):  # noqa: N818  (a signal, not an error)
    """Raised by a `produce` that has already answered the request another way (it asked where
    the cat's face is): the job ends without a result and without charging the user."""


RETRY_PATTERN = r"^retry:([A-Za-z0-9_-]{1,40})$"


@dataclass(frozen=True)
class Job:
    """Everything needed to run a request, and to run it again from a "try again" button
    (file ids and options only: the photos are downloaded when the job's turn comes)."""

    request: Message  # the result quotes it
    user_id: int
    lang: str
    action: str  # the chat action shown while working ("sending a photo...")
    produce: Produce
    markup: InlineKeyboardMarkup | None = None
    name: str = ""  # the asker's first name, for a group's "who's in line" board


async def serve(context: CallbackContext, request: Message, user_id: int, lang: str, action: str,
                produce: Produce, markup: InlineKeyboardMarkup | None = None, *, ticket: Ticket | None = None,
                tap: CallbackQuery | None = None) -> None:
    """Answer `request` with what `produce` makes, or with a sentence saying why not.

    `ticket`: a place taken earlier (an album's first message). `tap`: the button press that
    asked, answered with a toast when refused (never a public message).
    """
    asker = tap.from_user if tap is not None else request.from_user
    job = Job(request, user_id, lang, action, produce, markup, asker.first_name if asker else "")
    await run_job(context, job, ticket=ticket, tap=tap)


async def run_job(context: CallbackContext, job: Job, *, ticket: Ticket | None = None,
                  tap: CallbackQuery | None = None, retry_key: str | None = None) -> None:
    st = get_state(context)
    request, lang = job.request, job.lang
    record = RequestLog("telegram", request.chat.type)  # one log line per request (bot/common/request_log.py)
    if ticket is None:
        try:
            ticket = st.scheduler.enter(job.user_id, request.chat_id)
        except LineFull as full:
            record.done("refused", f"line_full_{full.scope}")
            await _refuse(context, job, full, tap, retry_key)
            return
    if retry_key is not None:
        st.retries.discard(retry_key)
    if tap is not None:
        await _answer(tap)
    delivered = False
    token = activate(record)
    try:
        async with turn(context, request, ticket, lang, job.name) as place:
            with record.stage("wait"):
                await place.wait()
            try:
                # A visible place notice already says we're on it, and while others wait in this chat
                # their results matter more: in a group every call counts against Telegram's ~20 a minute.
                quiet = not place.shown and not st.scheduler.waiting(chat_id=request.chat_id)
                async with chat_action(context.bot, request, job.action, enabled=quiet):
                    reply, caption = await job.produce()
            except Answered:
                record.done("answered", "asked_where_the_face_is")
                return
            except MediaProblem as problem:
                record.done("refused", problem.key)
                await say(request, problem.key, lang, **problem.params)
                return
            except KittenError as err:
                record.done("failed" if err.code in ("busy", "timeout") else "refused", err.code)
                await say_text(request, error_text(err, lang))
                return
            record.kind = kind_of(reply.filename)
            record.engine(reply.timings)
            if not fits(reply):
                record.done("refused", "reply_too_big")
                await say(request, "reply_too_big", lang)
                return
            with record.stage("send"):
                sent = await send_result(request, reply, caption, job.markup)
            if st.inline is not None:  # the user's recent results, for their empty inline query (inline.py)
                st.inline.saw(job.user_id, sent, caption)
            delivered = place.charged = True
            record.done("ok")
    except BaseException as e:
        if not delivered:
            record.done("failed", type(e).__name__)
        raise
    finally:
        deactivate(token)


class Place:
    """A request's place in the fair line, while it waits and runs (see `turn`)."""

    def __init__(self, context: CallbackContext, request: Message, ticket: Ticket, lang: str, name: str):
        self.context, self.request, self.ticket, self.lang, self.name = context, request, ticket, lang, name
        self.notice: Message | None = None  # "You're #2 in line" (private chats)
        self.on_board = False  # groups: one "who's in line" board per chat (group_notice.py)
        self.charged = False  # set when the request got what it asked for: it counts against the rate

    @property
    def shown(self) -> bool:
        return self.notice is not None or self.on_board

    async def wait(self) -> None:
        st = get_state(self.context)
        await st.scheduler.wait_turn(self.ticket, self._show, st.settings.queue_notice_s)
        if self.ticket.waited_s:
            log.info("chat %s: waited %.1f s in line", self.request.chat_id, self.ticket.waited_s)

    async def _show(self, place: int) -> None:
        st, request = get_state(self.context), self.request
        if request.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP) and st.group_notices is not None:
            self.on_board = True
            await st.group_notices.join(self.context.bot, request, self.ticket, self.name, self.lang)
            return
        try:
            self.notice = await say(request, "queue_place", self.lang, place=place)
        except TelegramError as e:  # the notice is a courtesy; the job still runs
            log.warning("chat %s: could not show the place in line (%s)", request.chat_id, type(e).__name__)


@asynccontextmanager
async def turn(context: CallbackContext, request: Message, ticket: Ticket, lang: str,
               name: str = "") -> AsyncIterator[Place]:
    """Hold `ticket`'s place for the block: `await place.wait()` for the turn (with the place
    notice when it takes a while); on the way out the place is given back and the notice removed.
    Used by every request that does engine work: mixes, /random, buttons, and /adopt."""
    st = get_state(context)
    place = Place(context, request, ticket, lang, name)
    try:
        yield place
    finally:
        st.scheduler.finish(ticket, charged=place.charged)
        if place.notice is not None:
            with suppress(TelegramError):
                await place.notice.delete()
        if place.on_board and st.group_notices is not None:
            await st.group_notices.leave(context.bot, request.chat_id, ticket)


async def _refuse(context: CallbackContext, job: Job, full: LineFull, tap: CallbackQuery | None,
                  retry_key: str | None) -> None:
    """The line is full: a toast for a button, else the reason and a button that keeps the request."""
    log.info("chat %s: refused, line full (%s, %d waiting)", job.request.chat_id, full.scope, full.count)
    if tap is not None:
        await _answer(tap, t("retry_still_full", job.lang))
        return
    key = get_state(context).retries.put(job.user_id, job)
    button = InlineKeyboardButton(t("retry_button", job.lang), callback_data=f"retry:{key}")
    await job.request.reply_text(t(full.key, job.lang, count=full.count), reply_markup=InlineKeyboardMarkup([[button]]),
                                 do_quote=True, allow_sending_without_reply=True)


async def _answer(tap: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press (stops its spinner); a query too old to answer is no reason to fail."""
    try:
        await tap.answer(text)
    except TelegramError as e:
        log.info("could not answer a button press (%s)", type(e).__name__)
