"""Registering the commands with Discord: one server while developing, everywhere otherwise.

Global registration can take a while to show up in clients; a guild sync is immediate, which is
why `DISCORD_GUILD_ID` exists. The owner's /resync calls the same function. Every sync first says
where each command may be installed and used (installs.py: server and user installs, contexts).
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from .installs import place_commands

log = logging.getLogger(__name__)


async def sync_commands(tree: app_commands.CommandTree, guild_id: int = 0) -> int:
    """Push the tree to Discord and return how many commands are registered there now."""
    place_commands(tree)
    if guild_id:
        guild = discord.Object(id=guild_id)
        tree.copy_global_to(guild=guild)
        synced = await tree.sync(guild=guild)
        log.info("synced %d commands to guild %s", len(synced), guild_id)
    else:
        synced = await tree.sync()
        log.info("synced %d global commands", len(synced))
    return len(synced)
