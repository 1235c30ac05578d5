"""/cats, /map, /kittens and /blend on Discord (issue 13): the gallery and what grows from it.

What each command means, every check and every caption are bot/common/commands/gallery.py's, as
on Telegram and the CLI. Slash commands can't take "photos or numbers" in one option, so each
command has optional attachments (cat1..cat4) and a `cats` text option for gallery numbers or
the server's adopted names ("12 47", "Luna 12"); this file fetches the photos and runs the plan
through the job runner. The ◀ ▶ buttons under a gallery page are DynamicItems (the page is in
the custom id), so pages keep turning after a restart.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence

import discord
from discord import app_commands
from discord.ext import commands

from bot.common.catalog import CatCatalog
from bot.common.commands import Refusal
from bot.common.commands.gallery import (
    MAX_SEED,
    CatsPlan,
    IsName,
    plan_blend,
    plan_cats,
    plan_kittens,
    plan_map,
    plan_portrait,
)
from bot.common.face_asks import FaceAsk, with_hints
from bot.common.sources import Pick, SourceProblem, resolve_cats
from vae_core.engine import Cat, Reply
from vae_core.errors import FaceNotFound

from ..ack import before_deferring, defer
from ..attachments import check_attachment, fetch_images
from ..errors import Notice, answer_error, tell_privately
from ..faces import Hints, Resume, ask_where, resumes_with
from ..i18n import text
from ..replies import clean_name, send_result
from ..runner import job
from ..services import chat_of, lang_of, services
from .adopt import adopted_heading

log = logging.getLogger(__name__)


def catalog(interaction: discord.Interaction) -> CatCatalog:
    """The gallery and the servers' last mixes, made on first use (see bot/common/catalog.py)."""
    return services(interaction).catalog


async def _names(interaction: discord.Interaction):
    """(is_name, named) for the server's adopted cats."""
    from bot.common.adoption import name_source, scope_for

    adopted, scope = services(interaction).adopted, scope_for("discord", chat_of(interaction))
    return await adopted.name_test(scope), name_source(adopted, scope)


async def _refuse(interaction: discord.Interaction, refusal: Refusal) -> None:
    """Said only to the asker, before anything public (no deferral yet)."""
    log.info("refused /%s: %s", interaction.command.name if interaction.command else "?", refusal.key)
    await tell_privately(interaction, refusal.text(lang_of(interaction)))


def _bold(name: str) -> str:
    return f"**{name}**"


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


async def show_page(interaction: discord.Interaction, page: int) -> None:
    plan = plan_cats([str(page)], catalog(interaction).gallery)
    if isinstance(plan, Refusal):
        await _refuse(interaction, plan)
        return
    gallery, lang = catalog(interaction).gallery, lang_of(interaction)
    assert gallery is not None  # the plan was made with it
    async with job(interaction, retry=lambda again: show_page(again, page)):
        await defer(interaction)
        heading = await adopted_heading(interaction) if plan.page == 1 else ""  # the server's own cats first
        made = await plan.make(services(interaction).engine, gallery, lang, heading)
        view = discord.ui.View(timeout=None)
        for label, turn in plan.turns(lang):
            view.add_item(PageButton(turn, label))
        await send_result(interaction, made.reply, made.caption, view=view if view.children else None)


# ---- commands over cats ---------------------------------------------------------------------------

Make = Callable[[list[bytes | Cat], str], Awaitable[tuple[Reply, str]]]


async def run_over_cats(interaction: discord.Interaction, attachments: Sequence[discord.Attachment],
                        picks: Sequence[Pick], make: Make, named=None, kept: list | None = None,
                        hints: Hints | None = None, recipe: dict | None = None) -> None:
    """Validate the files (privately), wait for a turn, download, resolve, make, send.

    A photo without a confident cat face gets the "tap its square" question; the press runs this
    again with the sources it `kept` (photos and picked cats, nothing downloaded twice) and the hints.
    `recipe`: the command as plain data, so the question can be finished after a restart (`_revived`)."""
    svc = services(interaction)
    settings = svc.settings
    for attachment in attachments:
        check_attachment(attachment, settings.max_upload_bytes)
    async with job(interaction, retry=lambda again: run_over_cats(again, attachments, picks, make, named, kept,
                                                                  hints, recipe)):
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
                            lambda again, h: run_over_cats(again, attachments, picks, make, named, sources, h, recipe),
                            missing.dogs, recipe)
            return
        await send_result(interaction, reply, caption)


def _files(files: Sequence[discord.Attachment]) -> list[str]:
    """The photos' names for captions, made safe (bot/common/captions.py source_labels)."""
    return [clean_name(f.filename) for f in files]


def _plan(recipe: dict, is_name: IsName, gallery_ready: bool) -> CatsPlan | Refusal:
    """The plan of a command over cats, from its options as plain data (`recipe`: the command's name,
    its `cats` words, its seed or weights, how many photos came), so a question asked on the way can
    make the same plan again after a restart."""
    words, photos = (recipe.get("cats") or "").split(), recipe["photos"]
    command = recipe["command"]
    if command == "map":
        return plan_map(words, photos, is_name=is_name, gallery_ready=gallery_ready)
    if command == "kittens":
        return plan_kittens(words, photos, is_name=is_name, cats_only=True, seed=recipe.get("seed"))
    if command == "cat":
        return plan_portrait(words, photos, is_name=is_name)
    return plan_blend(words, photos, is_name=is_name, weights=recipe["weights"])


def _maker(interaction: discord.Interaction, plan: CatsPlan, names: Sequence[str]) -> Make:
    where = chat_of(interaction)

    async def make(sources: list[bytes | Cat], lang: str) -> tuple[Reply, str]:
        cats_here = catalog(interaction)
        made = await plan.make(services(interaction).engine, sources, lang, gallery=cats_here.gallery,
                               last=cats_here.recent.last(where), files=names, strong=_bold)
        return made.reply, made.caption

    return make


async def run_plan(interaction: discord.Interaction, files: Sequence[discord.Attachment], command: str,
                   cats: str | None, **options: object) -> None:
    """A gallery command's plan (made knowing the server's adopted names): refused privately, or
    made over its photos and picks and sent."""
    recipe = {"kind": "cats", "command": command, "cats": cats, "photos": len(files), "files": _files(files),
              **options}
    is_name, named = await _names(interaction)
    plan = _plan(recipe, is_name, catalog(interaction).gallery is not None)
    if isinstance(plan, Refusal):
        await _refuse(interaction, plan)
        return
    await run_over_cats(interaction, files, plan.picks, _maker(interaction, plan, recipe["files"]), named,
                        recipe=recipe)


def _revived(recipe: dict, ask: FaceAsk) -> Resume:
    """A /map, /kittens, /cat or /blend question pressed after a restart: the plan made again from
    the command's options, over the photos and cats the question kept."""

    async def resume(again: discord.Interaction, hints: Hints) -> None:
        is_name, named = await _names(again)
        plan = _plan(recipe, is_name, catalog(again).gallery is not None)
        if isinstance(plan, Refusal):  # an adopted cat forgotten meanwhile, say
            await _refuse(again, plan)
            return
        await run_over_cats(again, (), plan.picks, _maker(again, plan, recipe["files"]), named, ask.images, hints,
                            recipe)

    return resume


resumes_with("cats", _revived)


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
        await run_plan(interaction, _attachments(cat1, cat2), "map", cats)

    @app_commands.command(name="kittens", description=text("cmd_kittens"))
    @app_commands.describe(cats=text("dc_opt_picks"), cat1=text("dc_opt_cat1"), cat2=text("dc_opt_cat2"),
                           seed=text("dc_opt_kitten_seed"))
    async def kittens(self, interaction: discord.Interaction, cats: str | None = None,
                      cat1: discord.Attachment | None = None, cat2: discord.Attachment | None = None,
                      seed: app_commands.Range[int, 0, MAX_SEED] | None = None) -> None:
        await run_plan(interaction, _attachments(cat1, cat2), "kittens", cats, seed=seed)

    @app_commands.command(name="cat", description=text("cmd_cat"))
    @app_commands.describe(cats=text("dc_opt_picks"), cat1=text("dc_opt_cat1"))
    async def cat(self, interaction: discord.Interaction, cats: str | None = None,
                  cat1: discord.Attachment | None = None) -> None:
        await run_plan(interaction, _attachments(cat1), "cat", cats)

    @app_commands.command(name="blend", description=text("cmd_blend"))
    @app_commands.describe(weights=text("dc_opt_weights"), cats=text("dc_opt_picks"), cat1=text("dc_opt_cat1"),
                           cat2=text("dc_opt_cat2"), cat3=text("dc_opt_cat3"), cat4=text("dc_opt_cat4"))
    async def blend(self, interaction: discord.Interaction, weights: str, cats: str | None = None,
                    cat1: discord.Attachment | None = None, cat2: discord.Attachment | None = None,
                    cat3: discord.Attachment | None = None, cat4: discord.Attachment | None = None) -> None:
        await run_plan(interaction, _attachments(cat1, cat2, cat3, cat4), "blend", cats, weights=weights)

