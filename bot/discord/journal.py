"""Discord's side of the request journal (the Telegram side, and why, is in bot/telegram/journal.py;
what both share, the accept-serve-finish cycle, the sweep and the stop, in bot/common/journal_base.py).

A slash command or context menu is written down when it arrives, as much of the interaction's
payload as a replay needs (journal_payload.py): ids, the command and its options, attachment
URLs, and the interaction token with its expiry (Discord honours a token for 15 minutes); never
a picture, a name or a message's text. It is marked done when the command has run. After a
crash, a restart replays the open ones through the same command tree, as already acknowledged:
the result reaches the user through the interaction's follow-up webhook, which works from a new
process with the application id and the token alone. A request whose token has expired can no
longer be answered and is closed; one older than REQUEST_MAX_AGE_S gets an apology instead.

On SIGTERM the bot takes no new commands (each gets a private "restarting, try again" while its
token is fresh), lets the work in progress finish within STOP_GRACE_S, cancels hung downloads
and what does not fit (their users are told it continues after the restart), then closes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from bot.common.journal_base import RequestJournalBase
from bot.common.storage import JournalStore
from bot.common.storage.journal import JournalEntry
from bot.common.texts import t

from .journal_payload import minimal_interaction
from .say import follow_up, respond
from .services import chat_of, lang_of

PLATFORM = "discord"
TOKEN_LIFETIME_S = 15 * 60.0
TOKEN_MARGIN_S = 30.0  # don't start work on a token about to expire


class RequestJournal(RequestJournalBase[discord.Interaction]):
    PLATFORM = PLATFORM
    SEND_ERRORS = (discord.HTTPException,)

    def __init__(self, client: discord.Client, store: JournalStore, max_age_s: float, grace_s: float,
                 retry_after_s: float = 60.0):
        super().__init__(store, max_age_s, grace_s, retry_after_s)
        self.client = client
        self._raw: dict[int, dict] = {}  # interaction id -> its gateway payload, until journaled
        self._resumed: set[asyncio.Task] = set()

    def capture_payloads(self) -> None:
        """Keep each INTERACTION_CREATE payload for a moment: the Interaction object does not keep
        the whole payload, and a replay after a restart needs it."""
        parsers = self.client._connection.parsers  # the gateway looks events up in this very dict
        original = parsers["INTERACTION_CREATE"]

        def parse(data: dict) -> None:
            if data.get("type") == 2:  # application commands (slash, context menus)
                self._raw[int(data["id"])] = data
            original(data)

        parsers["INTERACTION_CREATE"] = parse

    async def run(self, interaction: discord.Interaction, call: Callable[[], Awaitable[None]],
                  entry_id: int | None = None) -> None:
        what = f"interaction {interaction.id}"
        if entry_id is None:
            raw = self._raw.pop(interaction.id, None)
            if raw is None:  # not a command (autocomplete), or not captured
                await call()
                return
            if self.inflight.stopping:
                await self._tell_now(interaction, "restarting_try_again")
                return
            expires = interaction.created_at.timestamp() + TOKEN_LIFETIME_S
            entry_id = await self.accept(what, str(interaction.id), chat_of(interaction), interaction.user.id,
                                         {"interaction": minimal_interaction(raw)}, call, expires_at=expires)
            if entry_id is None:
                return
        # Not delivered (Discord stayed down): kept open, the sweep tries again while the token lasts.
        done = entry_id
        await self.serve(what, call, lambda: self._tell_followup(interaction, "resume_later"),
                         lambda: self.store.finish([done]), entries=frozenset({entry_id}), ref=str(interaction.id))

    async def _tell_now(self, interaction: discord.Interaction, key: str) -> None:
        await self.tell_briefly(lambda: respond(interaction, t(key, lang_of(interaction)), ephemeral=True),
                                f"{key} to interaction {interaction.id}")

    async def _tell_followup(self, interaction: discord.Interaction, key: str) -> None:
        async def send() -> None:
            text = t(key, lang_of(interaction))
            if interaction.response.is_done():
                await follow_up(interaction, text, ephemeral=True)
            else:
                await respond(interaction, text, ephemeral=True)

        await self.tell_briefly(send, f"{key} to interaction {interaction.id}")

    # ---- start --------------------------------------------------------------------------------------
    async def resume(self) -> None:
        """After the gateway is up: finish what the last run accepted, oldest first; then, every
        so often, sweep up what this run could not answer (while the tokens last)."""
        await self.client.wait_until_ready()
        if self.client.is_closed():  # closed before it ever got ready: the next run will do it
            return
        await super().resume()
        while not self.client.is_closed():
            await asyncio.sleep(self.retry_after_s)
            await self.sweep()

    def _unanswerable(self, entry: JournalEntry, now: float) -> bool:
        """The interaction token has expired: nobody is left to answer."""
        return entry.expires_at is not None and entry.expires_at - TOKEN_MARGIN_S < now

    def _revive(self, entry: JournalEntry) -> discord.Interaction:
        """The interaction again, in this process, as already acknowledged ("thinking..." is shown)."""
        interaction = discord.Interaction(data=entry.payload["interaction"], state=self.client._connection)
        interaction.response._response_type = discord.InteractionResponseType.deferred_channel_message
        interaction.extras["resumed"] = True
        return interaction

    async def _apologise(self, interaction: discord.Interaction) -> None:
        await self._tell_followup(interaction, "request_expired")

    def _launch(self, entry: JournalEntry, interaction: discord.Interaction) -> None:
        tree = self.client.tree  # type: ignore[attr-defined]
        task = asyncio.create_task(self.run(interaction, lambda: _invoke(tree, interaction), entry.id),
                                   name="journal-resume")
        self._resumed.add(task)
        task.add_done_callback(self._resumed.discard)

    # ---- stop ---------------------------------------------------------------------------------------
    async def _end(self) -> None:
        await self.client.close()


async def _invoke(tree: app_commands.CommandTree, interaction: discord.Interaction) -> None:
    """What CommandTree._from_interaction does, in the caller's task (so a stop can cancel it)."""
    try:
        await tree._call(interaction)
    except app_commands.AppCommandError as e:
        await tree._dispatch_error(interaction, e)


class JournalingTree(app_commands.CommandTree):
    """The command tree, with every command going through the journal (when the bot has one)."""

    def _from_interaction(self, interaction: discord.Interaction) -> None:
        journal = getattr(getattr(self.client, "services", None), "requests", None)
        if journal is None or interaction.type is not discord.InteractionType.application_command:
            super()._from_interaction(interaction)
            return
        self.client.loop.create_task(journal.run(interaction, lambda: _invoke(self, interaction)),
                                     name="CommandTree-journaled")
