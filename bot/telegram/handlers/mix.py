"""/mix in all the ways people try it: album caption, reply, photo caption, or /mix then photos.

In a private chat no command is needed: two photos (an album, or one after the other) are mixed
with the default options, so a first-time user who just sends cats gets cats back. In groups,
Telegram's privacy mode (on by default for bots) only delivers commands and replies to the bot's
own messages, so every prompt there asks for a *reply*, and an album captioned `/mix@bot` (of
which the bot only sees the captioned photo) is explained and continued by reply.

The handlers only work out *which* photos; what the words mean, whether the cats add up, the
caption and what the result leaves behind are bot/common/commands/mix.py's, as on Discord.
`mix_now` hands the photos to the shared job runner (runner.serve).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackContext, ContextTypes

from bot.common.commands import Refusal
from bot.common.commands.mix import MixPlan, finish, plan
from bot.common.request_log import refused, stage
from bot.common.results import MixState, Owner
from bot.common.scheduler import LineFull, Ticket
from bot.common.sources import SourceProblem, resolve_cats
from bot.common.storage.kept import KeptStore
from bot.telegram.albums import RecentAlbums, album_job_name
from bot.telegram.asks import Ask
from bot.telegram.cats import catalog, name_test, named
from bot.telegram.commands import parse_command
from bot.telegram.handlers.faces import mix_or_ask
from bot.telegram.handlers.results import result_markup
from bot.telegram.media import MediaProblem, PhotoRef, download, has_media, photo_ref, usable
from bot.telegram.replies import refuse, say, upload_action
from bot.telegram.runner import serve
from bot.telegram.state import STATE_KEY, get_state, lang_of
from vae_core.engine import Reply

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlbumRequest:
    """A `/mix` album caption waiting for the album's other photos to arrive."""

    update: Update  # also lets the error handler answer if the delayed job fails
    plan: MixPlan
    lang: str
    ticket: Ticket | None  # the place in line, taken when the album's first message arrived
    implicit: bool = False  # a private chat's album without a command: the default options


async def remember_album(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    get_state(context).albums.add(update.effective_message)


async def on_mix(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user, st = update.effective_message, update.effective_user, get_state(context)
    # The request takes its place in line first, before anything is awaited: the line keeps each
    # user's requests in the order sent, so a /random sent a moment later (an album's photos are
    # still arriving, say) can't overtake it. A full line is dealt with when the photos are in.
    try:
        ticket: Ticket | None = st.scheduler.enter(user.id, message.chat_id, ready=False)
    except LineFull:
        ticket = None
    handed_over = False
    try:
        handed_over = await _mix_command(update, context, ticket)
    finally:
        if ticket is not None and not handed_over:  # no mix after all (an ask, an error): give the place up
            st.scheduler.cancel(ticket)  # a no-op once the mix has run


async def _mix_command(update: Update, context: ContextTypes.DEFAULT_TYPE, ticket: Ticket | None) -> bool:
    """True when an album's delayed mix has taken `ticket` over."""
    message, user, st = update.effective_message, update.effective_user, get_state(context)
    lang = lang_of(update)
    command = parse_command(message, context.bot.username)
    # Gallery numbers and adopted names come out first (an album always has 2+ photos, so its bare
    # numbers stay options); the rest are the options (bot/common/sources.py).
    photos_now = 2 if message.media_group_id else len(sources(message, st.albums))
    asked = plan(command.args if command else [], photos_now, is_name=await name_test(context, message.chat_id))
    if isinstance(asked, Refusal):  # "33 is more than 32 frames", "no cat called Secret here"...
        await refuse(message, asked, "mix", lang)
        return False
    st.asks.close(message.chat_id, user.id)  # a new /mix replaces an unanswered one
    if message.media_group_id:
        # Only the album's first message carries the caption; the others are still on their way.
        name = album_job_name(message.chat_id, message.media_group_id)
        jobs = context.job_queue.get_jobs_by_name(name)
        if not jobs or jobs[0].data.implicit:
            if jobs:  # a private album's other photo came first: the caption's options win...
                earlier = jobs[0].data.ticket  # ...and that photo's place in line, the earlier one
                jobs[0].data = AlbumRequest(update, asked, lang, earlier or ticket)
                return earlier is None  # our own place is given up when the earlier one is kept
            context.job_queue.run_once(_mix_album, st.settings.album_wait_s, name=name,
                                       data=AlbumRequest(update, asked, lang, ticket))
            return True
        return False
    await _mix_or_ask(context, update, asked, lang, may_ask=True, ticket=ticket)
    return False


async def _mix_album(context: CallbackContext) -> None:
    request: AlbumRequest = context.job.data
    try:
        await _mix_or_ask(context, request.update, request.plan, request.lang, may_ask=False,
                          ticket=request.ticket)
    finally:
        if request.ticket is not None:  # an unusable album gives its place up (a no-op once it ran)
            get_state(context).scheduler.cancel(request.ticket)


async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo (or something else) from a user we asked for photos, or any photo in a private chat;
    in a group, other people's photos are none of our business."""
    message, user, st = update.effective_message, update.effective_user, get_state(context)
    if user is None:
        return
    if (ask := st.asks.get(message.chat_id, user.id)) is None:
        if message.chat.type == ChatType.PRIVATE:
            await _unasked_private_media(update, context)
        return
    try:
        # Checked as it arrives: a refused file (too big, not a photo) leaves the ask open.
        ask.photos.append(usable(photo_ref(message), st.download_limit))
    except MediaProblem as problem:
        refused("telegram", message.chat.type, "mix", problem.key)
        await say(message, problem.key, ask.lang, **problem.params)
        return
    if len(ask.photos) < 2:
        st.asks.kept(message.chat_id, user.id)  # the photo it has so far outlives a restart too
        if not message.media_group_id:  # in an album the second photo is already on its way
            await say(message, _for_chat("ask_one_more", message), ask.lang)
        return
    st.asks.close(message.chat_id, user.id, ask)
    await mix_now(context, ask.request, user.id, ask.photos[:2], MixPlan(ask.options), ask.lang)


async def _unasked_private_media(update: Update, context: CallbackContext) -> None:
    """A private chat, no command: an album is mixed once it has arrived; a lone photo waits for a second."""
    message, st, lang = update.effective_message, get_state(context), lang_of(update)
    if message.media_group_id:
        name = album_job_name(message.chat_id, message.media_group_id)
        if not context.job_queue.get_jobs_by_name(name):
            try:  # its place in line from its first photo, like a /mix album's (see on_mix)
                ticket: Ticket | None = st.scheduler.enter(update.effective_user.id, message.chat_id, ready=False)
            except LineFull:
                ticket = None
            context.job_queue.run_once(_mix_album, st.settings.album_wait_s, name=name,
                                       data=AlbumRequest(update, MixPlan(), lang, ticket, implicit=True))
        return
    try:
        ref = usable(photo_ref(message), st.download_limit)
    except MediaProblem as problem:
        refused("telegram", message.chat.type, "mix", problem.key)
        await say(message, problem.key, lang, **problem.params)
        return
    await _open_ask(context, update, MixPlan(), lang, [ref])
    await say(message, "ask_second", lang)


def _for_chat(key: str, message: Message) -> str:
    """Prompts in groups ask for a *reply* to the bot's message: privacy mode delivers those."""
    return key if message.chat.type == ChatType.PRIVATE else f"{key}_group"


async def _open_ask(context: CallbackContext, update: Update, asked: MixPlan, lang: str,
                    refs: list[PhotoRef]) -> None:
    message, user, st = update.effective_message, update.effective_user, get_state(context)
    ask = Ask(update, asked.options, lang, refs,  # asked only when no cat was named: the options are all
              expires_at=time.time() + st.settings.ask_timeout_s)
    ask.expiry = context.job_queue.run_once(_ask_expired, st.settings.ask_timeout_s, data=ask,
                                            name=f"ask:{message.chat_id}:{user.id}")
    st.asks.open(message.chat_id, user.id, ask)
    await st.asks.flush()  # kept before the user is asked: photos sent after a crash still complete it


async def keep_mix_asks(app: Application, store: KeptStore) -> None:
    """/mix-then-photos asks written through to `store` (SQLite, or Redis), and the last run's open
    ones back with their timers: photos sent after a restart still complete the mix."""
    st = app.bot_data[STATE_KEY]
    st.asks.keep_in(store)
    try:
        back = await st.asks.restore(app.bot)
    except Exception as e:  # new asks are still kept
        log.warning("could not read the kept /mix asks back (%s)", type(e).__name__)
        return
    for ask in back:
        chat, user = ask.request.chat_id, ask.update.effective_user.id
        ask.expiry = app.job_queue.run_once(_ask_expired, max(0.0, ask.expires_at - time.time()), data=ask,
                                            name=f"ask:{chat}:{user}")
    if back:
        log.info("%d /mix asks kept from before the restart", len(back))


async def _ask_expired(context: CallbackContext) -> None:
    ask: Ask = context.job.data
    ask.expiry = None  # this one-shot job has run; nothing left to cancel
    request = ask.request
    if get_state(context).asks.close(request.chat_id, request.from_user.id, ask) is not None:
        await say(request, "ask_expired", ask.lang)


async def _mix_or_ask(context: CallbackContext, update: Update, asked: MixPlan, lang: str,
                      may_ask: bool, ticket: Ticket | None = None) -> None:
    message, st = update.effective_message, get_state(context)
    try:
        refs = [usable(photo_ref(m), st.download_limit) for m in sources(message, st.albums)]
    except MediaProblem as problem:
        refused("telegram", message.chat.type, "mix", problem.key)
        await say(message, problem.key, lang, **problem.params)
        return
    # Privacy mode: of an album captioned /mix@bot, a group's bot sees only the captioned photo.
    album_seen_in_part = (len(refs) == 1 and message.media_group_id is not None
                          and message.chat.type != ChatType.PRIVATE)
    verdict = asked.check(len(refs), may_ask or album_seen_in_part)
    if isinstance(verdict, Refusal):
        await refuse(message, verdict, "mix", lang)
    elif verdict == "mix":
        await mix_now(context, message, update.effective_user.id, refs, asked, lang, ticket)
    else:
        await _open_ask(context, update, asked, lang, refs)
        if album_seen_in_part:
            await say(message, "album_privacy", lang)
        elif refs:
            await say(message, _for_chat("ask_one_more", message), lang)
        else:
            await say(message, _for_chat("ask_photos", message), lang,
                      minutes=max(1, round(st.settings.ask_timeout_s / 60)))


def sources(message: Message, albums: RecentAlbums) -> list[Message]:
    """The messages whose photos a /mix means: its own (or its album's), plus the replied-to
    message (or that message's whole album, if we saw it), oldest first."""
    found: dict[int, Message] = {}
    for m in (message, message.reply_to_message):
        if m is None:
            continue
        group = albums.get(m.chat_id, m.media_group_id) if m.media_group_id else []
        for item in group or [m]:
            if has_media(item):
                found[item.message_id] = item
    return [found[k] for k in sorted(found)]


async def mix_now(context: CallbackContext, request: Message, user_id: int, refs: list[PhotoRef],
                  asked: MixPlan, lang: str, ticket: Ticket | None = None) -> None:
    st = get_state(context)
    limit, timeout, options = st.download_limit, st.settings.download_timeout_s, asked.options
    animated = [ref.animated for ref in refs]

    async def produce() -> tuple[Reply, str]:
        for ref in refs:  # refuse an oversized file before downloading either of them
            usable(ref, limit)
        with stage("download"):
            images = await asyncio.gather(*(download(context.bot, ref, limit, timeout) for ref in refs))
        # No confident cat face: the user is asked where it is, and the tap continues this request
        # (gallery and adopted cats among the sources wait with the photos; only photos are asked about).
        with stage("engine"):
            try:
                cats = await resolve_cats(st.engine, list(images), asked.picks, catalog(context).gallery, lang,
                                          named(context, request.chat_id))
            except SourceProblem as problem:
                raise MediaProblem(problem.key, **problem.params) from None  # answered like a bad file
            made = asked.made(await mix_or_ask(context, request, user_id, lang, cats, options, animated), lang,
                              animated=animated)
        finish(made, key, Owner(request.chat_id), st.results, catalog(context).recent)  # buttons, /map
        return made.reply, made.caption

    key = st.results.reserve()
    await serve(context, request, user_id, lang, upload_action(options.format == "gif"), produce,
                result_markup(key, MixState((), options), lang), ticket=ticket)
