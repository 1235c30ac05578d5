"""Discord's way into the shared fair line (bot/common/scheduler.py), and its "try again" button.

`job(interaction, retry)` takes a place in line and holds it for the block. Discord wants an
answer within 3 seconds, so a request still waiting after QUEUE_NOTICE_S (at most ~2 s) is
deferred and its "thinking..." message becomes "You're #3 in line..."; `replies.send_result`
then edits that message into the result. A full line answers privately, with a button that
keeps the request (its attachments and options) for a while; a button press that meets a full
line gets a private note only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import discord

from bot.common.request_log import RequestLog, activate, deactivate
from bot.common.scheduler import LineFull
from bot.common.texts import t
from vae_core.errors import KittenError

from .ack import defer
from .errors import Answered, Notice, answer_error, tell_privately
from .say import edit_original, follow_up, respond
from .services import chat_of, lang_of, services

log = logging.getLogger(__name__)

Retry = Callable[[discord.Interaction], Awaitable[None]]  # runs the same request for a new interaction
NOTICE_BY_S = 2.0  # the place notice doubles as the acknowledgement, which is due within 3 s
DEFER_AFTER_WAIT_S = 0.5  # waited this long already: acknowledge before downloading anything


@asynccontextmanager
async def job(interaction: discord.Interaction, retry: Retry) -> AsyncIterator[None]:
    """Wait for a turn in the fair line, run the block, give the turn back (and the user's rate
    token, when the block failed: a bad file should not cost a turn)."""
    svc = services(interaction)
    lang = lang_of(interaction)
    retry_key = interaction.extras.get("retry_key")
    record = RequestLog("discord", "guild" if interaction.guild_id else "dm", _kind(interaction))
    try:
        ticket = svc.scheduler.enter(interaction.user.id, chat_of(interaction))
    except LineFull as full:
        record.done("refused", f"line_full_{full.scope}")
        await _refuse(interaction, full, retry, retry_key)
        raise Answered() from None
    if retry_key is not None:
        svc.retries.discard(retry_key)

    async def show_place(place: int) -> None:
        try:
            await defer(interaction)
            await edit_original(interaction, t("queue_place", lang, place=place))
            interaction.extras["placed"] = True
        except discord.HTTPException as e:  # a courtesy: the job still runs
            log.warning("could not show the place in line: %s %s", e.status, type(e).__name__)

    ok = False
    token = activate(record)  # one log line per request (bot/common/request_log.py)
    try:
        with record.stage("wait"):
            await svc.scheduler.wait_turn(ticket, show_place, min(svc.settings.queue_notice_s, NOTICE_BY_S))
        if ticket.waited_s > DEFER_AFTER_WAIT_S:
            log.info("%s waited %.1f s in line", interaction.user.id, ticket.waited_s)
            await defer(interaction)
        yield
        ok = True
        if interaction.extras.get("delivered"):
            record.done("ok")
        else:  # the block answered without a picture (e.g. "where's the face?")
            record.done("answered", "no_picture_sent")
    except Answered:
        record.done("answered", "asked_where_the_face_is")
        raise
    except Notice as notice:
        record.done("refused", notice.key)
        raise
    except KittenError as err:
        record.done("failed" if err.code in ("busy", "timeout") else "refused", err.code)
        raise
    except BaseException as e:
        record.done("failed", type(e).__name__)
        raise
    finally:
        deactivate(token)
        svc.scheduler.finish(ticket, charged=ok)


def _kind(interaction: discord.Interaction) -> str:
    """The command's name, or "button" for a component: never anything the user typed."""
    return interaction.command.name if interaction.command else "button"


async def _refuse(interaction: discord.Interaction, full: LineFull, retry: Retry, retry_key: str | None) -> None:
    svc, lang = services(interaction), lang_of(interaction)
    log.info("refused user %s in %s: line full (%s, %d waiting)", interaction.user.id,
             interaction.guild_id or "DM", full.scope, full.count)
    if retry_key is not None or interaction.type is discord.InteractionType.component:
        await tell_privately(interaction, t("retry_still_full", lang))  # a button press: a private note only
        return
    view = discord.ui.View(timeout=None)
    view.add_item(RetryButton(svc.retries.put(interaction.user.id, retry), t("retry_button", lang)))
    text = t(full.key, lang, count=full.count)
    if interaction.response.is_done():
        await follow_up(interaction, text, view=view, ephemeral=True)
    else:
        await respond(interaction, text, view=view, ephemeral=True)


RETRY_TEMPLATE = r"kitten-mixer:retry:(?P<key>[A-Za-z0-9_-]{1,40})"


class RetryButton(discord.ui.DynamicItem[discord.ui.Button], template=RETRY_TEMPLATE):
    """Sends a request the full line turned away back to the line (kept in memory, see retry.py)."""

    def __init__(self, key: str, label: str):
        self.key = key
        super().__init__(discord.ui.Button(label=label, emoji="🔁", style=discord.ButtonStyle.primary,
                                           custom_id=f"kitten-mixer:retry:{key}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> RetryButton:
        return cls(match["key"], item.label or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        lang = lang_of(interaction)
        kept = services(interaction).retries.get(self.key)
        try:
            if kept is None:
                await tell_privately(interaction, t("retry_expired", lang))
            elif kept.user_id != interaction.user.id:
                await tell_privately(interaction, t("retry_not_yours", lang))
            else:
                interaction.extras["retry_key"] = self.key
                await kept.item(interaction)
        except Exception as e:  # buttons don't go through the command tree's error handler
            await answer_error(interaction, e)
