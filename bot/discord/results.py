"""The buttons under a Discord mix: swap, boomerang, grid/GIF, more frames, with a random cat.

Same memory and rules as Telegram's (bot/common/results.py): the cats are reused, nothing is
downloaded again, and the new result gets buttons of its own. A `DynamicItem` so that a button
pressed after a restart still reaches us (and says it has expired, privately: Discord's
ephemeral answer is the toast's counterpart).
"""

from __future__ import annotations

import re
from functools import partial
from typing import ClassVar

import discord

from bot.common.commands.mix import finish, remade
from bot.common.request_log import refused, stage
from bot.common.results import (
    ACTION_PATTERN,
    KEY_PATTERN,
    MixState,
    Owner,
    Refusal,
    buttons,
    next_state,
    random_cat,
)
from bot.common.texts import t

from .ack import defer
from .errors import answer_error, tell_privately
from .replies import send_result
from .runner import job
from .services import chat_of, lang_of, services


def result_owner(interaction: discord.Interaction) -> Owner:
    """A result's buttons work in the channel it is posted in (a DM's channel outside servers),
    for anyone there: everyone who sees a mix may swap it."""
    return Owner(interaction.channel_id or interaction.user.id)


def result_view(key: str, state: MixState, lang: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action, label in buttons(state):
        view.add_item(ResultButton(key, action, t(label, lang)))
    return view


async def remix(interaction: discord.Interaction, state: MixState) -> None:
    """Make and send the mix `state` describes, with its own buttons."""
    svc, lang = services(interaction), lang_of(interaction)
    async with job(interaction, retry=lambda again: remix(again, state)):
        await defer(interaction)
        key = svc.results.reserve()
        with stage("engine"):
            made = remade(state, await svc.engine.mix(list(state.cats), state.options), lang)
        finish(made, key, result_owner(interaction), svc.results, svc.catalog.recent, where=chat_of(interaction))
        await send_result(interaction, made.reply, made.caption, view=result_view(key, state, lang))


class ResultButton(discord.ui.DynamicItem[discord.ui.Button],
                   template=rf"kitten-mixer:mx:(?P<key>{KEY_PATTERN}):(?P<action>{ACTION_PATTERN})"):
    # A press asks for the next mix: journaled like a command, replayed after a crash (journal.py).
    is_request: ClassVar[bool] = True

    def __init__(self, key: str, action: str, label: str):
        self.key, self.action = key, action
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary,
                                           custom_id=f"kitten-mixer:mx:{key}:{action}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> ResultButton:
        return cls(match["key"], match["action"], item.label or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        svc, lang = services(interaction), lang_of(interaction)
        # Read against the channel pressed in: a custom_id copied from another channel's result
        # gets a private note, never that channel's cats.
        state = svc.results.press(self.key, result_owner(interaction).chat, interaction.user.id)
        if isinstance(state, Refusal):
            refused("discord", "guild" if interaction.guild_id else "dm", f"button_{self.action}", state.value)
            await tell_privately(interaction, t(state.value, lang))
            return
        try:  # buttons don't go through the command tree, so its error handler is called by hand
            await remix(interaction, next_state(state, self.action, partial(random_cat, svc.engine)))
        except Exception as e:
            await answer_error(interaction, e)
