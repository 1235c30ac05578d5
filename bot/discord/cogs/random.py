"""/random: a grid of cats that never existed, with a "Roll again" button under it.

The button is a `DynamicItem`: the count lives in its custom id, so buttons on old messages keep
working after a restart, and there is no per-message state to expire.
"""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.common.captions import random_caption
from bot.common.options import DEFAULT_RANDOM
from bot.common.request_log import stage
from bot.common.texts import t
from vae_core.engine import MAX_RANDOM
from vae_core.seeds import seed_or_new

from ..ack import defer
from ..errors import answer_error, tell_privately
from ..i18n import text
from ..replies import send_result
from ..runner import job
from ..services import lang_of, services

# Discord integer options stop at 2**53; the engine would take up to 2**63 - 1.
MAX_SEED = 2**53 - 1


async def draw(interaction: discord.Interaction, count: int, seed: int | None) -> None:
    lang = lang_of(interaction)
    seed = seed_or_new(seed)  # chosen now, so the caption can show it and the same cats can be drawn again
    async with job(interaction, retry=lambda again: draw(again, count, seed)):
        await defer(interaction)
        with stage("engine"):
            reply = await services(interaction).engine.random(count, seed)
        view = discord.ui.View(timeout=None)
        view.add_item(RollAgain(count, t("random_roll", lang)))
        await send_result(interaction, reply, random_caption(count, seed, lang, f"/random count:{count} seed:{seed}"),
                          view=view)


class RollAgain(discord.ui.DynamicItem[discord.ui.Button], template=r"kitten-mixer:roll:(?P<count>[0-9]{1,2})"):
    """Draws a fresh grid of the same size (never the same seed: that would give the same cats)."""

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
            if not 1 <= self.count <= MAX_RANDOM:  # no button of ours says this: forged data, a private note
                await tell_privately(interaction, t("button_unknown", lang_of(interaction)))
                return
            await draw(interaction, self.count, None)
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
        await draw(interaction, count, seed)
