"""/start and /help: what the bot does, with an example, in the user's language."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.common.texts import t
from bot.telegram.state import lang_of

EXAMPLE = "/mix 16 grid"


def help_text(lang: str) -> str:
    return t("help", lang, mix_how=t("mix_how_telegram", lang), example=EXAMPLE) + "\n\n" + t("help_gallery", lang)


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    # Quoting only matters where several people talk; in a private chat it is just noise.
    await message.reply_text(help_text(lang_of(update)), do_quote=message.chat.type != ChatType.PRIVATE)
