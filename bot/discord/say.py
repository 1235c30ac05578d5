"""The one way the Discord bot puts text in front of users: every message content is cut to
Discord's 2,000 characters here (bot/common/fitting.py's `fit`, the rule Telegram's sends share).

Why: a content over the limit is refused by Discord (400 "Invalid Form Body"), and the user would
see only the generic apology, or nothing. Cutting where each handler builds its text would be a
check per handler, and the next handler would forget it; so handlers call these three instead of
`interaction.response.send_message`, `interaction.followup.send` and
`interaction.edit_original_response` (tests/bot/discord/test_discord_hostile.py checks that none
calls those directly).
"""

from __future__ import annotations

from typing import Any

import discord

from bot.common.fitting import DISCORD_CONTENT, fit

from .installs import spend_follow_up


def content(text: str) -> str:
    """`text` as Discord will take it: at most 2,000 characters, "…" when cut."""
    return fit(text, DISCORD_CONTENT)


async def respond(interaction: discord.Interaction, text: str, **kwargs: Any) -> None:
    """The interaction's first answer."""
    await interaction.response.send_message(content(text), **kwargs)


async def follow_up(interaction: discord.Interaction, text: str, **kwargs: Any) -> None:
    """A message after the first answer (or after a deferral, replacing its "thinking...").
    Counted: a user-installed interaction gets at most 5 (installs.py); one more is logged, not sent."""
    if not spend_follow_up(interaction):
        return
    await interaction.followup.send(content(text), **kwargs)


async def edit_original(interaction: discord.Interaction, text: str, **kwargs: Any) -> None:
    """Change the first answer (a place in line becoming the result)."""
    await interaction.edit_original_response(content=content(text), **kwargs)
