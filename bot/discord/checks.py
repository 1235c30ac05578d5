"""Fairness and permission checks: per-user cooldown, per-server jobs in flight, owner-only.

The cooldown and the in-flight cap come from `bot.common.limits` (shared with Telegram). The
app-command check only *looks* at the cooldown, so a user on cooldown is refused before any
file is examined; the job slot is taken by `job()` when the work starts, and a request that
delivered nothing (bad file, busy engine) gives the cooldown back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import discord
from discord import app_commands
from discord.ext import commands

from bot.common.limits import Refusal
from vae_core.errors import EngineBusy

from .errors import Notice, NotOwner
from .services import chat_of, services


async def cooling_down(interaction: discord.Interaction) -> bool:
    """Check predicate: refuse early (as CommandOnCooldown) while the user is cooling down."""
    limiter = services(interaction).limiter
    left = limiter.cooldown_left(interaction.user.id)
    if left > 0:
        raise app_commands.CommandOnCooldown(app_commands.Cooldown(1, limiter.cooldown_s), left)
    return True


def cooldown_check():
    """Decorator form of `cooling_down`, for slash commands (context menus use `add_check`)."""
    return app_commands.check(cooling_down)


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


@asynccontextmanager
async def job(interaction: discord.Interaction) -> AsyncIterator[None]:
    """Hold one of the server's job slots for the block; charge the cooldown only if it succeeds.

    A full engine is refused here, before anything is deferred, so the "busy" answer stays private.
    """
    svc = services(interaction)
    engine = svc.engine
    if engine.pending >= engine.settings.max_pending:
        raise EngineBusy("I'm mixing lots of cats right now; please try again in a moment.")
    slot = svc.limiter.try_start(interaction.user.id, chat_of(interaction))
    if isinstance(slot, Refusal):
        raise Notice(slot.key, **slot.params)
    ok = False
    try:
        yield
        ok = True
    finally:
        slot.release(charge=ok)
