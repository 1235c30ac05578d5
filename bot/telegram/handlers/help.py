"""/start and /help: what the bot does, with an example, in the user's language (the text and the
command list are shared with Discord: bot/common/commands/help.py)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.common.commands import help as commands_help
from bot.telegram.state import lang_of


def help_text(lang: str) -> str:
    return commands_help.help_text(commands_help.TELEGRAM, lang)


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    # Quoting only matters where several people talk; in a private chat it is just noise.
    await message.reply_text(help_text(lang_of(update)), do_quote=message.chat.type != ChatType.PRIVATE)
