"""Everything the bot sends: texts from the catalogue, results, and the "uploading..." status.

Replies always quote the request (`do_quote=True`): in a busy group that is how people see which
result is theirs; PTB quotes by default only in groups, so we say it explicitly.
`allow_sending_without_reply` keeps the answer coming if the request was deleted meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.common.commands import Refusal
from bot.common.request_log import refused
from bot.common.texts import t
from vae_core.engine import Reply

PHOTO_LIMIT = 10 * 1024 * 1024  # sendPhoto
ANIMATION_LIMIT = 50 * 1024 * 1024  # sendAnimation (any bot upload)
ACTION_EVERY_S = 4.0  # a chat action shows for 5 s or until the next message


async def say_text(message: Message, text: str) -> Message:
    return await message.reply_text(text, do_quote=True, allow_sending_without_reply=True)


async def say(message: Message, key: str, lang: str, **params: object) -> Message:
    return await say_text(message, t(key, lang, **params))


async def refuse(message: Message, refusal: Refusal, command: str, lang: str) -> Message:
    """A request turned away before any work: one log line, and the refusal's sentence."""
    refused("telegram", message.chat.type, command, refusal.key)
    return await say_text(message, refusal.text(lang))


def fits(reply: Reply) -> bool:
    return len(reply.data) <= (ANIMATION_LIMIT if reply.mime == "image/gif" else PHOTO_LIMIT)


def upload_action(is_gif: bool) -> str:
    # Telegram turns a GIF into a silent video loop, so "sending a video" is what the user will get.
    return ChatAction.UPLOAD_VIDEO if is_gif else ChatAction.UPLOAD_PHOTO


async def send_result(message: Message, reply: Reply, caption: str,
                      markup: InlineKeyboardMarkup | None = None) -> Message:
    quote = {"do_quote": True, "allow_sending_without_reply": True}
    if reply.mime == "image/gif":
        return await message.reply_animation(reply.data, filename=reply.filename, caption=caption,
                                             reply_markup=markup, **quote)
    return await message.reply_photo(reply.data, filename=reply.filename, caption=caption, reply_markup=markup,
                                     **quote)


@asynccontextmanager
async def chat_action(bot: Bot, message: Message, action: str, enabled: bool = True) -> AsyncIterator[None]:
    """Show `action` (e.g. "sending a video...") in the chat until the block ends.

    The first one is awaited so it reaches Telegram before the result; failures are ignored:
    a missing status line must never cost the user their result. `enabled=False` shows nothing
    (another status, such as a place-in-line notice, is already visible).
    """
    if not enabled:
        yield
        return
    thread_id = message.message_thread_id if message.is_topic_message else None

    async def send() -> None:
        with suppress(TelegramError):
            await bot.send_chat_action(message.chat_id, action, message_thread_id=thread_id)

    async def repeat() -> None:
        while True:
            await asyncio.sleep(ACTION_EVERY_S)
            await send()

    await send()
    task = asyncio.create_task(repeat())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
