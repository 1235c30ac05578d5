"""Every button press gets an answer, even one no button of ours can take.

Why: discord.py hands a component interaction to a `DynamicItem` only when its custom_id fits
the item's template *and* the message carries a component with that id; anything else (empty,
unknown or malformed data from a modified client, a button of an older version) is silently
dropped, and the user sees "This interaction failed" after three seconds. The bot answers those
with a short private note instead (Telegram's counterpart is the toast in handlers/unknown.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import discord

from bot.common.request_log import refused
from bot.common.texts import t

from .errors import tell_privately
from .services import lang_of

log = logging.getLogger(__name__)


def template_of(item: type[discord.ui.DynamicItem]) -> re.Pattern[str]:
    """The compiled custom_id template discord.py matches a DynamicItem class by."""
    return item.__discord_ui_compiled_template__


def _on_the_message(interaction: discord.Interaction, custom_id: str) -> bool:
    message = interaction.message
    if message is None:
        return False
    for row in message.components:
        for component in getattr(row, "children", [row]):
            if getattr(component, "custom_id", None) == custom_id:
                return True
    return False


def reaches_an_item(interaction: discord.Interaction, templates: Iterable[re.Pattern[str]]) -> bool:
    """Whether discord.py will give this press to one of our DynamicItems (which then answer it)."""
    custom_id = (interaction.data or {}).get("custom_id")
    if not isinstance(custom_id, str):
        return False
    return any(p.fullmatch(custom_id) for p in templates) and _on_the_message(interaction, custom_id)


async def answer_stray_press(interaction: discord.Interaction, templates: Iterable[re.Pattern[str]]) -> None:
    """For `on_interaction`: a component press no item will take gets "this button doesn't do anything"."""
    if interaction.type is not discord.InteractionType.component or reaches_an_item(interaction, templates):
        return
    refused("discord", "guild" if interaction.guild_id else "dm", "button", "button_unknown")
    try:
        await tell_privately(interaction, t("button_unknown", lang_of(interaction)))
    except discord.HTTPException as e:  # expired or already answered: nobody left to tell
        log.info("could not answer a stray button press (%s)", type(e).__name__)
