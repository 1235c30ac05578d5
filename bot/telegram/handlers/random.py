"""/random [n] [seed]: a grid of cats that never existed, with a button to roll again.

The words, the limits and the caption are bot/common/commands/random.py's, as on Discord."""

from __future__ import annotations

import re

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackContext, ContextTypes

from bot.common.commands import Refusal
from bot.common.commands.random import RandomPlan, plan, plan_numbers
from bot.common.request_log import stage
from bot.common.texts import lang_for, t
from bot.telegram.commands import parse_command
from bot.telegram.handlers.unknown import answer_unknown
from bot.telegram.replies import refuse, upload_action
from bot.telegram.runner import serve
from bot.telegram.state import get_state, lang_of
from vae_core.engine import Reply

ROLL_PATTERN = r"^random:([0-9]{1,2})$"


def is_roll(data: object) -> bool:
    """A press on "roll again": it asks for a new grid, so the journal keeps it."""
    return isinstance(data, str) and re.match(ROLL_PATTERN, data) is not None


async def on_random(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, lang = update.effective_message, lang_of(update)
    command = parse_command(message, context.bot.username)
    asked = plan(command.args if command else [])
    if isinstance(asked, Refusal):  # "“-1” is a negative number", "17 is more than 16 cats"...
        await refuse(message, asked, "random", lang)
        return
    await draw(context, message, update.effective_user.id, lang, asked)


async def on_roll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "roll again" button under a grid: the same number of cats, new ones."""
    query = update.callback_query
    if not isinstance(query.message, Message):  # too old: Telegram no longer shows us the message
        await query.answer()  # stops the button's spinner
        return
    asked = plan_numbers(int(context.match.group(1)))
    if isinstance(asked, Refusal):  # no button of ours says that: a forged press gets a toast
        await answer_unknown(update)
        return
    # `serve` answers the press: silently when the roll is accepted, with a toast when refused.
    await draw(context, query.message, query.from_user.id, lang_for(query.from_user.language_code), asked, tap=query)


async def draw(context: CallbackContext, request: Message, user_id: int, lang: str, asked: RandomPlan,
               tap: CallbackQuery | None = None) -> None:
    engine, asked = get_state(context).engine, asked.seeded()  # a "try again" draws the same cats

    async def produce() -> tuple[Reply, str]:
        with stage("engine"):
            made = await asked.make(engine, lang, lambda count, seed: f"/random {count} {seed}")
        return made.reply, made.caption

    roll = InlineKeyboardMarkup([[InlineKeyboardButton(t("random_roll", lang), callback_data=f"random:{asked.count}")]])
    await serve(context, request, user_id, lang, upload_action(False), produce, roll, tap=tap)
