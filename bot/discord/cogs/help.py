"""/help: what the bot does and an example, in the user's client language (the text and the
command list are shared with Telegram: bot/common/commands/help.py)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.common.commands import help as commands_help

from ..i18n import text
from ..say import respond
from ..services import lang_of


def help_text(lang: str) -> str:
    return commands_help.help_text(commands_help.DISCORD, lang)


class HelpCog(commands.Cog):
    @app_commands.command(name="help", description=text("cmd_help"))
    async def help(self, interaction: discord.Interaction) -> None:
        # Private: the help is for the person asking, not the whole channel.
        await respond(interaction, help_text(lang_of(interaction)), ephemeral=True)
