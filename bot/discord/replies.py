"""Sending a finished picture: size check against this place's upload limit, then the follow-up."""

from __future__ import annotations

import io

import discord

from bot.common.commands import Refusal
from bot.common.request_log import current, refused, stage
from vae_core.engine import Reply

from .errors import Notice, tell_privately
from .say import edit_original, follow_up
from .services import lang_of


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
    """Follow up the deferral with the file; too big for here -> a private explanation instead."""
    if len(reply.data) > interaction.filesize_limit:
        raise Notice("reply_too_big")
    extra = {"view": view} if view is not None else {}
    file = discord.File(io.BytesIO(reply.data), filename=reply.filename)
    if (record := current()) is not None:  # the request's log line shows the engine's stages too
        record.engine(reply.timings)
    with stage("send"):
        if interaction.extras.get("placed"):  # "You're #3 in line..." becomes the result (see runner.py)
            await edit_original(interaction, text, attachments=[file],
                                allowed_mentions=discord.AllowedMentions.none(), **extra)
        else:
            await follow_up(interaction, text, file=file, allowed_mentions=discord.AllowedMentions.none(), **extra)
    interaction.extras["delivered"] = True  # from now on the original response is the result
