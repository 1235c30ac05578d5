"""Discord's side of the request journal (the Telegram side, and why, is in bot/telegram/journal.py).

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
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from bot.common.backoff import reason
from bot.common.inflight import InFlight
from bot.common.storage import JournalStore, StorageError
from bot.common.storage.journal import CLOSED
from bot.common.texts import t

from .journal_payload import minimal_interaction
from .say import follow_up, respond
from .services import chat_of, lang_of

log = logging.getLogger(__name__)

PLATFORM = "discord"
TOKEN_LIFETIME_S = 15 * 60.0
TOKEN_MARGIN_S = 30.0  # don't start work on a token about to expire
HUNG_DOWNLOAD_S = 1.5
TELL_TIMEOUT_S = 1.5
PRUNE_AFTER_S = 86_400.0


class RequestJournal:
    def __init__(self, client: discord.Client, store: JournalStore, max_age_s: float, grace_s: float,
                 retry_after_s: float = 60.0):
        self.client, self.store = client, store
        self.max_age_s, self.grace_s, self.retry_after_s = max_age_s, grace_s, retry_after_s
        self.inflight = InFlight()
        self.handle_signals = False  # `run` sets it
        self._raw: dict[int, dict] = {}  # interaction id -> its gateway payload, until journaled
        self._resumed: set[asyncio.Task] = set()
        self._leftovers: list = []  # the previous run's open requests (load_unfinished)

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
        if entry_id is None:
            raw = self._raw.pop(interaction.id, None)
            if raw is None:  # not a command (autocomplete), or not captured
                await call()
                return
            if self.inflight.stopping:
                await self._tell_now(interaction, "restarting_try_again")
                return
            expires = interaction.created_at.timestamp() + TOKEN_LIFETIME_S
            try:
                entry_id = await self.store.accept(PLATFORM, str(interaction.id), chat_of(interaction),
                                                   interaction.user.id, {"interaction": minimal_interaction(raw)},
                                                   expires_at=expires)
            except Exception as e:  # a broken disk must not cost the user their answer: serve, unjournaled
                # StorageError: the database logged why, once; a line per request would bury it.
                log.log(logging.DEBUG if isinstance(e, StorageError) else logging.ERROR,
                        "interaction %s: could not journal it (%s); serving it anyway", interaction.id, reason(e))
                await call()
                return
            if entry_id is None:
                log.info("interaction %s was journaled before; not answering it twice", interaction.id)
                return
        with self.inflight.running(entries=frozenset({entry_id})) as work:
            try:
                await call()
            except asyncio.CancelledError:
                if not work.cancelled_by_stop:
                    raise
                await self._tell_followup(interaction, "resume_later")
                return
        if work.undelivered:  # Discord stayed down: kept open, the sweep tries again while the token lasts
            return
        try:
            await self.store.finish([entry_id])
        except Exception as e:  # answered already; at worst a restart repeats it
            log.error("interaction %s: could not mark it done (%s)", interaction.id, reason(e))

    async def _tell_now(self, interaction: discord.Interaction, key: str) -> None:
        with contextlib.suppress(discord.HTTPException, TimeoutError):
            async with asyncio.timeout(TELL_TIMEOUT_S):
                await respond(interaction, t(key, lang_of(interaction)), ephemeral=True)

    async def _tell_followup(self, interaction: discord.Interaction, key: str) -> None:
        try:
            async with asyncio.timeout(TELL_TIMEOUT_S):
                text = t(key, lang_of(interaction))
                if interaction.response.is_done():
                    await follow_up(interaction, text, ephemeral=True)
                else:
                    await respond(interaction, text, ephemeral=True)
        except (discord.HTTPException, TimeoutError) as e:
            log.warning("could not say %s to interaction %s (%s)", key, interaction.id, type(e).__name__)

    # ---- start ------------------------------------------------------------------------------------
    async def load_unfinished(self) -> None:
        """Read what the previous run left open, before this run can accept anything: a request
        this run accepts must never be taken for a leftover and run twice."""
        try:
            self._leftovers = await self.store.unfinished(PLATFORM)
            await self.store.prune(PRUNE_AFTER_S)
        except StorageError:  # the bot serves without its journal; the database logged why
            self._leftovers = []

    async def resume(self) -> None:
        """After the gateway is up: finish what the last run accepted, oldest first."""
        entries, self._leftovers = self._leftovers, []
        await self.client.wait_until_ready()
        if self.client.is_closed():  # closed before it ever got ready: the next run will do it
            return
        if entries:
            log.info("resuming %d unfinished request(s) from the journal", len(entries))
            await self._replay(entries)
        while not self.client.is_closed():  # then, every so often, what this run could not answer
            await asyncio.sleep(self.retry_after_s)
            await self.sweep()

    async def sweep(self) -> None:
        """Try again the requests left open that nothing is working on (Discord was down when the
        answer was due), while their tokens last."""
        if self.inflight.stopping:
            return
        busy, _ = self.inflight.busy()  # first: what finishes meanwhile was busy, so is skipped
        now = time.time()
        try:
            unfinished = await self.store.unfinished(PLATFORM)
        except StorageError:  # nothing to read now; the database logged why
            return
        todo = [e for e in unfinished
                if e.id not in busy and now - e.accepted_at >= self.retry_after_s]
        if todo:
            log.info("trying %d unanswered request(s) again", len(todo))
            await self._replay(todo)

    async def _replay(self, entries: list) -> None:
        now = time.time()
        tree = self.client.tree  # type: ignore[attr-defined]
        for entry in entries:
            if entry.expires_at is not None and entry.expires_at - TOKEN_MARGIN_S < now:
                log.info("request %s: its interaction token has expired; nobody left to answer", entry.id)
                await self.store.finish([entry.id], CLOSED)
                continue
            interaction = self._revive(entry.payload["interaction"])
            if now - entry.accepted_at > self.max_age_s:
                await self._tell_followup(interaction, "request_expired")
                await self.store.finish([entry.id], CLOSED)
                continue
            task = asyncio.create_task(self.run(interaction, lambda i=interaction: _invoke(tree, i), entry.id),
                                       name="journal-resume")
            self._resumed.add(task)
            task.add_done_callback(self._resumed.discard)
            await asyncio.sleep(0)  # take their places in line in arrival order

    def _revive(self, raw: dict) -> discord.Interaction:
        """The interaction again, in this process, as already acknowledged ("thinking..." is shown)."""
        interaction = discord.Interaction(data=raw, state=self.client._connection)
        interaction.response._response_type = discord.InteractionResponseType.deferred_channel_message
        interaction.extras["resumed"] = True
        return interaction

    # ---- stop -------------------------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda s=sig: asyncio.ensure_future(self._stop_and_close(s.name)))

    async def _stop_and_close(self, why: str) -> None:
        await self.stop(why)
        await self.client.close()

    async def stop(self, why: str = "stop") -> None:
        if self.inflight.stopping:
            return
        self.inflight.stopping = True
        loop = asyncio.get_running_loop()
        start = loop.time()
        log.info("%s: no new work; finishing what is in progress (up to %.0f s)", why, self.grace_s)
        cancelled = await self.inflight.drain(self.grace_s, HUNG_DOWNLOAD_S)
        await self.inflight.settle(TELL_TIMEOUT_S + 0.5)
        log.info("%s: done in %.1f s (%d request(s) left in the journal for the restart)", why,
                 loop.time() - start, cancelled)


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
