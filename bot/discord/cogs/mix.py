"""/mix (photos, gallery numbers, the server's adopted names: 2-4 cats) and the "Mix these cats"
message context menu.

What the options and the `cats` words mean, whether the cats add up, the caption and what the
result leaves behind (its buttons, the server's last mix) are bot/common/commands/mix.py's, as on
Telegram; here: validate the files (privately answered), take a job slot, download, defer, mix
(or ask where a face is), send.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.common.adoption import name_source, scope_for
from bot.common.commands import Refusal
from bot.common.commands.mix import MixPlan, finish, plan
from bot.common.face_asks import FaceAsk
from bot.common.request_log import stage
from bot.common.results import MixState
from bot.common.sources import SourceProblem, resolve_cats
from bot.common.texts import t
from vae_core.engine import MAX_FRAMES, MIN_FRAMES, Cat, MixOptions

from ..ack import before_deferring, defer
from ..attachments import check_attachment, fetch_images, looks_like_image
from ..errors import Notice
from ..faces import FaceButton, Hints, Resume, mix_or_ask, resumes_with
from ..i18n import text
from ..replies import bold, clean_name, refuse, send_result
from ..results import ResultButton, result_owner, result_view
from ..runner import job
from ..services import chat_of, lang_of, services

DEFAULTS = MixOptions()  # the engine's defaults are the one definition, shared with Telegram and the CLI


async def mix_sources(interaction: discord.Interaction, asked: MixPlan, attachments: Sequence[discord.Attachment],
                      hints: Hints | None = None, kept: list[bytes | Cat] | None = None,
                      names: Sequence[str] | None = None) -> None:
    """`hints` and `kept` come from a tapped "where's the face?" question: the same request again,
    with the sources it kept (nothing downloaded twice) and where the user said each face is.
    `names`: the photos' file names for the caption, when the attachments are gone (a restart)."""
    svc, lang = services(interaction), lang_of(interaction)
    files = list(names) if names is not None else [clean_name(a.filename) for a in attachments]
    for attachment in attachments:
        check_attachment(attachment, svc.settings.max_upload_bytes)
    async with job(interaction, retry=lambda again: mix_sources(again, asked, attachments, hints, kept, names)):
        sources = kept
        if sources is None:
            with stage("download"):
                images = await before_deferring(interaction, fetch_images(
                    svc.session, attachments, max_bytes=svc.settings.max_upload_bytes,
                    timeout_s=svc.settings.download_timeout_s)) if attachments else []
            adopted = scope_for("discord", chat_of(interaction))
            try:
                sources = await resolve_cats(svc.engine, images, asked.picks, svc.catalog.gallery, lang,
                                             name_source(svc.adopted, adopted))
            except SourceProblem as problem:
                raise Notice(problem.key, **problem.params) from None
        await defer(interaction)
        got = sources
        recipe = {"kind": "mix", "options": asdict(asked.options), "files": files}
        with stage("engine"):
            reply = await mix_or_ask(interaction, got, asked.options, hints,
                                     lambda again, h: mix_sources(again, asked, attachments, h, got, files), recipe)
        if reply is None:  # no confident cat face: the user was asked where it is
            return
        made = asked.made(reply, lang, files, strong=bold)
        key, owner = svc.results.reserve(), result_owner(interaction)
        finish(made, key, owner, svc.results, svc.catalog.recent, files, chat_of(interaction))  # buttons, /map
        await send_result(interaction, reply, made.caption, view=result_view(key, MixState((), asked.options), lang))


def _revived(recipe: dict, ask: FaceAsk) -> Resume:
    """A /mix question pressed after a restart: the kept photos, the options and names it had."""
    asked = MixPlan(MixOptions(**recipe["options"]))
    return lambda again, hints: mix_sources(again, asked, (), hints, ask.images, recipe["files"])


resumes_with("mix", _revived)


async def mix_message(interaction: discord.Interaction, message: discord.Message) -> None:
    """Context menu: the first two pictures of the message, with the default options."""
    photos = [a for a in message.attachments if looks_like_image(a)][:2]
    asked = MixPlan()
    verdict = asked.check(len(photos))
    if isinstance(verdict, Refusal):
        await refuse(interaction, verdict, "mix")
        return
    await mix_sources(interaction, asked, photos)


class MixCog(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot
        self.menu = app_commands.ContextMenu(name=t("dc_menu_mix", "en"), callback=mix_message)

    async def cog_load(self) -> None:
        # Context menus can't be declared inside a cog with the decorator: register by hand.
        self.bot.tree.add_command(self.menu)
        self.bot.add_dynamic_items(FaceButton)  # "where's the face?" squares, answered after any restart
        self.bot.add_dynamic_items(ResultButton)  # swap, boomerang, grid/GIF, more frames, random cat

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.command(name="mix", description=text("cmd_mix"))
    @app_commands.rename(format_="format")
    @app_commands.describe(cat1=text("dc_opt_cat1"), cat2=text("dc_opt_cat2"), frames=text("dc_opt_frames"),
                           format_=text("dc_opt_format"), path=text("dc_opt_path"),
                           boomerang=text("dc_opt_boomerang"), size=text("dc_opt_size"), cats=text("dc_opt_picks"),
                           cat3=text("dc_opt_cat3"), cat4=text("dc_opt_cat4"))
    async def mix(self, interaction: discord.Interaction, cat1: discord.Attachment | None = None,
                  cat2: discord.Attachment | None = None,
                  frames: app_commands.Range[int, MIN_FRAMES, MAX_FRAMES] = DEFAULTS.frames,
                  format_: Literal["gif", "grid"] = DEFAULTS.format,
                  path: Literal["linear", "slerp"] = DEFAULTS.path,
                  boomerang: bool = DEFAULTS.boomerang, size: Literal[256, 384] = DEFAULTS.size,
                  cats: str | None = None,
                  cat3: discord.Attachment | None = None, cat4: discord.Attachment | None = None) -> None:
        options = MixOptions(frames=frames, format=format_, path=path, boomerang=boomerang, size=size)
        files = [a for a in (cat1, cat2, cat3, cat4) if a is not None]
        is_name = await services(interaction).adopted.name_test(scope_for("discord", chat_of(interaction)))
        asked = plan((cats or "").split(), len(files), is_name=is_name, numbers_are_cats=True, options=options)
        verdict = asked if isinstance(asked, Refusal) else asked.check(len(files))
        if isinstance(verdict, Refusal):  # "no cat called Secret here", "I can mix 2 to 4 cats"...
            await refuse(interaction, verdict, "mix")
            return
        assert isinstance(asked, MixPlan)
        await mix_sources(interaction, asked, files)

