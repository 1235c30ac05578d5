""""Where's the face? Tap its square": the Telegram side of asking when the finder isn't sure.

A mix whose photo has no confident cat face is not made from the middle of the photo: the bot
answers with that photo under a numbered 3x3 grid and an inline keyboard (bot/common/face_question
decides the picture, words and buttons). The photos wait in memory (bot/common/face_asks); the
owner's tap continues the same request, through the same job runner as any mix. A tap after the
wait, or by someone else in a group, gets a toast and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import CallbackContext, ContextTypes

from bot.common.commands import Made
from bot.common.commands.mix import finish
from bot.common.face_asks import FaceAsk, FaceAsks, TapResult, with_hints
from bot.common.face_question import QUESTION_FILENAME, FaceQuestion, make_question
from bot.common.results import MixState, Owner
from bot.common.texts import lang_for
from bot.telegram.cats import catalog
from bot.telegram.handlers.results import result_markup
from bot.telegram.replies import upload_action
from bot.telegram.runner import Answered, serve
from bot.telegram.state import get_state
from vae_core.engine import MixOptions, Reply
from vae_core.errors import FaceNotFound
from vae_core.hints import FaceHint

log = logging.getLogger(__name__)

FACE_PATTERN = r"^face:([0-9a-f]{10}):([0-8wa])$"

Caption = Callable[[Reply], str]
# What a tapped question finishes with when it is not a plain /mix (/kittens, /blend, /map): the sources
# as Cats (each photo cut where the user said) -> the reply and its caption.
Make = Callable[[list, str], Awaitable[tuple[Reply, str]]]
# How a request finishes once every photo has its hint (ask.hints): a mix, a `Make`, an adoption.
Finish = Callable[[CallbackContext, FaceAsk], Awaitable[None]]


def face_asks(context: CallbackContext) -> FaceAsks:
    """The application's store of questions (sized by FACE_ASK_TIMEOUT_S)."""
    asks = get_state(context).face_asks
    assert asks is not None, "BotState.create makes the store"
    return asks


def keyboard(token: str, question: FaceQuestion) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=f"face:{token}:{b.hint.token()}")
                                  for b in row] for row in question.rows])


async def mix_or_ask(context: CallbackContext, request: Message, user_id: int, lang: str, images: list,
                     options: MixOptions, caption: Caption) -> Reply:
    """The mix, or (no confident face) the question, and `Answered` so the job ends quietly.
    `images`: photo bytes, and ready Cats (gallery, adopted) that are never asked about."""
    try:
        return await get_state(context).engine.mix(images, options)
    except FaceNotFound as missing:
        await ask_where(context, request, user_id, lang, images, missing.photos, _mix_finish(options, caption),
                        dogs=missing.dogs)
        raise Answered from None


async def make_or_ask(context: CallbackContext, request: Message, user_id: int, lang: str, sources: list,
                      make: Make) -> tuple[Reply, str]:
    """`make(sources)` (a litter, a blend, a map), or the question when a photo has no confident face;
    the tap then finishes the same `make` with the photos cut where the user said."""
    try:
        return await make(sources, lang)
    except FaceNotFound as missing:
        await ask_where(context, request, user_id, lang, sources, missing.photos, _make_finish(make),
                        dogs=missing.dogs)
        raise Answered from None


async def ask_where(context: CallbackContext, request: Message, user_id: int, lang: str, images: list,
                    missing: list[int], finish: Finish, hints: list[FaceHint | None] | None = None,
                    got_it: str = "face_got_it", dogs: Sequence[int] = ()) -> None:
    """Ask `user_id` where the face is in each of `missing` (in turn); the last tap runs `finish`
    and is answered with the toast `got_it` (a texts.py key)."""
    ask = face_asks(context).open(user_id, request.chat_id, images, missing, lang, hints,
                                  got_it, dogs, request=request, finish=finish)
    log.info("chat %s: no confident cat face in photo(s) %s; asking where", request.chat_id, missing)
    await _send_question(context, ask)


async def _send_question(context: CallbackContext, ask: FaceAsk) -> None:
    st = get_state(context)
    question = await make_question(ask.images, ask.asking, ask.lang, st.settings.face_ask_timeout_s,
                                   st.settings.engine_settings().limits, dog=ask.asking_dog)
    request: Message = ask.extra["request"]
    await request.reply_photo(question.picture, filename=QUESTION_FILENAME, caption=question.text,
                              reply_markup=keyboard(ask.token, question), do_quote=True,
                              allow_sending_without_reply=True)


async def on_face_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    token, hint = context.match.group(1), FaceHint.parse(context.match.group(2))
    result, ask, note = face_asks(context).answer(token, query.from_user.id, hint,
                                                  lang_for(query.from_user.language_code))
    await _toast(query, note)
    if result is TapResult.NOT_YOURS:
        return
    await _drop_keyboard(query)  # answered, or expired: nobody should tap it again
    if ask is None:
        return
    if ask.missing:  # another photo of the same request needs a tap too
        await _send_question(context, ask)
    else:
        await continue_request(context, ask)


async def continue_request(context: CallbackContext, ask: FaceAsk) -> None:
    """Run the waiting request with the hints, as it said it finishes (`ask_where`'s `finish`)."""
    finish: Finish = ask.extra["finish"]
    await finish(context, ask)


def _make_finish(make: Make) -> Finish:
    """A `Make` finished through the same job runner as a fresh request."""

    async def finish(context: CallbackContext, ask: FaceAsk) -> None:
        async def produce() -> tuple[Reply, str]:
            return await make(await _hinted(context, ask), ask.lang)

        await serve(context, ask.extra["request"], ask.owner, ask.lang, upload_action(False), produce)

    return finish


def _mix_finish(options: MixOptions, caption: Caption) -> Finish:
    """A /mix finished through the same job runner and ended as every mix is (commands/mix.py
    `finish`): its cats kept for the result buttons and as the chat's last mix, for /map."""

    async def run(context: CallbackContext, ask: FaceAsk) -> None:
        st, request = get_state(context), ask.extra["request"]

        async def produce() -> tuple[Reply, str]:
            reply = await st.engine.mix(await _hinted(context, ask), options)
            made = Made(reply, caption(reply), MixState(tuple(reply.cats), options), remember=True)
            finish(made, key, Owner(request.chat_id), st.results, catalog(context).recent)
            return made.reply, made.caption

        key = st.results.reserve()
        await serve(context, request, ask.owner, ask.lang, upload_action(options.format == "gif"), produce,
                    result_markup(key, MixState((), options), ask.lang))

    return run


async def _hinted(context: CallbackContext, ask: FaceAsk) -> list:
    """The waiting request's sources as Cats, each photo cut where the user said. If a photo still has
    no face (only if it changed its mind), it is asked about in turn and the job ends quietly."""
    try:
        return await with_hints(get_state(context).engine, ask.images, ask.hints)
    except FaceNotFound as missing:
        await ask_where(context, ask.extra["request"], ask.owner, ask.lang, ask.images, missing.photos,
                        ask.extra["finish"], ask.hints, ask.got_it, missing.dogs)
        raise Answered from None


async def _toast(query: CallbackQuery, text: str) -> None:
    try:
        await query.answer(text)
    except TelegramError as e:  # too old to answer: the rest still happens
        log.info("could not answer a face tap (%s)", type(e).__name__)


async def _drop_keyboard(query: CallbackQuery) -> None:
    if isinstance(query.message, Message):
        with suppress(TelegramError):
            await query.edit_message_reply_markup(None)
