"""The buttons under a mix result: swap, boomerang, grid/GIF, more frames, with a random cat.

The cats come from bot/common/results (no re-upload, no download, no face finding again); the new
result runs through the same job runner as any mix, quoting the result whose button was tapped,
and carries buttons of its own. An expired button, or one pressed outside the chat its result was
posted in, answers with a toast, never a public message.
"""

from __future__ import annotations

import re
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.common.commands.mix import finish, remade
from bot.common.request_log import refused, stage
from bot.common.results import (
    ACTION_PATTERN,
    KEY_PATTERN,
    MixState,
    Owner,
    Refusal,
    buttons,
    next_state,
    random_cat,
)
from bot.common.texts import lang_for, t
from bot.telegram.cats import catalog
from bot.telegram.replies import upload_action
from bot.telegram.runner import serve
from bot.telegram.state import get_state
from vae_core.engine import Reply

RESULT_PATTERN = rf"^mx:({KEY_PATTERN}):({ACTION_PATTERN})$"


def is_result_press(data: object) -> bool:
    """A press on a result's button: it asks for a new mix, so the journal keeps it."""
    return isinstance(data, str) and re.match(RESULT_PATTERN, data) is not None


def result_markup(key: str, state: MixState, lang: str) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton(t(label, lang), callback_data=f"mx:{key}:{action}") for action, label in buttons(state)]
    return InlineKeyboardMarkup([row[:3], row[3:]])  # two short rows read better on a phone than five


async def on_result_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    st, lang = get_state(context), lang_for(query.from_user.language_code)
    key, action = context.match.group(1), context.match.group(2)
    if query.inline_message_id:  # a result sent through inline mode: edited in place (bot/telegram/inline.py)
        from bot.telegram.inline import on_inline_result_button

        await on_inline_result_button(update, context)
        return
    message = query.message if isinstance(query.message, Message) else None  # None: inline or inaccessible
    # The result is read against the chat the button was pressed in: forged or copied data for
    # another chat's result gets a toast, never that chat's cats.
    state = st.results.press(key, message.chat_id, query.from_user.id) if message is not None else Refusal.EXPIRED
    if isinstance(state, Refusal) or message is None:
        reason = state.value if isinstance(state, Refusal) else Refusal.EXPIRED.value
        chat_kind = query.message.chat.type if query.message is not None else "unknown"
        refused("telegram", chat_kind, f"button_{action}", reason)
        await query.answer(t(reason, lang))  # a toast for the tapper, not a message for the chat
        return
    new = next_state(state, action, partial(random_cat, st.engine))
    new_key = st.results.reserve()

    async def produce() -> tuple[Reply, str]:
        with stage("engine"):
            made = remade(new, await st.engine.mix(list(new.cats), new.options), lang)
        finish(made, new_key, Owner(message.chat_id), st.results, catalog(context).recent)  # buttons, /map
        return made.reply, made.caption

    # `serve` answers the tap: silently when accepted, with a toast when the line refuses it.
    await serve(context, message, query.from_user.id, lang, upload_action(new.options.format == "gif"),
                produce, result_markup(new_key, new, lang), tap=query)
