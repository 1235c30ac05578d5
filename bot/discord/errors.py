"""Every failure becomes one private sentence for the user and one log line for us.

The tree's error handler and the "Roll again" button both come here, so a refused file, a busy
engine or a bug all read the same wherever they happen, and the bot keeps serving.
"""

from __future__ import annotations

import contextlib
import logging

import aiohttp
import discord
from discord import app_commands

from bot.common.inflight import current_work
from bot.common.logtext import safe_traceback
from bot.common.texts import error_text, t
from vae_core.errors import KittenError

from .say import follow_up, respond
from .services import lang_of

log = logging.getLogger(__name__)


class Notice(Exception):
    """A refusal we can explain: `key` names a texts.py sentence, `params` fill it in."""

    def __init__(self, key: str, **params: object):
        super().__init__(key)
        self.key = key
        self.params = params


class Answered(Exception):
    """The user has been told already (a full line, with its "try again" button): nothing more to say."""


class NotOwner(app_commands.CheckFailure):
    """Raised by the owner-only check on admin commands."""


def explain(error: BaseException, lang: str) -> tuple[str, bool]:
    """(sentence for the user, whether it was expected); unexpected ones are logged with a traceback."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, Notice):
        return t(error.key, lang, **error.params), True
    if isinstance(error, KittenError):
        return error_text(error, lang), True
    if isinstance(error, NotOwner):
        return t("not_owner", lang), True
    return t("internal_error", lang), False


def _describe(interaction: discord.Interaction) -> str:
    """Who and what, for the log: never the interaction token (it is a credential for 15 minutes)."""
    what = interaction.command.qualified_name if interaction.command else (interaction.data or {}).get("custom_id")
    return f"{what!r} from user {interaction.user.id} in {interaction.guild_id or 'DM'}"


def _reason(error: BaseException) -> str:
    """Why, in our words: a texts.py key or an error code (never the user's input)."""
    if isinstance(error, Notice):
        return error.key
    if isinstance(error, KittenError):
        return error.code
    return type(error).__name__


def _platform_down(error: BaseException) -> bool:
    """Discord's 5xx (after discord.py's own retries) or the network: not the request's fault."""
    return isinstance(error, (discord.DiscordServerError, aiohttp.ClientConnectionError))


async def answer_error(interaction: discord.Interaction, error: BaseException) -> None:
    if isinstance(getattr(error, "original", error), Answered):
        return
    work = current_work()
    if work is not None and _platform_down(getattr(error, "original", error)):
        # The answer could not be sent; the request is still in the journal and is tried again
        # later (journal.py). An apology now would not get through either.
        work.undelivered = True
        log.warning("%s: Discord unreachable (%s); the request will be tried again", _describe(interaction),
                    type(getattr(error, "original", error)).__name__)
        return
    text, expected = explain(error, lang_of(interaction))
    if expected:
        log.info("refused %s: %s", _describe(interaction), _reason(getattr(error, "original", error)))
    else:
        # As text with its messages cut (bot/common/logtext.py): they may quote what the user typed.
        log.error("failed %s\n%s", _describe(interaction), safe_traceback(getattr(error, "original", error)))
    try:
        await tell_privately(interaction, text)
    except discord.HTTPException as e:  # the interaction expired or was deleted: nobody to tell
        log.warning("could not answer %s: %s", _describe(interaction), e)


async def tell_privately(interaction: discord.Interaction, text: str) -> None:
    """Send `text` so only the user sees it, whatever has been answered so far.

    After a public deferral the first follow-up would replace the "thinking..." message *with
    its public visibility*, so that placeholder is deleted first and the sentence sent as a new,
    ephemeral follow-up.
    """
    mentions = discord.AllowedMentions.none()
    if not interaction.response.is_done():
        await respond(interaction, text, ephemeral=True, allowed_mentions=mentions)
        return
    deferred = interaction.response.type is discord.InteractionResponseType.deferred_channel_message
    if deferred and not interaction.extras.get("delivered"):
        with contextlib.suppress(discord.HTTPException):  # already gone: fine
            await interaction.delete_original_response()
    await follow_up(interaction, text, ephemeral=True, allowed_mentions=mentions)


async def on_tree_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    await answer_error(interaction, error)
