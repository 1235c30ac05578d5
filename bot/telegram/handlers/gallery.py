"""/cats, /map, /kittens (/gatitos) and /blend: the gallery and what grows from it (issue 13).

Handlers only work out which cats (photos of the message, its album or the replied-to message,
gallery numbers, the chat's adopted names: bot/common/sources.py) and which options; the pictures
come from vae_core (gallery_views, litter) through the shared job runner (runner.serve).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackContext, ContextTypes

from bot.common.sources import SourceProblem, resolve_cats, split_cat_words
from bot.common.texts import lang_for, t
from bot.telegram.albums import album_job_name
from bot.telegram.cats import catalog, name_test, named
from bot.telegram.commands import parse_command
from bot.telegram.handlers.adopt import adopted_heading
from bot.telegram.handlers.faces import make_or_ask
from bot.telegram.handlers.mix import sources as photo_messages
from bot.telegram.handlers.unknown import answer_unknown
from bot.telegram.media import MediaProblem, PhotoRef, check_size, download, photo_ref
from bot.telegram.replies import say, upload_action
from bot.telegram.runner import serve
from bot.telegram.state import get_state, lang_of
from vae_core import gallery_views
from vae_core.engine import Cat, Reply
from vae_core.litter import LITTER_SIZE, litter

log = logging.getLogger(__name__)

PAGE_PATTERN = r"^cats:(\d{1,3})$"


async def _refuse(message: Message, key: str, lang: str, **params: object) -> None:
    """A request we can't serve: logged (the reason only, never the user's words), then explained."""
    log.info("chat %s: refused: %s", message.chat_id, key)
    await say(message, key, lang, **params)


# ---- /cats [page] and its page buttons ------------------------------------------------------------

def _page_markup(page: int, pages: int, lang: str) -> InlineKeyboardMarkup | None:
    row = []
    if page > 1:
        row.append(InlineKeyboardButton(t("cats_prev", lang), callback_data=f"cats:{page - 1}"))
    if page < pages:
        row.append(InlineKeyboardButton(t("cats_next", lang), callback_data=f"cats:{page + 1}"))
    return InlineKeyboardMarkup([row]) if row else None


async def on_cats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, lang = update.effective_message, lang_of(update)
    gallery = catalog(context).gallery
    if gallery is None:
        await _refuse(message, "no_gallery", lang)
        return
    command = parse_command(message, context.bot.username)
    args = command.args if command else []
    page = int(args[0]) if len(args) == 1 and args[0].isascii() and args[0].isdigit() else None
    if args and (page is None or not 1 <= page <= gallery.pages):
        await _refuse(message, "usage_cats", lang, pages=gallery.pages)
        return
    await show_page(context, message, update.effective_user.id, lang, page or 1)


async def on_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """◀ / ▶ under a sheet: the neighbouring page, as a new message quoting the sheet."""
    query = update.callback_query
    gallery = catalog(context).gallery
    page = int(context.match.group(1))
    if not isinstance(query.message, Message) or gallery is None or not 1 <= page <= gallery.pages:
        await answer_unknown(update)  # a toast: no button of ours leads there (any more)
        return
    await show_page(context, query.message, query.from_user.id, lang_for(query.from_user.language_code), page,
                    tap=query)


async def show_page(context: CallbackContext, request: Message, user_id: int, lang: str, page: int,
                    tap: CallbackQuery | None = None) -> None:
    engine, gallery = get_state(context).engine, catalog(context).gallery
    assert gallery is not None
    numbers = gallery.page_numbers(page)
    first, last = numbers[0], numbers[-1]

    async def produce():
        title = t("cats_title", lang, first=first, last=last, count=len(gallery))
        reply = await gallery_views.gallery_page(engine, gallery, page, lang, title)
        caption = t("cats_caption", lang, first=first, last=last, count=len(gallery), page=page, pages=gallery.pages)
        # The chat's own cats come first (issue 13): on the first page, above the gallery's line.
        return reply, (await adopted_heading(context, request.chat_id, lang) if page == 1 else "") + caption

    await serve(context, request, user_id, lang, upload_action(False), produce,
                _page_markup(page, gallery.pages, lang), tap=tap)


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
    name = {"gatitos": "kittens", "camada": "kittens", "mapa": "map"}.get(command.name, command.name)
    request = CatRequest(update, name, command.args, lang)
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
        await _refuse(message, problem.key, lang, **problem.params)
        return
    is_name = await name_test(context, message.chat_id)
    if request.name == "blend":
        words = split_cat_words(request.args, len(refs), bare_numbers=False, is_name=is_name)
    else:
        words = split_cat_words(request.args, len(refs), is_name=is_name)
    count = len(refs) + len(words.picks)
    user_id = request.update.effective_user.id
    if request.name == "map":
        if words.rest or count == 1 or count > 4:
            await _refuse(message, "usage_map", lang)
            return
        await _serve_cats(context, message, user_id, lang, refs, words.picks, _map_maker(context, message.chat_id))
    elif request.name == "kittens":
        seed = _seed(words.rest)
        if seed is False:
            await _refuse(message, "usage_kittens", lang)
            return
        if count != 2:
            await _refuse(message, "need_two_parents", lang, count=count)
            return
        await _serve_cats(context, message, user_id, lang, refs, words.picks, _litter_maker(context, seed))
    else:
        weights = [float(w) for w in words.rest if _is_weight(w)]
        if len(weights) != len(words.rest) or not words.rest:
            await _refuse(message, "usage_blend", lang)
            return
        if not 2 <= count <= 4 or len(weights) != count or sum(weights) <= 0:
            await _refuse(message, "blend_counts", lang, cats=count, weights=len(weights))
            return
        await _serve_cats(context, message, user_id, lang, refs, words.picks, _blend_maker(context, weights))


def _seed(rest: Sequence[str]) -> int | None | bool:
    """The litter's seed from what is left after the cats: nothing, or one number (False: neither)."""
    if not rest:
        return None
    if len(rest) == 1 and rest[0].isascii() and rest[0].isdigit() and len(rest[0]) <= 18:
        return int(rest[0])
    return False


def _is_weight(word: str) -> bool:
    w = word.rstrip("%").replace(",", ".")
    try:
        return 0 <= float(w) <= 1000 and w.replace(".", "", 1).isdigit()
    except ValueError:
        return False


Maker = Callable[[list[bytes | Cat], str], Awaitable[tuple[Reply, str]]]


async def _serve_cats(context: CallbackContext, message: Message, user_id: int, lang: str, refs: list[PhotoRef],
                      picks, make: Maker) -> None:
    st = get_state(context)
    limit, timeout = st.download_limit, st.settings.download_timeout_s
    names = named(context, message.chat_id)

    async def produce():
        images = await asyncio.gather(*(download(context.bot, ref, limit, timeout) for ref in refs))
        try:
            cats = await resolve_cats(st.engine, list(images), picks, catalog(context).gallery, lang, names)
        except SourceProblem as problem:
            raise MediaProblem(problem.key, **problem.params) from None  # answered like a bad file
        return await make_or_ask(context, message, user_id, lang, cats, make)  # no face: "tap its square"

    await serve(context, message, user_id, lang, upload_action(False), produce)


def _names(reply: Reply, lang: str) -> list[str]:
    photo = "foto" if lang == "es" else "photo"
    return [c.label or f"{photo} {i + 1}" for i, c in enumerate(reply.cats)]


def _map_maker(context: CallbackContext, chat_id: int) -> Maker:
    async def make(cats: list[bytes | Cat], lang: str) -> tuple[Reply, str]:
        cat_catalog = catalog(context)
        gallery = cat_catalog.gallery
        if gallery is None:
            raise MediaProblem("no_gallery")
        path = cats or cat_catalog.recent.last(chat_id)  # no cats given: the chat's last mix, if any
        reply = await gallery_views.gallery_map(get_state(context).engine, gallery, path)
        if not reply.cats:
            return reply, t("map_caption", lang)
        return reply, t("map_path_caption", lang, names=" → ".join(_names(reply, lang)))

    return make


def _litter_maker(context: CallbackContext, seed: int | None) -> Maker:
    async def make(cats: list[bytes | Cat], lang: str) -> tuple[Reply, str]:
        reply, used = await litter(get_state(context).engine, cats, seed)
        first, second = _names(reply, lang)
        return reply, t("kittens_caption", lang, count=LITTER_SIZE, first=first, second=second, seed=used)

    return make


def _blend_maker(context: CallbackContext, weights: list[float]) -> Maker:
    async def make(cats: list[bytes | Cat], lang: str) -> tuple[Reply, str]:
        reply = await gallery_views.blend(get_state(context).engine, cats, weights)
        total = sum(weights)
        parts = " + ".join(f"{n} {100 * w / total:.0f}%" for n, w in zip(_names(reply, lang), weights, strict=True))
        return reply, t("blend_caption", lang, parts=parts)

    return make
