"""Button presses nobody made buttons for: forged, mangled or from an old version of the bot.

Why a handler of its own: python-telegram-bot hands a press with *empty* data to the first
callback handler whatever its pattern, and a press no pattern matches is never answered, so the
user's spinner hangs. Registered first, this answers both with a short toast (never a message
in the chat); everything else goes on to the real handlers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import suppress

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.common.texts import lang_for, t


def known(patterns: Iterable[str]):
    """`data -> bool`: whether some real handler's pattern matches."""
    compiled = [re.compile(p) for p in patterns]
    return lambda data: isinstance(data, str) and any(p.match(data) for p in compiled)


def unknown(patterns: Iterable[str]):
    """The CallbackQueryHandler pattern for presses no real handler takes."""
    is_known = known(patterns)
    return lambda data: not is_known(data)


async def on_unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer_unknown(update)


async def answer_unknown(update: Update) -> None:
    query = update.callback_query
    lang = lang_for(query.from_user.language_code if query.from_user else None)
    with suppress(TelegramError):  # too old to answer: nothing is waiting for it any more
        await query.answer(t("button_unknown", lang))
