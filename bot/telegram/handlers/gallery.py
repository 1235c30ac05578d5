"""/cats, /map, /kittens (/gatitos) and /blend on Telegram (issue 13).

What each command means, every check and every caption are bot/common/commands/gallery.py's;
this file reads the command line, fetches the photos (of the message, its album or the
replied-to message), and runs the plan's `make` through the shared job runner (runner.serve),
with the "tap its square" question when a photo has no confident face.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackContext, ContextTypes

from bot.common.commands import Refusal
from bot.common.commands.gallery import PLANS, CatsPlan, PagePlan, plan_cats
from bot.common.commands.help import command as known_command
from bot.common.face_asks import FaceAsk
from bot.common.sources import SourceProblem, resolve_cats
from bot.common.texts import lang_for
from bot.telegram.albums import album_job_name
from bot.telegram.cats import catalog, name_test, named
from bot.telegram.commands import parse_command
from bot.telegram.handlers.adopt import adopted_heading
from bot.telegram.handlers.faces import Finish, Make, finishes_with, make_finish, make_or_ask
from bot.telegram.handlers.mix import sources as photo_messages
from bot.telegram.handlers.unknown import answer_unknown
from bot.telegram.media import MediaProblem, PhotoRef, check_size, download, photo_ref
from bot.telegram.replies import say, say_text, upload_action
from bot.telegram.runner import serve
from bot.telegram.state import get_state, lang_of

log = logging.getLogger(__name__)

PAGE_PATTERN = r"^cats:(\d{1,3})$"


async def _refuse(message: Message, refusal: Refusal, lang: str) -> None:
    """A request we can't serve: logged (the reason only, never the user's words), then explained."""
    log.info("chat %s: refused: %s", message.chat_id, refusal.key)
    await say_text(message, refusal.text(lang))


async def on_cats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, lang = update.effective_message, lang_of(update)
    command = parse_command(message, context.bot.username)
    plan = plan_cats(command.args if command else [], catalog(context).gallery)
    if isinstance(plan, Refusal):
        await _refuse(message, plan, lang)
        return
    await show_page(context, message, update.effective_user.id, lang, plan)


async def on_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """◀ / ▶ under a sheet: the neighbouring page, as a new message quoting the sheet."""
    query = update.callback_query
    plan = plan_cats([context.match.group(1)], catalog(context).gallery)
    if not isinstance(query.message, Message) or isinstance(plan, Refusal):
        await answer_unknown(update)  # a toast: no button of ours leads there (any more)
        return
    await show_page(context, query.message, query.from_user.id, lang_for(query.from_user.language_code), plan,
                    tap=query)


async def show_page(context: CallbackContext, request: Message, user_id: int, lang: str, plan: PagePlan,
                    tap: CallbackQuery | None = None) -> None:
    gallery = catalog(context).gallery
    assert gallery is not None  # the plan was made with it

    async def produce():
        heading = await adopted_heading(context, request.chat_id, lang) if plan.page == 1 else ""
        made = await plan.make(get_state(context).engine, gallery, lang, heading)
        return made.reply, made.caption

    row = [InlineKeyboardButton(label, callback_data=f"cats:{page}") for label, page in plan.turns(lang)]
    await serve(context, request, user_id, lang, upload_action(False), produce,
                InlineKeyboardMarkup([row]) if row else None, tap=tap)


# ---- commands that take cats: /map, /kittens, /blend ----------------------------------------------

@dataclass(frozen=True)
class CatRequest:
    """A command over cats, waiting (for an album caption) until the album's photos are in."""

    update: Update
    name: str  # map | kittens | blend
    args: list[str]
    lang: str


async def on_cat_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, lang = update.effective_message, lang_of(update)
    command = parse_command(message, context.bot.username)
    if command is None:
        return
    request = CatRequest(update, known_command(command.name).name, command.args, lang)
    if message.media_group_id:  # only the album's first message has the caption: wait for the rest
        # The album's job name is the one /mix uses: a private chat's uncaptioned album photo that
        # came first scheduled a plain mix under it (cancelled here), and one that comes later sees
        # this job and leaves the album to it.
        job_name = album_job_name(message.chat_id, message.media_group_id)
        for job in context.job_queue.get_jobs_by_name(job_name):
            job.schedule_removal()
        context.job_queue.run_once(_after_album, get_state(context).settings.album_wait_s, name=job_name,
                                   data=request)
        return
    await _handle(context, request)


async def _after_album(context: CallbackContext) -> None:
    await _handle(context, context.job.data)


async def _handle(context: CallbackContext, request: CatRequest) -> None:
    message, lang = request.update.effective_message, request.lang
    st = get_state(context)
    try:
        refs = [photo_ref(m) for m in photo_messages(message, st.albums)]
        for ref in refs:  # refuse an oversized file before downloading any
            check_size(ref.file_size, st.download_limit)
    except MediaProblem as problem:
        await say(message, problem.key, lang, **problem.params)
        return
    is_name = await name_test(context, message.chat_id)
    plan = PLANS[request.name](request.args, len(refs), is_name=is_name)
    if isinstance(plan, Refusal):
        await _refuse(message, plan, lang)
        return
    # What a face question asked on the way is finished with after a restart (`_revived`).
    recipe = {"kind": "cats", "command": request.name, "args": list(request.args), "photos": len(refs)}
    await _serve_cats(context, message, request.update.effective_user.id, lang, refs, plan, recipe)


def _maker(context: CallbackContext, message: Message, plan: CatsPlan) -> Make:
    """The litter, blend or map of `plan` from the request's sources (photos already cut)."""
    st, cats_here = get_state(context), catalog(context)

    async def make(cats: list, lang: str):
        made = await plan.make(st.engine, cats, lang, gallery=cats_here.gallery,
                               last=cats_here.recent.last(message.chat_id))
        return made.reply, made.caption

    return make


def _revived(recipe: dict, message: Message) -> Finish:
    """A /kittens, /blend, /map or /cat question tapped after a restart: the plan is made again
    from the command's words (as checked when it was asked), then finished as before."""

    async def finish(context: CallbackContext, ask: FaceAsk) -> None:
        is_name = await name_test(context, message.chat_id)
        plan = PLANS[recipe["command"]](recipe["args"], recipe["photos"], is_name=is_name)
        if isinstance(plan, Refusal):  # its adopted cat was forgotten meanwhile, say
            await _refuse(message, plan, ask.lang)
            return
        await make_finish(_maker(context, message, plan))(context, ask)

    return finish


finishes_with("cats", _revived)


async def _serve_cats(context: CallbackContext, message: Message, user_id: int, lang: str, refs: list[PhotoRef],
                      plan: CatsPlan, recipe: dict) -> None:
    st, cats_here = get_state(context), catalog(context)
    limit, timeout = st.download_limit, st.settings.download_timeout_s
    make = _maker(context, message, plan)

    async def produce():
        images = await asyncio.gather(*(download(context.bot, ref, limit, timeout) for ref in refs))
        try:
            cats = await resolve_cats(st.engine, list(images), plan.picks, cats_here.gallery, lang,
                                      named(context, message.chat_id))
            return await make_or_ask(context, message, user_id, lang, cats, make, recipe)  # no face: "tap its square"
        except SourceProblem as problem:
            raise MediaProblem(problem.key, **problem.params) from None  # answered like a bad file

    await serve(context, message, user_id, lang, upload_action(False), produce)
