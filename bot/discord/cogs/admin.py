"""/resync: the owner re-registers the commands after a deploy, without restarting the bot."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.common.texts import t

from ..checks import owner_only
from ..i18n import text
from ..say import follow_up
from ..services import lang_of, services
from ..sync import sync_commands


class AdminCog(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot

    @app_commands.command(name="resync", description=text("dc_cmd_resync"))
    @app_commands.default_permissions(administrator=True)  # hidden from members; the check decides
    @owner_only()
    async def resync(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        count = await sync_commands(self.bot.tree, services(interaction).settings.discord_guild_id)
        await follow_up(interaction, t("resynced", lang_of(interaction), count=count), ephemeral=True)
