"""The "try again" button under a full-line refusal: send the kept request back to the line.

Every answer here is a toast on the button (answerCallbackQuery), never a public message: a
busy group should not fill up with "still busy" lines.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.common.texts import lang_for, t
from bot.telegram.runner import RETRY_PATTERN, Job, run_job
from bot.telegram.state import get_state

__all__ = ["RETRY_PATTERN", "on_retry"]


async def on_retry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    lang = lang_for(query.from_user.language_code)
    key = context.match.group(1)
    kept = get_state(context).retries.get(key)
    if kept is None:
        await query.answer(t("retry_expired", lang))
        return
    if kept.user_id != query.from_user.id:
        await query.answer(t("retry_not_yours", lang))
        return
    job: Job = kept.item
    await run_job(context, job, tap=query, retry_key=key)
