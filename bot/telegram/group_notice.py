"""One "who's in line" board per busy group, instead of a notice per request.

Telegram lets a bot send about 20 messages a minute to one group, and python-telegram-bot paces
every call that names the group. A notice per waiting request (plus deleting it afterwards)
tripled the calls of a busy group: in bench_queue, with that pacing on, the group's p95 went
from 7 s to 61 s. So in groups the places are one message, "In line here: #1 Ana · #2 Ben",
sent when someone has waited QUEUE_NOTICE_S, edited at most every EDIT_EVERY_S when more people
join (places only shrink as others are served, so a shown place is never too optimistic), and
deleted when the last of them has been served. Private chats keep their own "You're #n" notice.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from dataclasses import dataclass, field

from telegram import Bot, Message
from telegram.error import TelegramError

from bot.common.scheduler import Scheduler, Ticket
from bot.common.texts import t

log = logging.getLogger(__name__)

EDIT_EVERY_S = 10.0
MAX_NAME = 24


@dataclass
class _Board:
    lang: str
    thread_id: int | None
    waiting: dict[int, tuple[Ticket, str]] = field(default_factory=dict)  # ticket id -> (ticket, name)
    message: Message | None = None
    text: str = ""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    refresh: asyncio.Task | None = None
    edited_at: float = 0.0


class GroupNotices:
    def __init__(self, scheduler: Scheduler):
        self.scheduler = scheduler
        self._boards: dict[int, _Board] = {}

    async def join(self, bot: Bot, request: Message, ticket: Ticket, name: str, lang: str) -> None:
        """`ticket` has waited long enough to be shown: put it on its chat's board."""
        chat_id = request.chat_id
        board = self._boards.get(chat_id)
        if board is None:
            thread = request.message_thread_id if request.is_topic_message else None
            board = self._boards[chat_id] = _Board(lang, thread)
        board.waiting[ticket.id] = (ticket, (name or "?")[:MAX_NAME])
        async with board.lock:
            if board.message is None:
                board.text = self._text(board)
                try:
                    board.message = await bot.send_message(chat_id, board.text, message_thread_id=board.thread_id)
                    board.edited_at = asyncio.get_running_loop().time()
                except TelegramError as e:  # a courtesy: the jobs run anyway
                    log.warning("chat %s: could not show the line (%s)", chat_id, type(e).__name__)
                if not board.waiting:  # everyone was served while it was being sent
                    await self._close(bot, chat_id, board)
                return
        self._schedule_refresh(bot, chat_id, board)

    async def leave(self, bot: Bot, chat_id: int, ticket: Ticket) -> None:
        """`ticket`'s request is done; the board goes when nobody on it is left waiting."""
        board = self._boards.get(chat_id)
        if board is None or board.waiting.pop(ticket.id, None) is None:
            return
        if not board.waiting and not board.lock.locked():
            await self._close(bot, chat_id, board)

    def _text(self, board: _Board) -> str:
        places = sorted((self.scheduler.place(tk), name) for tk, name in board.waiting.values())
        listed = " · ".join(f"#{p} {name}" for p, name in places if p > 0)
        return t("queue_places", board.lang, places=listed or "…")

    def _schedule_refresh(self, bot: Bot, chat_id: int, board: _Board) -> None:
        if board.refresh is not None and not board.refresh.done():
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, board.edited_at + EDIT_EVERY_S - loop.time())
        board.refresh = asyncio.create_task(self._refresh_later(bot, chat_id, board, delay))

    async def _refresh_later(self, bot: Bot, chat_id: int, board: _Board, delay: float) -> None:
        await asyncio.sleep(delay)
        async with board.lock:
            if self._boards.get(chat_id) is not board or board.message is None or not board.waiting:
                return
            text = self._text(board)
            if text == board.text:
                return
            with suppress(TelegramError):
                await board.message.edit_text(text)
                board.text = text
            board.edited_at = asyncio.get_running_loop().time()
            if not board.waiting:  # the last one left while this edit was on its way
                await self._close(bot, chat_id, board)

    async def _close(self, bot: Bot, chat_id: int, board: _Board) -> None:
        if self._boards.get(chat_id) is board:
            del self._boards[chat_id]
        if board.refresh is not None and board.refresh is not asyncio.current_task():
            board.refresh.cancel()
        if board.message is not None:
            with suppress(TelegramError):
                await board.message.delete()
