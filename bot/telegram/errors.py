"""The Application's last line of defence: log the failure, apologise, keep serving.

User mistakes (bad files, wrong options) are answered where they happen; whatever reaches this
handler is our bug or Telegram's hiccup. The log names the update id so it can be traced, and
never the token (see logs.py for what guards the log output itself).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.common.backoff import reason
from bot.common.inflight import current_work
from bot.common.logtext import safe_traceback
from bot.common.texts import t
from bot.telegram.replies import say
from bot.telegram.sending import is_transient
from bot.telegram.state import lang_of

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    job = context.job
    if update is None and job is None and is_transient(context.error):
        # A polling blip (Telegram's 5xx, a dropped connection, a timeout): the updater tries
        # again by itself. One line is enough; a traceback would bury the real bugs.
        log.warning("polling: %s; retrying", reason(context.error))
        return
    work = current_work()
    if work is not None and is_transient(context.error):
        # Telegram stayed down through the send's retries. The request is still in the journal:
        # it is tried again later (journal.py), so no apology, which would not get through either.
        work.undelivered = True
        log.warning("%s: %s after retries; the request will be tried again",
                    f"update {update.update_id}" if isinstance(update, Update) else "job", reason(context.error))
        return
    if not isinstance(update, Update):
        # Delayed jobs (an album being collected, an ask timing out) carry the update they serve.
        update = getattr(job.data, "update", None) if job is not None else None
    where = f"update {update.update_id}" if isinstance(update, Update) else f"job {job.name if job else '?'}"
    # The traceback as text with its messages cut (bot/common/logtext.py): an exception's message
    # may quote what the user typed, and the log must not keep it.
    log.error("%s failed: %s\n%s", where, type(context.error).__name__, safe_traceback(context.error))
    if isinstance(update, Update) and update.callback_query is not None:
        # A button press that failed: a toast for the one who pressed, never a message to the chat.
        try:
            await update.callback_query.answer(t("internal_error", lang_of(update)))
        except TelegramError as e:
            log.info("%s: could not answer the button press (%s)", where, type(e).__name__)
        return
    message = update.effective_message if isinstance(update, Update) else None
    if message is None:
        return
    try:
        await say(message, "internal_error", lang_of(update))
    except TelegramError as e:
        log.warning("%s: could not send the apology either (%s)", where, type(e).__name__)
