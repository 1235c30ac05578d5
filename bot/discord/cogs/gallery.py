"""/cats, /map, /kittens and /blend on Discord (issue 13): the gallery and what grows from it.

Slash commands can't take "photos or numbers" in one option, so each command has optional
attachments (cat1..cat4) and a `cats` text option for gallery numbers or the server's adopted
names ("12 47", "Luna 12"); bot/common/sources.py decides what the words mean, exactly as on
Telegram. The ◀ ▶ buttons under a gallery page are DynamicItems (the page is in the custom id),
so pages keep turning after a restart.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence

import discord
from discord import app_commands
from discord.ext import commands

from bot.common.catalog import CatCatalog
from bot.common.face_asks import with_hints
from bot.common.sources import Pick, SourceProblem, resolve_cats, split_cat_words
from bot.common.texts import t
from vae_core import gallery_views
from vae_core.engine import Cat, Reply
from vae_core.errors import FaceNotFound
from vae_core.litter import LITTER_SIZE, litter

from ..ack import before_deferring, defer
from ..attachments import check_attachment, fetch_images
from ..errors import Notice, answer_error
from ..faces import Hints, ask_where
from ..i18n import text
from ..replies import clean_name, send_result
from ..runner import job
from ..services import chat_of, lang_of, services
from .adopt import adopted_heading

log = logging.getLogger(__name__)

MAX_SEED = 2**53 - 1  # Discord integer options stop at 2**53


def catalog(interaction: discord.Interaction) -> CatCatalog:
    """The gallery and the servers' last mixes, made on first use (see bot/common/catalog.py)."""
    return services(interaction).catalog


def _gallery(interaction: discord.Interaction):
    gallery = catalog(interaction).gallery
    if gallery is None:
        raise Notice("no_gallery")
    return gallery


async def _names(interaction: discord.Interaction):
    """(is_name, named) for the server's adopted cats, when the bot keeps any."""
    adopted = getattr(services(interaction), "adopted", None)
    if adopted is None:
        return None, None
    from bot.common.adoption import name_source, scope_for

    scope = scope_for("discord", chat_of(interaction))
    return await adopted.name_test(scope), name_source(adopted, scope)


# ---- /cats and its page buttons -------------------------------------------------------------------

class PageButton(discord.ui.DynamicItem[discord.ui.Button], template=r"kitten-mixer:cats:(?P<page>[0-9]{1,3})"):
    def __init__(self, page: int, label: str):
        self.page = page
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary,
                                           custom_id=f"kitten-mixer:cats:{page}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> PageButton:
        return cls(int(match["page"]), item.label or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        try:  # buttons don't go through the command tree: its error handler is called by hand
            await show_page(interaction, self.page)
        except Exception as e:
            await answer_error(interaction, e)


def page_view(page: int, pages: int, lang: str) -> discord.ui.View | None:
    view = discord.ui.View(timeout=None)
    if page > 1:
        view.add_item(PageButton(page - 1, t("cats_prev", lang)))
    if page < pages:
        view.add_item(PageButton(page + 1, t("cats_next", lang)))
    return view if view.children else None


async def show_page(interaction: discord.Interaction, page: int) -> None:
    gallery = _gallery(interaction)
    if not 1 <= page <= gallery.pages:
        raise Notice("usage_cats", pages=gallery.pages)
    lang = lang_of(interaction)
    numbers = gallery.page_numbers(page)
    first, last = numbers[0], numbers[-1]
    async with job(interaction, retry=lambda again: show_page(again, page)):
        await defer(interaction)
        title = t("cats_title", lang, first=first, last=last, count=len(gallery))
        reply = await gallery_views.gallery_page(services(interaction).engine, gallery, page, lang, title)
        caption = t("cats_caption", lang, first=first, last=last, count=len(gallery), page=page,
                    pages=gallery.pages)
        if page == 1:  # the server's own cats come first (issue 13)
            caption = await adopted_heading(interaction) + caption
        await send_result(interaction, reply, caption, view=page_view(page, gallery.pages, lang))


# ---- commands over cats ---------------------------------------------------------------------------

Make = Callable[[list[bytes | Cat], str], Awaitable[tuple[Reply, str]]]


async def run_over_cats(interaction: discord.Interaction, attachments: Sequence[discord.Attachment],
                        picks: Sequence[Pick], make: Make, named=None, kept: list | None = None,
                        hints: Hints | None = None) -> None:
    """Validate the files (privately), wait for a turn, download, resolve, make, send.

    A photo without a confident cat face gets the "tap its square" question; the press runs this
    again with the sources it `kept` (photos and picked cats, nothing downloaded twice) and the hints."""
    svc = services(interaction)
    settings = svc.settings
    for attachment in attachments:
        check_attachment(attachment, settings.max_upload_bytes)
    async with job(interaction, retry=lambda again: run_over_cats(again, attachments, picks, make, named, kept,
                                                                  hints)):
        lang = lang_of(interaction)
        sources = kept
        if sources is None:
            images = await before_deferring(interaction, fetch_images(
                svc.session, attachments, max_bytes=settings.max_upload_bytes,
                timeout_s=settings.download_timeout_s)) if attachments else []
            try:
                sources = await resolve_cats(svc.engine, images, picks, catalog(interaction).gallery, lang, named)
            except SourceProblem as problem:
                raise Notice(problem.key, **problem.params) from None
        await defer(interaction)
        try:
            cats = await with_hints(svc.engine, sources, hints) if hints is not None else sources
            reply, caption = await make(cats, lang)
        except FaceNotFound as missing:
            await ask_where(interaction, sources, missing.photos, list(hints) if hints else None,
                            lambda again, h: run_over_cats(again, attachments, picks, make, named, sources, h))
            return
        await send_result(interaction, reply, caption)


def _labels(reply: Reply, files: Sequence[discord.Attachment], lang: str) -> list[str]:
    """Each source as the caption names it: the gallery/adopted label, else the file name."""
    names, photos = [], iter(files)
    for c in reply.cats:
        if c.label:
            names.append(c.label)
        else:
            f = next(photos, None)
            names.append(clean_name(f.filename) if f is not None else f"{'foto' if lang == 'es' else 'photo'} "
                                                                       f"{len(names) + 1}")
    return names


def _attachments(*items: discord.Attachment | None) -> list[discord.Attachment]:
    return [a for a in items if a is not None]


class GalleryCog(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PageButton)

    @app_commands.command(name="cats", description=text("cmd_cats"))
    @app_commands.describe(page=text("dc_opt_page"))
    async def cats(self, interaction: discord.Interaction, page: app_commands.Range[int, 1, 99] = 1) -> None:
        await show_page(interaction, page)

    @app_commands.command(name="map", description=text("cmd_map"))
    @app_commands.describe(cats=text("dc_opt_picks"), cat1=text("dc_opt_cat1"), cat2=text("dc_opt_cat2"))
    async def map(self, interaction: discord.Interaction, cats: str | None = None,
                  cat1: discord.Attachment | None = None, cat2: discord.Attachment | None = None) -> None:
        files = _attachments(cat1, cat2)
        is_name, named = await _names(interaction)
        words = split_cat_words((cats or "").split(), len(files), bare_numbers="all", is_name=is_name)
        count = len(files) + len(words.picks)
        if words.rest or count == 1 or count > 4:
            raise Notice("usage_map")
        gallery = _gallery(interaction)
        where = chat_of(interaction)

        async def make(sources: list[bytes | Cat], lang: str) -> tuple[Reply, str]:
            path = sources or catalog(interaction).recent.last(where)  # nothing given: the last mix here
            reply = await gallery_views.gallery_map(services(interaction).engine, gallery, path)
            if not reply.cats:
                return reply, t("map_caption", lang)
            return reply, t("map_path_caption", lang, names=" → ".join(_labels(reply, files, lang)))

        await run_over_cats(interaction, files, words.picks, make, named)

    @app_commands.command(name="kittens", description=text("cmd_kittens"))
    @app_commands.describe(cats=text("dc_opt_picks"), cat1=text("dc_opt_cat1"), cat2=text("dc_opt_cat2"),
                           seed=text("dc_opt_kitten_seed"))
    async def kittens(self, interaction: discord.Interaction, cats: str | None = None,
                      cat1: discord.Attachment | None = None, cat2: discord.Attachment | None = None,
                      seed: app_commands.Range[int, 0, MAX_SEED] | None = None) -> None:
        files = _attachments(cat1, cat2)
        is_name, named = await _names(interaction)
        words = split_cat_words((cats or "").split(), len(files), bare_numbers="all", is_name=is_name)
        if words.rest:
            raise Notice("usage_kittens")
        count = len(files) + len(words.picks)
        if count != 2:
            raise Notice("need_two_parents", count=count)

        async def make(sources: list[bytes | Cat], lang: str) -> tuple[Reply, str]:
            reply, used = await litter(services(interaction).engine, sources, seed)
            first, second = _labels(reply, files, lang)
            return reply, t("kittens_caption", lang, count=LITTER_SIZE, first=first, second=second, seed=used)

        await run_over_cats(interaction, files, words.picks, make, named)

    @app_commands.command(name="blend", description=text("cmd_blend"))
    @app_commands.describe(weights=text("dc_opt_weights"), cats=text("dc_opt_picks"), cat1=text("dc_opt_cat1"),
                           cat2=text("dc_opt_cat2"), cat3=text("dc_opt_cat3"), cat4=text("dc_opt_cat4"))
    async def blend(self, interaction: discord.Interaction, weights: str, cats: str | None = None,
                    cat1: discord.Attachment | None = None, cat2: discord.Attachment | None = None,
                    cat3: discord.Attachment | None = None, cat4: discord.Attachment | None = None) -> None:
        files = _attachments(cat1, cat2, cat3, cat4)
        is_name, named = await _names(interaction)
        words = split_cat_words((cats or "").split(), len(files), bare_numbers=False, is_name=is_name)
        try:
            w = [float(x.rstrip("%").replace(",", ".")) for x in weights.replace("/", " ").split()]
        except ValueError:
            raise Notice("usage_blend") from None
        count = len(files) + len(words.picks)
        if words.rest or not w or any(x < 0 or x > 1000 for x in w):
            raise Notice("usage_blend")
        if not 2 <= count <= 4 or len(w) != count or sum(w) <= 0:
            raise Notice("blend_counts", cats=count, weights=len(w))

        async def make(sources: list[bytes | Cat], lang: str) -> tuple[Reply, str]:
            reply = await gallery_views.blend(services(interaction).engine, sources, w)
            total = sum(w)
            parts = " + ".join(f"**{n}** {100 * x / total:.0f}%"
                               for n, x in zip(_labels(reply, files, lang), w, strict=True))
            return reply, t("blend_caption", lang, parts=parts)

        await run_over_cats(interaction, files, words.picks, make, named)


async def mix_cats(interaction: discord.Interaction, files: Sequence[discord.Attachment], cats: str,
                   options) -> None:
    """/mix beyond two photos: gallery numbers or names (`cats: 12 47`), or 3-4 photos (one loop)."""
    is_name, named = await _names(interaction)
    words = split_cat_words(cats.split(), len(files), bare_numbers="all", is_name=is_name)
    count = len(files) + len(words.picks)
    if words.rest:
        raise Notice("usage_mix")
    if not 2 <= count <= 4:
        raise Notice("need_mix_cats", count=count)
    where = chat_of(interaction)

    async def make(sources: list[bytes | Cat], lang: str) -> tuple[Reply, str]:
        from bot.common.captions import about_mix

        reply = await services(interaction).engine.mix(sources, options)
        labels = _labels(reply, files, lang)
        catalog(interaction).recent.remember(where, reply.cats, labels)  # for /map right after
        names = " → ".join(f"**{n}**" for n in labels)
        return reply, f"{names}\n{t('mix_done_loop' if count > 2 else 'mix_done', lang, count=count)}\n" \
                      f"{about_mix(options, lang)}"

    await run_over_cats(interaction, files, words.picks, make, named)
