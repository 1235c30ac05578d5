"""What every handler needs (settings, engine, limiter, HTTP session), reachable from any interaction.

Handlers receive a bare `discord.Interaction` (commands, context menus, and buttons that survive
restarts all look alike), so the shared pieces hang off the client instead of module globals:
tests can run several bots side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, cast

import aiohttp
import discord

from bot.common.adoption import AdoptedCats
from bot.common.limits import Limiter
from bot.common.settings import Settings
from bot.common.storage import Storage
from bot.common.texts import lang_for
from vae_core.engine import Engine

if TYPE_CHECKING:
    from .journal import RequestJournal


class CooldownLimiter(Limiter):
    """The shared limiter, plus a read-only look at the cooldown.

    The app-command check uses the look to refuse early, without taking a job slot that an
    unfinished command could leak; the slot itself is taken when the work begins.
    """

    def cooldown_left(self, user_id: int) -> float:
        last = self._last_start.get(user_id)
        if last is None or not self.cooldown_s:
            return 0.0
        return max(0.0, self.cooldown_s - (self._clock() - last))


@dataclass
class Services:
    settings: Settings
    engine: Engine
    limiter: CooldownLimiter = field(init=False)
    storage: Storage = field(init=False)  # the SQLite file: adopted cats (and the request journal)
    adopted: AdoptedCats = field(init=False)  # the servers' own cats
    requests: RequestJournal | None = field(default=None, init=False)  # set by build_bot (journal.py)
    _session: aiohttp.ClientSession | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.storage = Storage.create(self.settings.database_path)
        self.adopted = AdoptedCats(self.storage.cats, self.engine.model.config.latent_dim)
        self.limiter = CooldownLimiter(self.settings.user_cooldown_s, self.settings.chat_max_jobs)

    @property
    def session(self) -> aiohttp.ClientSession:
        """Attachment downloads; opened on first use, inside the running loop as aiohttp wants."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self.storage.close()


class _HasServices(Protocol):
    services: Services


def services(interaction: discord.Interaction) -> Services:
    return cast(_HasServices, interaction.client).services


def lang_of(interaction: discord.Interaction) -> str:
    """Discord sends the user's client language (`es-ES`, `es-419`, `en-US`...)."""
    return lang_for(interaction.locale.value)


def chat_of(interaction: discord.Interaction) -> int:
    """The unit the in-flight cap applies to: the server, or the DM channel outside servers."""
    return interaction.guild_id or interaction.channel_id or interaction.user.id
