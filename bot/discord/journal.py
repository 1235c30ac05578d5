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

A press on a button that asks for work (a result's swap, boomerang, grid, more or random cat; a
face question's square: the items that say `is_request`) is a request too: the user sees
"thinking..." and waits for a picture. It is written down the same way (its custom_id and the
message it was pressed on, journal_payload.py), marked done once answered, and replayed after a
restart through discord.py's own DynamicItem dispatch, so the same `callback` answers it. Stray
presses and buttons that only page or repeat a refusal are not journaled.

On SIGTERM the bot takes no new commands (each gets a private "restarting, try again" while its
token is fresh), lets the work in progress finish within STOP_GRACE_S, cancels hung downloads
and what does not fit (their users are told it continues after the restart), then closes.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.common.journal_base import RequestJournalBase
from bot.common.storage import JournalStore
from bot.common.storage.journal import JournalEntry
from bot.common.texts import t

from .journal_payload import minimal_interaction
from .presses import reaches_an_item, template_of
from .say import follow_up, respond
from .services import chat_of, lang_of

PLATFORM = "discord"
TOKEN_LIFETIME_S = 15 * 60.0
TOKEN_MARGIN_S = 30.0  # don't start work on a token about to expire
RAW_KEPT_S = 60.0  # a captured payload nothing journaled (a press no item took) is dropped after this

Pressed = type[discord.ui.DynamicItem[Any]]


def is_request(item: Pressed) -> bool:
    """Whether presses on `item` ask for work that must not be lost (the item says so)."""
    return bool(getattr(item, "is_request", False))


class RequestJournal(RequestJournalBase[discord.Interaction]):
    PLATFORM = PLATFORM
    SEND_ERRORS = (discord.HTTPException,)

    def __init__(self, client: discord.Client, store: JournalStore, max_age_s: float, grace_s: float,
                 retry_after_s: float = 60.0):
        super().__init__(store, max_age_s, grace_s, retry_after_s)
        self.client = client
        # interaction id -> (when it came, its gateway payload), until journaled
        self._raw: OrderedDict[int, tuple[float, dict]] = OrderedDict()
        self._resumed: set[asyncio.Task] = set()
        self._views = client._connection._view_store  # where discord.py keeps the DynamicItem classes
        self._dispatch_press = self._views.schedule_dynamic_item_call  # discord.py's own, unjournaled

    def capture_payloads(self) -> None:
        """Keep each INTERACTION_CREATE payload of a command or of a press on a button that asks
        for work, for a moment: the Interaction object does not keep the whole payload, and a
        replay after a restart needs it. And send those presses through the journal."""
        parsers = self.client._connection.parsers  # the gateway looks events up in this very dict
        original = parsers["INTERACTION_CREATE"]

        def parse(data: dict) -> None:
            kind = data.get("type")
            if kind == 2 or (kind == 3 and self._press_for((data.get("data") or {}).get("custom_id")) is not None):
                self._keep_raw(int(data["id"]), data)
            original(data)

        parsers["INTERACTION_CREATE"] = parse
        # discord.py runs a DynamicItem's callback through this method, in a task of its own; the
        # view store looks it up on itself, so an instance attribute takes its place.
        self._views.schedule_dynamic_item_call = self._journaled_press

    def _keep_raw(self, interaction_id: int, data: dict) -> None:
        """Keep `data` until `run` takes it; what no handler took (a modified client's press on a
        message without that button) goes after RAW_KEPT_S, so nobody can fill the memory."""
        now = time.monotonic()
        self._raw[interaction_id] = (now, data)
        while self._raw and next(iter(self._raw.values()))[0] < now - RAW_KEPT_S:
            self._raw.popitem(last=False)

    def _press_for(self, custom_id: object) -> tuple[Pressed, re.Match[str]] | None:
        """The journaled DynamicItem class a custom_id belongs to, with the template's match."""
        if not isinstance(custom_id, str):
            return None
        for pattern, item in self._views._dynamic_items.items():
            if is_request(item) and (match := pattern.fullmatch(custom_id)) is not None:
                return item, match
        return None

    async def _journaled_press(self, component_type: int, item: Pressed, interaction: discord.Interaction,
                               custom_id: str, match: re.Match[str]) -> None:
        """discord.py's dispatch of a press to a DynamicItem; through `run` when the item asks for work."""
        async def call() -> None:
            await self._dispatch_press(component_type, item, interaction, custom_id, match)

        if is_request(item) and reaches_an_item(interaction, [template_of(item)]):
            await self.run(interaction, call)
        else:  # a page turn, a "try again" or a stray press: nothing to keep
            await call()

    async def run(self, interaction: discord.Interaction, call: Callable[[], Awaitable[None]],
                  entry_id: int | None = None) -> None:
        what = f"interaction {interaction.id}"
        if entry_id is None:
            kept = self._raw.pop(interaction.id, None)
            if kept is None:  # not a command (autocomplete) nor a journaled press, or not captured
                await call()
                return
            raw = kept[1]
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
        """The interaction again, in this process, as already acknowledged: "thinking..." is shown,
        or for a press on an item that answers by editing its message (`acknowledged_as`), that."""
        interaction = discord.Interaction(data=entry.payload["interaction"], state=self.client._connection)
        ack = discord.InteractionResponseType.deferred_channel_message
        if interaction.type is discord.InteractionType.component:
            found = self._press_for((interaction.data or {}).get("custom_id"))
            ack = getattr(found[0], "acknowledged_as", ack) if found is not None else ack
        interaction.response._response_type = ack
        interaction.extras["resumed"] = True
        return interaction

    async def _apologise(self, interaction: discord.Interaction) -> None:
        await self._tell_followup(interaction, "request_expired")

    def _launch(self, entry: JournalEntry, interaction: discord.Interaction) -> None:
        tree = self.client.tree  # type: ignore[attr-defined]

        async def call() -> None:
            if interaction.type is discord.InteractionType.component:
                await self._press(interaction)
            else:
                await _invoke(tree, interaction)

        task = asyncio.create_task(self.run(interaction, call, entry.id), name="journal-resume")
        self._resumed.add(task)
        task.add_done_callback(self._resumed.discard)

    async def _press(self, interaction: discord.Interaction) -> None:
        """What discord.py does with a press (ViewStore.dispatch_dynamic_items), in the caller's task
        (so a stop can cancel it): the item its custom_id names, made by `from_custom_id` from the
        kept button, runs its callback."""
        data = interaction.data or {}
        custom_id = data.get("custom_id")
        found = self._press_for(custom_id)
        if found is None:  # no button of this version takes it any more
            self.log.info("interaction %s: no button takes it now; telling the user", interaction.id)
            await self._tell_followup(interaction, "button_expired")
            return
        item, match = found
        await self._dispatch_press(int(data.get("component_type", 2)), item, interaction, str(custom_id), match)

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
