""""Where's the face? Tap its square": the Telegram side of asking when the finder isn't sure.

A mix whose photo has no confident cat face is not made from the middle of the photo: the bot
answers with that photo under a numbered 3x3 grid and an inline keyboard (bot/common/face_question
decides the picture, words and buttons). The photos wait in bot/common/face_asks; the owner's tap
continues the same request, through the same job runner as any mix. A tap after the wait, or by
someone else in a group, gets a toast and changes nothing.

Each question also says how it finishes in plain data (a recipe: which command, its options, the
request message as Telegram sent it), kept with its photos in the SQLite file or Redis, so a tap
after a restart finishes the mix: `revive` rebuilds the finish from the recipe with the function
its command registered (`finishes_with`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import asdict

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import CallbackContext, ContextTypes

from bot.common.commands import Made
from bot.common.commands.mix import MixPlan, finish
from bot.common.face_asks import FaceAsk, FaceAsks, TapResult, with_hints
from bot.common.face_question import QUESTION_FILENAME, FaceQuestion, make_question
from bot.common.results import MixState, Owner
from bot.common.texts import lang_for
from bot.telegram.cats import catalog
from bot.telegram.handlers.results import result_markup
from bot.telegram.journal_payload import minimal_message
from bot.telegram.replies import upload_action
from bot.telegram.runner import Answered, serve
from bot.telegram.state import get_state
from vae_core.engine import MixOptions, Reply
from vae_core.errors import FaceNotFound
from vae_core.hints import FaceHint

log = logging.getLogger(__name__)

FACE_PATTERN = r"^face:([0-9a-f]{10}):([0-8wa])$"


def is_face_tap(data: object) -> bool:
    """A tap on a "where's the face?" square: it finishes a request, so the journal keeps it."""
    return isinstance(data, str) and re.match(FACE_PATTERN, data) is not None

# What a tapped question finishes with when it is not a plain /mix (/kittens, /blend, /map): the sources
# as Cats (each photo cut where the user said) -> the reply and its caption.
Make = Callable[[list, str], Awaitable[tuple[Reply, str]]]
# How a request finishes once every photo has its hint (ask.hints): a mix, a `Make`, an adoption.
Finish = Callable[[CallbackContext, FaceAsk], Awaitable[None]]
# A recipe's kind -> how to rebuild its Finish from the recipe and the request message (after a restart).
Revive = Callable[[dict, Message], Finish]
_REVIVERS: dict[str, Revive] = {}


def finishes_with(kind: str, revive: Revive) -> None:
    """Register how questions of `kind` (a command's recipe) are finished when read back."""
    _REVIVERS[kind] = revive


def revive(context: CallbackContext, ask: FaceAsk) -> bool:
    """Give a question read back from the kept store its request message and finish again (its
    `extra` is memory only). False when its recipe names no known finish (an older version's)."""
    if "finish" in ask.extra:
        return True
    recipe = ask.recipe or {}
    make = _REVIVERS.get(recipe.get("kind", ""))
    if make is None or "message" not in recipe:
        return False
    request = Message.de_json(recipe["message"], context.bot)
    ask.extra.update(request=request, finish=make(recipe, request))
    return True


def face_asks(context: CallbackContext) -> FaceAsks:
    """The application's store of questions (sized by FACE_ASK_TIMEOUT_S)."""
    asks = get_state(context).face_asks
    assert asks is not None, "BotState.create makes the store"
    return asks


def keyboard(token: str, question: FaceQuestion) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=f"face:{token}:{b.hint.token()}")
                                  for b in row] for row in question.rows])


async def mix_or_ask(context: CallbackContext, request: Message, user_id: int, lang: str, images: list,
                     options: MixOptions, animated: Sequence[bool] = ()) -> Reply:
    """The mix, or (no confident face) the question, and `Answered` so the job ends quietly.
    `images`: photo bytes, and ready Cats (gallery, adopted) that are never asked about;
    `animated`: which photos were animations (the caption says the first frame was used)."""
    try:
        return await get_state(context).engine.mix(images, options)
    except FaceNotFound as missing:
        recipe = {"kind": "mix", "options": asdict(options), "animated": list(animated)}
        await ask_where(context, request, user_id, lang, images, missing.photos, _mix_finish(recipe),
                        dogs=missing.dogs, recipe=recipe)
        raise Answered from None


async def make_or_ask(context: CallbackContext, request: Message, user_id: int, lang: str, sources: list,
                      make: Make, recipe: dict | None = None) -> tuple[Reply, str]:
    """`make(sources)` (a litter, a blend, a map), or the question when a photo has no confident face;
    the tap then finishes the same `make` with the photos cut where the user said. `recipe`: how to
    make `make` again after a restart (see `finishes_with`)."""
    try:
        return await make(sources, lang)
    except FaceNotFound as missing:
        await ask_where(context, request, user_id, lang, sources, missing.photos, make_finish(make),
                        dogs=missing.dogs, recipe=recipe)
        raise Answered from None


async def ask_where(context: CallbackContext, request: Message, user_id: int, lang: str, images: list,
                    missing: list[int], finish: Finish, hints: list[FaceHint | None] | None = None,
                    got_it: str = "face_got_it", dogs: Sequence[int] = (), recipe: dict | None = None) -> None:
    """Ask `user_id` where the face is in each of `missing` (in turn); the last tap runs `finish`
    and is answered with the toast `got_it` (a texts.py key). With a `recipe` (JSON naming a kind
    registered with `finishes_with`) the question is kept across a restart."""
    kept = None if recipe is None else {**recipe, "message": minimal_message(request.to_dict())}  # no names
    ask = face_asks(context).open(user_id, request.chat_id, images, missing, lang, hints,
                                  got_it, dogs, kept, request=request, finish=finish)
    log.info("chat %s: no confident cat face in photo(s) %s; asking where", request.chat_id, missing)
    await face_asks(context).flush()  # kept before the user sees it: a tap after a crash still finds it
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
    kept = await face_asks(context).recall(token)  # asked before a restart, or by another process
    if kept is not None and not revive(context, kept):
        face_asks(context).close(token)  # a finish this version does not know: "expired"
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
        face_asks(context).served(token)  # not on a stop or a crash: the journal replays this tap


async def continue_request(context: CallbackContext, ask: FaceAsk) -> None:
    """Run the waiting request with the hints, as it said it finishes (`ask_where`'s `finish`)."""
    finish: Finish = ask.extra["finish"]
    await finish(context, ask)


def make_finish(make: Make) -> Finish:
    """A `Make` finished through the same job runner as a fresh request."""

    async def finish(context: CallbackContext, ask: FaceAsk) -> None:
        async def produce() -> tuple[Reply, str]:
            return await make(await _hinted(context, ask), ask.lang)

        await serve(context, ask.extra["request"], ask.owner, ask.lang, upload_action(False), produce)

    return finish


def _mix_finish(recipe: dict, _request: Message | None = None) -> Finish:
    """A /mix finished through the same job runner and ended as every mix is (commands/mix.py
    `finish`): its cats kept for the result buttons and as the chat's last mix, for /map."""
    options = MixOptions(**recipe["options"])

    async def run(context: CallbackContext, ask: FaceAsk) -> None:
        st, request = get_state(context), ask.extra["request"]

        async def produce() -> tuple[Reply, str]:
            reply = await st.engine.mix(await _hinted(context, ask), options)
            caption = MixPlan(options).made(reply, ask.lang, animated=recipe["animated"]).caption
            made = Made(reply, caption, MixState(tuple(reply.cats), options), remember=True)
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
                        ask.extra["finish"], ask.hints, ask.got_it, missing.dogs, ask.recipe)
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


finishes_with("mix", _mix_finish)
