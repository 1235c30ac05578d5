"""/help: what the bot does and an example, in the user's client language."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.common.texts import t

from ..i18n import text
from ..say import respond
from ..services import lang_of

EXAMPLE = "/mix cat1:📎 cat2:📎 frames:16 format:grid"


def help_text(lang: str) -> str:
    return t("help", lang, mix_how=t("mix_how_discord", lang), example=EXAMPLE) + "\n\n" + t("help_gallery_discord",
                                                                                                lang)


class HelpCog(commands.Cog):
    @app_commands.command(name="help", description=text("cmd_help"))
    async def help(self, interaction: discord.Interaction) -> None:
        # Private: the help is for the person asking, not the whole channel.
        await respond(interaction, help_text(lang_of(interaction)), ephemeral=True)
