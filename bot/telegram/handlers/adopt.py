"""/adopt NAME (in reply to a cat photo, or as its caption) and /forget NAME | all.

The handlers find the photo and the words; the shared `AdoptedCats` service (bot/common) checks
the name, keeps the latent and enforces the limits. Only the latent is stored, never the photo.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from telegram import Message, Update
from telegram.constants import ChatAction, ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.common.adoption import adopted_list_text, scope_for
from bot.common.cat_names import NameProblem, check_name
from bot.common.scheduler import LineFull
from bot.common.texts import error_text
from bot.telegram.commands import parse_command
from bot.telegram.media import MediaProblem, download, photo_ref
from bot.telegram.replies import say, say_text
from bot.telegram.runner import turn
from bot.telegram.state import get_state, lang_of
from vae_core.errors import KittenError

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})


def telegram_scope(message: Message) -> str:
    return scope_for("telegram", message.chat_id)


def _photo_message(message: Message) -> Message | None:
    """The photo to adopt: the message's own (an `/adopt` caption), else the replied-to one."""
    for m in (message, message.reply_to_message):
        if m is not None and (m.photo or m.document or m.sticker):
            return m
    return None


async def on_adopt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, st, lang = update.effective_message, get_state(context), lang_of(update)
    command = parse_command(message, context.bot.username)
    words = command.args if command else []
    source = _photo_message(message)
    if not words or source is None:
        await say(message, "adopt_usage", lang)
        return
    user = update.effective_user
    try:
        # Several words can't be one name (no spaces): say so rather than adopt the first word.
        name = check_name(" ".join(words))
        ref = photo_ref(source)
        # Finding and encoding the face is engine work: it waits its turn in the fair line like a
        # mix (with the place notice), so a flood of /adopt can't crowd out other chats' requests.
        try:
            ticket = st.scheduler.enter(user.id, message.chat_id)
        except LineFull as full:
            await say(message, full.key, lang, count=full.count)
            return
        async with turn(context, message, ticket, lang, user.first_name) as place:
            await place.wait()
            if not place.shown:
                with suppress(TelegramError):  # "typing..." is a courtesy
                    await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
            data = await download(context.bot, ref, st.download_limit, st.settings.download_timeout_s)
            [cat] = await st.engine.cats([data])
            name = await st.adopted.adopt(telegram_scope(message), name, cat.z, user.id,
                                          request=f"telegram:{update.update_id}")
            place.charged = True
    except NameProblem as problem:
        await say(message, problem.key, lang, **problem.params)
        return
    except MediaProblem as problem:
        await say(message, problem.key, lang, **problem.params)
        return
    except KittenError as err:
        log.info("chat %s: adopt refused: %s", message.chat_id, err.code)
        await say_text(message, error_text(err, lang))
        return
    await say(message, "adopt_done", lang, name=name)


async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, st, lang = update.effective_message, get_state(context), lang_of(update)
    command = parse_command(message, context.bot.username)
    words = command.args if command else []
    if len(words) != 1:
        await say(message, "forget_usage", lang)
        return
    scope = telegram_scope(message)
    if words[0].lower() in ("all", "todos"):
        if not await is_chat_admin(context, message, update.effective_user.id):
            await say(message, "forget_all_admins", lang)
            return
        try:
            count = await st.adopted.forget_all(scope)
        except NameProblem as problem:  # the database can't be written right now
            await say(message, problem.key, lang, **problem.params)
            return
        log.info("chat %s: all %d adopted cats forgotten by an admin", message.chat_id, count)
        await say(message, "forget_all_done", lang, count=count)
        return
    try:
        name = await st.adopted.forget(scope, words[0])
    except NameProblem as problem:
        await say(message, problem.key, lang, **problem.params)
        return
    await say(message, "forget_done", lang, name=name)


async def adopted_heading(context: ContextTypes.DEFAULT_TYPE, chat_id: int, lang: str) -> str:
    """The chat's own cats, to put first on /cats (with a blank line after); "" when it has none."""
    adopted = get_state(context).adopted
    names = await adopted.names(scope_for("telegram", chat_id)) if adopted is not None else []
    return adopted_list_text(names, lang, adopted.max_names) + "\n\n" if names else ""


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
