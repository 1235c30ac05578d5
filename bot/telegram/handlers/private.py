"""Plain text in a private chat: one line saying what to send.

Someone who opens the bot and types "hello, mix my cats" has not read /help yet; silence would
look like a broken bot. Groups get nothing: there, text is people talking to each other.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.replies import say
from bot.telegram.state import lang_of


async def on_private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await say(update.effective_message, "private_hint", lang_of(update))
