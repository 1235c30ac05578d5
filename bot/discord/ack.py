"""Answering within Discord's 3 seconds without giving up private error messages.

A public deferral makes every later answer to that interaction public-by-default, so cheap work
that can fail on the user's file (downloading and sniffing it) is given a short head start
first: if it finishes in time, a problem is answered with an immediate ephemeral message; if
not, we defer publicly and keep waiting (an error then goes through `errors.tell_privately`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import discord

T = TypeVar("T")

# Well inside the 3 s Discord allows, leaving room for network latency and the callback itself.
HEAD_START_S = 1.5


async def defer(interaction: discord.Interaction) -> None:
    """Show "thinking..." publicly: real work (the mix) is about to start."""
    if not interaction.response.is_done():
        answered = await interaction.response.defer(thinking=True)
        if answered is not None and answered.is_ephemeral():  # Discord made it private (installs.py)
            interaction.extras["forced_private"] = True


async def before_deferring(interaction: discord.Interaction, work: Awaitable[T],
                           head_start: float = HEAD_START_S) -> T:
    """Await `work`; if it is not done after `head_start` seconds, defer and keep waiting."""
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=head_start)
        if not done:
            await defer(interaction)
        return await task
    finally:
        if not task.done():
            task.cancel()
