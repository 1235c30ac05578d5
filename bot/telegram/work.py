"""Run one job for a chat: fairness checks, status, engine, result, and the user-facing errors.

Every command that makes a picture goes through `serve`, so the limits, the error wording and the
cooldown refund behave the same for /mix, /random and the "roll again" button.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup, Message
from telegram.ext import CallbackContext

from bot.common.limits import Refusal
from bot.common.texts import error_text
from bot.telegram.media import MediaProblem
from bot.telegram.replies import chat_action, fits, say, say_text, send_result
from bot.telegram.state import get_state
from vae_core.engine import Reply
from vae_core.errors import KittenError

log = logging.getLogger(__name__)

Produce = Callable[[], Awaitable[tuple[Reply, str]]]  # -> (result, caption)


class Answered(Exception):  # noqa: N818  (a signal, not an error)
    """Raised by a `produce` that has already answered the request another way (it asked where
    the cat's face is): the job ends without a result and without charging the user."""


async def serve(context: CallbackContext, request: Message, user_id: int, lang: str, action: str,
                produce: Produce, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer `request` with what `produce` makes, or with a sentence saying why not.

    The user's cooldown is only charged when a result was delivered: someone whose file was
    refused, or who met a busy engine, may try again straight away.
    """
    slot = get_state(context).limiter.try_start(user_id, request.chat_id)
    if isinstance(slot, Refusal):
        await say(request, slot.key, lang, **slot.params)
        return
    delivered = False
    try:
        try:
            async with chat_action(context.bot, request, action):
                reply, caption = await produce()
        except Answered:
            return
        except MediaProblem as problem:
            await say(request, problem.key, lang, **problem.params)
            return
        except KittenError as err:
            log.info("chat %s: %s (%s)", request.chat_id, err.code, err)
            await say_text(request, error_text(err, lang))
            return
        if not fits(reply):
            await say(request, "reply_too_big", lang)
            return
        await send_result(request, reply, caption, markup)
        delivered = True
    finally:
        slot.release(charge=delivered)
