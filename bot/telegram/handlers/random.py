"""/random [n] [seed]: a grid of cats that never existed, with a button to roll again."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackContext, ContextTypes

from bot.common.captions import random_caption
from bot.common.options import OptionError, option_error_text, parse_random_args
from bot.common.request_log import refused, stage
from bot.common.texts import lang_for, t
from bot.telegram.commands import parse_command
from bot.telegram.handlers.unknown import answer_unknown
from bot.telegram.replies import say_text, upload_action
from bot.telegram.runner import serve
from bot.telegram.state import get_state, lang_of
from vae_core.engine import MAX_RANDOM
from vae_core.seeds import seed_or_new

ROLL_PATTERN = r"^random:([0-9]{1,2})$"


async def on_random(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, lang = update.effective_message, lang_of(update)
    command = parse_command(message, context.bot.username)
    try:
        request = parse_random_args(command.args if command else [])
    except OptionError as err:  # "33 is more than 32 frames", "did you mean grid?", then the usage line
        refused("telegram", message.chat.type, "random", err.key)
        await say_text(message, option_error_text(err, lang, "usage_random"))
        return
    await draw(context, message, update.effective_user.id, lang, request.count, request.seed)


async def on_roll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "roll again" button under a grid: the same number of cats, new ones."""
    query = update.callback_query
    if not isinstance(query.message, Message):  # too old: Telegram no longer shows us the message
        await query.answer()  # stops the button's spinner
        return
    count = int(context.match.group(1))
    if not 1 <= count <= MAX_RANDOM:  # no button of ours says that: a forged press gets a toast
        await answer_unknown(update)
        return
    # `serve` answers the press: silently when the roll is accepted, with a toast when refused.
    await draw(context, query.message, query.from_user.id, lang_for(query.from_user.language_code), count, None,
               tap=query)


async def draw(context: CallbackContext, request: Message, user_id: int, lang: str, count: int,
               seed: int | None, tap: CallbackQuery | None = None) -> None:
    engine = get_state(context).engine
    seed = seed_or_new(seed)  # chosen now, so the caption can show it and the same cats can be drawn again

    async def produce():
        with stage("engine"):
            reply = await engine.random(count, seed)
        return reply, random_caption(count, seed, lang, f"/random {count} {seed}")

    roll = InlineKeyboardMarkup([[InlineKeyboardButton(t("random_roll", lang), callback_data=f"random:{count}")]])
    await serve(context, request, user_id, lang, upload_action(False), produce, roll, tap=tap)
