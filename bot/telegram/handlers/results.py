"""The buttons under a mix result: swap, boomerang, grid/GIF, more frames, with a random cat.

The cats come from bot/common/results (no re-upload, no download, no face finding again); the new
result runs through the same job runner as any mix, quoting the result whose button was tapped,
and carries buttons of its own. An expired button answers with a toast, never a public message.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.common.request_log import refused, stage
from bot.common.results import (
    ACTION_PATTERN,
    KEY_PATTERN,
    MixState,
    button_caption,
    buttons,
    next_state,
    random_cat,
)
from bot.common.texts import lang_for, t
from bot.telegram.replies import upload_action
from bot.telegram.state import get_state
from bot.telegram.work import serve
from vae_core.engine import Reply

RESULT_PATTERN = rf"^mx:({KEY_PATTERN}):({ACTION_PATTERN})$"


def result_markup(key: str, state: MixState, lang: str) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton(t(label, lang), callback_data=f"mx:{key}:{action}") for action, label in buttons(state)]
    return InlineKeyboardMarkup([row[:3], row[3:]])  # two short rows read better on a phone than five


async def on_result_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    st, lang = get_state(context), lang_for(query.from_user.language_code)
    key, action = context.match.group(1), context.match.group(2)
    state = st.results.get(key)
    if state is None or not isinstance(query.message, Message):
        chat_kind = query.message.chat.type if query.message is not None else "unknown"
        refused("telegram", chat_kind, f"button_{action}", "button_expired")
        await query.answer(t("button_expired", lang))  # a toast for the tapper, not a message for the chat
        return
    new = next_state(state, action, partial(random_cat, st.engine))
    new_key = st.results.reserve()

    async def produce() -> tuple[Reply, str]:
        with stage("engine"):
            reply = await st.engine.mix(list(new.cats), new.options)
        st.results.put(new_key, replace(new, cats=tuple(reply.cats) or new.cats))
        return reply, button_caption(new, lang)

    # `serve` answers the tap: silently when accepted, with a toast when the line refuses it.
    await serve(context, query.message, query.from_user.id, lang, upload_action(new.options.format == "gif"),
                produce, result_markup(new_key, new, lang), tap=query)
