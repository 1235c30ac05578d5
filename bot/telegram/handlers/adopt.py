"""/adopt NAME (in reply to a cat photo or to the bot's own GIF, or as a photo's caption) and
/forget NAME | all, on Telegram.

bot/common/commands/adopt.py checks the words and says what to answer; this file finds the photo,
waits its turn in the fair line (finding a face is engine work, so a flood of /adopt can't crowd
out other chats), asks "where's the face?" when the finder isn't sure (handlers/faces.py), and
sends the answer. Only the latent is stored, never the photo.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress

from telegram import Message, Update, User
from telegram.constants import ChatAction, ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import CallbackContext, ContextTypes

from bot.common.adoption import scope_for
from bot.common.commands import Refusal, adopt
from bot.common.face_asks import FaceAsk
from bot.common.scheduler import LineFull
from bot.common.texts import error_text
from bot.telegram.commands import parse_command
from bot.telegram.handlers.faces import Finish, ask_where, finishes_with
from bot.telegram.journal_payload import minimal_user
from bot.telegram.media import MediaProblem, download, has_media, photo_ref
from bot.telegram.replies import refuse, say, say_text
from bot.telegram.runner import turn
from bot.telegram.state import get_state, lang_of
from vae_core.errors import FaceNotFound, KittenError
from vae_core.hints import FaceHint

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})
Fetch = Callable[[], Awaitable[bytes]]


def telegram_scope(message: Message) -> str:
    return scope_for("telegram", message.chat_id)


def _photo_message(message: Message) -> Message | None:
    """The picture to adopt: the message's own (an `/adopt` caption), else the replied-to one (a
    photo, a file, or an animation such as the bot's own GIF; anything else is refused by name)."""
    for m in (message, message.reply_to_message):
        if m is not None and has_media(m):
            return m
    return None


async def on_adopt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, st, lang = update.effective_message, get_state(context), lang_of(update)
    command = parse_command(message, context.bot.username)
    source = _photo_message(message)
    plan = adopt.plan(command.args if command else [], 0 if source is None else 1)
    if isinstance(plan, Refusal):
        await refuse(message, plan, "adopt", lang)
        return
    try:
        ref = photo_ref(source)
    except MediaProblem as problem:
        await say(message, problem.key, lang, **problem.params)
        return
    fetch = lambda: download(context.bot, ref, st.download_limit, st.settings.download_timeout_s)  # noqa: E731
    await adopt_in_turn(context, message, update.effective_user, lang, plan, f"telegram:{update.update_id}", fetch)


async def adopt_in_turn(context: CallbackContext, message: Message, user: User, lang: str, plan: adopt.Adopt,
                        request: str, photo: Fetch | bytes, hint: FaceHint | None = None) -> None:
    """Adopt once the fair line gives the request its turn (with the place notice), then say so.
    `photo`: how to download it, or (after a tapped question) its bytes, cut at `hint`."""
    st = get_state(context)
    try:
        ticket = st.scheduler.enter(user.id, message.chat_id)
    except LineFull as full:
        await say(message, full.key, lang, count=full.count)
        return
    try:
        async with turn(context, message, ticket, lang, user.first_name) as place:
            await place.wait()
            if not place.shown:
                with suppress(TelegramError):  # "typing..." is a courtesy
                    await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
            data = photo if isinstance(photo, bytes) else await photo()
            try:
                said = await plan.make(st.engine, st.adopted, telegram_scope(message), data, user.id, request, hint)
            except FaceNotFound as missing:  # not from the photo's middle, not refused: ask where the face is

                recipe = {"kind": "adopt", "name": plan.name, "request": request, "user": minimal_user(user.to_dict())}
                await ask_where(context, message, user.id, lang, [data], [0], _tapped(recipe, message),
                                got_it="face_got_it_adopt", dogs=missing.dogs, recipe=recipe)
                return
            place.charged = not isinstance(said, Refusal)
    except MediaProblem as problem:
        await say(message, problem.key, lang, **problem.params)
        return
    except KittenError as err:
        log.info("chat %s: adopt refused: %s", message.chat_id, err.code)
        await say_text(message, error_text(err, lang))
        return
    await say_text(message, said.text(lang))


def _tapped(recipe: dict, message: Message) -> Finish:
    """The adoption a tapped question finishes (also after a restart, from its recipe)."""

    async def tapped(context: CallbackContext, ask: FaceAsk) -> None:
        user = User.de_json(recipe["user"], context.bot)
        await adopt_in_turn(context, message, user, ask.lang, adopt.Adopt(recipe["name"]), recipe["request"],
                            ask.images[0], ask.hints[0])

    return tapped


finishes_with("adopt", _tapped)


async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, st, lang = update.effective_message, get_state(context), lang_of(update)
    command = parse_command(message, context.bot.username)
    plan = adopt.plan_forget(command.args if command else [])
    if isinstance(plan, Refusal):
        await refuse(message, plan, "forget", lang)
        return
    admin = plan.name is None and await is_chat_admin(context, message, update.effective_user.id)
    said = await plan.make(st.adopted, telegram_scope(message), admin)
    await say_text(message, said.text(lang))


async def adopted_heading(context: ContextTypes.DEFAULT_TYPE, chat_id: int, lang: str) -> str:
    """The chat's own cats, to put first on /cats (with a blank line after); "" when it has none."""
    return await adopt.heading(get_state(context).adopted, scope_for("telegram", chat_id), lang)


async def is_chat_admin(context: ContextTypes.DEFAULT_TYPE, message: Message, user_id: int) -> bool:
    """In a private chat the user is the admin; elsewhere Telegram says (creator or administrator).
    An anonymous admin writes as the group itself (`sender_chat`): only admins can do that."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    if message.sender_chat is not None and message.sender_chat.id == message.chat_id:
        return True
    try:
        member = await context.bot.get_chat_member(message.chat_id, user_id)
    except TelegramError as e:
        log.warning("chat %s: could not check admin status (%s)", message.chat_id, type(e).__name__)
        return False
    return member.status in ADMIN_STATUSES
