"""/random: a grid of cats that never existed, with a "Roll again" button under it.

The button is a `DynamicItem`: the count lives in its custom id, so buttons on old messages keep
working after a restart, and there is no per-message state to expire.
"""

from __future__ import annotations

import re
from typing import ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.common.commands import Refusal
from bot.common.commands.random import RandomPlan, plan_numbers
from bot.common.options import DEFAULT_RANDOM
from bot.common.request_log import stage
from bot.common.texts import t
from vae_core.engine import MAX_RANDOM

from ..ack import defer
from ..errors import answer_error, tell_privately
from ..i18n import text
from ..replies import refuse, send_result
from ..runner import job
from ..services import lang_of, services

# Discord integer options stop at 2**53; the engine would take up to 2**63 - 1.
MAX_SEED = 2**53 - 1


async def draw(interaction: discord.Interaction, asked: RandomPlan) -> None:
    lang = lang_of(interaction)
    asked = asked.seeded()  # a retry draws the same cats
    async with job(interaction, retry=lambda again: draw(again, asked)):
        await defer(interaction)
        with stage("engine"):
            made = await asked.make(services(interaction).engine, lang,
                                    lambda count, seed: f"/random count:{count} seed:{seed}")
        view = discord.ui.View(timeout=None)
        view.add_item(RollAgain(asked.count, t("random_roll", lang)))
        await send_result(interaction, made.reply, made.caption, view=view)


class RollAgain(discord.ui.DynamicItem[discord.ui.Button], template=r"kitten-mixer:roll:(?P<count>[0-9]{1,2})"):
    """Draws a fresh grid of the same size (never the same seed: that would give the same cats)."""

    is_request: ClassVar[bool] = True  # it asks for work: the journal keeps the press (bot/discord/journal.py)

    def __init__(self, count: int, label: str):
        self.count = count
        super().__init__(discord.ui.Button(label=label, emoji="🎲", style=discord.ButtonStyle.secondary,
                                           custom_id=f"kitten-mixer:roll:{count}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> RollAgain:
        return cls(int(match["count"]), item.label or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        # Buttons don't go through the command tree, so its error handler must be called by hand.
        try:
            asked = plan_numbers(self.count)
            if isinstance(asked, Refusal):  # no button of ours says this: forged data, a private note
                await tell_privately(interaction, t("button_unknown", lang_of(interaction)))
                return
            await draw(interaction, asked)
        except Exception as e:
            await answer_error(interaction, e)


class RandomCog(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RollAgain)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(RollAgain)

    @app_commands.command(name="random", description=text("cmd_random"))
    @app_commands.describe(count=text("dc_opt_count"), seed=text("dc_opt_seed"))
    async def random(self, interaction: discord.Interaction,
                     count: app_commands.Range[int, 1, MAX_RANDOM] = DEFAULT_RANDOM,
                     seed: app_commands.Range[int, 0, MAX_SEED] | None = None) -> None:
        asked = plan_numbers(count, seed)  # Discord checked the ranges too; the same checks as typed words
        if isinstance(asked, Refusal):
            await refuse(interaction, asked, "random")
            return
        await draw(interaction, asked)
