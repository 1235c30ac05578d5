"""Permission checks: owner-only commands. (Fairness is the shared line's job: see line.py.)"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from .errors import NotOwner
from .services import services


def owner_only():
    """App-command check: settings.owner_ids, or the application's owner/team when none are set."""

    async def predicate(interaction: discord.Interaction) -> bool:
        owners = services(interaction).settings.owner_ids
        client = interaction.client
        if owners:
            allowed = interaction.user.id in owners
        else:
            allowed = isinstance(client, commands.Bot) and await client.is_owner(interaction.user)
        if not allowed:
            raise NotOwner()
        return True

    return app_commands.check(predicate)
