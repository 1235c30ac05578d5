"""/mix with two attachments, and the "Mix these cats" message context menu.

Both end in `mix_attachments`: validate the files (privately answered), take a job slot,
download, defer, mix, send the GIF or grid with the file names and any no-face note.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.common.captions import about_mix
from bot.common.face_question import face_notes
from bot.common.request_log import stage
from bot.common.results import MixState
from bot.common.texts import t
from vae_core.engine import MAX_FRAMES, MIN_FRAMES, MixOptions, Reply

from ..ack import before_deferring, defer
from ..attachments import check_attachment, fetch_images, looks_like_image
from ..errors import Notice
from ..faces import FaceButton, Hints, mix_or_ask
from ..i18n import text
from ..replies import clean_name, send_result
from ..results import ResultButton, result_owner, result_view
from ..runner import job
from ..services import chat_of, lang_of, services
from .gallery import catalog, mix_cats

DEFAULTS = MixOptions()  # the engine's defaults are the one definition, shared with Telegram and the CLI


def caption(names: Sequence[str], reply: Reply, lang: str) -> str:
    """Which two files were mixed, plus what intake had to guess (no face, animated input)."""
    first, second = (clean_name(n) for n in names)
    lines = [t("dc_mix_done", lang, first=first, second=second)]
    which = [f"{t('first_photo', lang)} ({first})", f"{t('second_photo', lang)} ({second})"]
    lines += [t("no_face", lang, which=which[i]) for i in reply.faces_missing]
    for i, report in enumerate(reply.reports[: len(which)]):
        lines += face_notes(report, which[i], lang)
    for i, report in enumerate(reply.reports):
        if report.animated:
            note = t("first_frame", lang, which=which[i])
            lines.append(note[:1].upper() + note[1:])
    return "\n".join(lines)


async def mix_attachments(interaction: discord.Interaction, attachments: Sequence[discord.Attachment],
                          options: MixOptions, hints: Hints | None = None, images: list[bytes] | None = None) -> None:
    """`hints` and `images` come from a tapped "where's the face?" question: the same request again,
    with the photos it kept and where the user said each face is."""
    svc = services(interaction)
    settings = svc.settings
    for attachment in attachments:
        check_attachment(attachment, settings.max_upload_bytes)
    async with job(interaction, retry=lambda again: mix_attachments(again, attachments, options, hints, images)):
        if images is None:
            with stage("download"):
                images = await before_deferring(interaction, fetch_images(
                    svc.session, attachments, max_bytes=settings.max_upload_bytes,
                    timeout_s=settings.download_timeout_s))
        await defer(interaction)
        kept = images
        with stage("engine"):
            reply = await mix_or_ask(interaction, kept, options, hints,
                                     lambda again, h: mix_attachments(again, attachments, options, h, kept))
        if reply is None:  # no confident cat face: the user was asked where it is
            return
        lang = lang_of(interaction)
        text = caption([a.filename for a in attachments], reply, lang) + "\n" + about_mix(options, lang)
        key = svc.results.reserve()  # the buttons' cats: the next mix needs no re-upload
        svc.results.put(key, MixState(tuple(reply.cats), options), result_owner(interaction))
        catalog(interaction).recent.remember(chat_of(interaction), reply.cats,  # for /map right after
                                             [clean_name(a.filename) for a in attachments])
        await send_result(interaction, reply, text, view=result_view(key, MixState((), options), lang))


async def mix_message(interaction: discord.Interaction, message: discord.Message) -> None:
    """Context menu: the first two pictures of the message, with the default options."""
    photos = [a for a in message.attachments if looks_like_image(a)]
    if len(photos) < 2:
        raise Notice("need_two", count=len(photos))
    await mix_attachments(interaction, photos[:2], MixOptions())


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
        if cats or len(files) != 2:  # gallery numbers, adopted names, or 3-4 photos (one loop): issue 13
            await mix_cats(interaction, files, cats or "", options)
            return
        await mix_attachments(interaction, files, options)

