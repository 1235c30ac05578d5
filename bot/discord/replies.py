"""Sending a finished picture: size check against this place's upload limit, then the follow-up."""

from __future__ import annotations

import asyncio
import io
import logging

import discord

from bot.common.commands import Refusal
from bot.common.request_log import current, refused, stage
from bot.common.texts import mb, t
from vae_core.engine import Reply
from vae_core.fit_size import fit_under

from .errors import Notice, tell_privately
from .installs import forced_private
from .say import edit_original, follow_up
from .services import lang_of

log = logging.getLogger(__name__)


def clean_name(filename: str, limit: int = 60) -> str:
    """A user's file name made safe to show: no markdown, no pings, not too long."""
    name = filename if len(filename) <= limit else filename[: limit - 1] + "…"
    return discord.utils.escape_mentions(discord.utils.escape_markdown(name))


def bold(name: str) -> str:
    """A source's name in a caption (bot/common/captions.py `strong`)."""
    return f"**{name}**"


async def refuse(interaction: discord.Interaction, refusal: Refusal, command: str) -> None:
    """A request turned away before any work: one log line, and the refusal's sentence, privately."""
    refused("discord", "guild" if interaction.guild_id else "dm", command, refusal.key)
    await tell_privately(interaction, refusal.text(lang_of(interaction)))


async def send_result(interaction: discord.Interaction, reply: Reply, text: str,
                      view: discord.ui.View | None = None) -> None:
    """Follow up the deferral with the file. Too big for here: made plainer until it fits (fewer
    colours, frames, pixels: vae_core/fit_size.py), and the caption says so; nothing plain enough
    fits -> a private explanation instead. Where Discord shows the answer to the user alone (a
    user install in a server that turned external apps off: installs.py), the caption says that too."""
    lang = lang_of(interaction)
    data, notes = reply.data, []
    limit = interaction.filesize_limit  # the interaction's attachment_size_limit (10 MiB for most)
    if len(data) > limit:
        with stage("shrink"):
            fitted = await asyncio.to_thread(fit_under, data, limit)
        if fitted is None:
            raise Notice("reply_too_big")
        log.info("result shrunk from %d to %d bytes for a %d-byte upload limit", len(data), len(fitted), limit)
        data = fitted
        notes.append(t("dc_shrunk", lang, limit_mb=mb(limit)))
    if forced_private(interaction):
        notes.append(t("dc_only_you_see", lang))
    text = "\n".join([text, *notes])
    extra = {"view": view} if view is not None else {}
    file = discord.File(io.BytesIO(data), filename=reply.filename)
    if (record := current()) is not None:  # the request's log line shows the engine's stages too
        record.engine(reply.timings)
    with stage("send"):
        if interaction.extras.get("placed"):  # "You're #3 in line..." becomes the result (see runner.py)
            await edit_original(interaction, text, attachments=[file],
                                allowed_mentions=discord.AllowedMentions.none(), **extra)
        else:
            try:
                await follow_up(interaction, text, file=file, allowed_mentions=discord.AllowedMentions.none(),
                                **extra)
            except discord.Forbidden:  # not allowed to post here for everyone: privately, and say why
                log.info("public result refused here (403); sending it privately")
                file = discord.File(io.BytesIO(data), filename=reply.filename)
                await follow_up(interaction, "\n".join([text, t("dc_only_you_see", lang)]), file=file,
                                ephemeral=True, allowed_mentions=discord.AllowedMentions.none(), **extra)
    interaction.extras["delivered"] = True  # from now on the original response is the result
