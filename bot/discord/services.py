"""What every handler needs (settings, engine, the fair line, HTTP session), reachable from any interaction.

Handlers receive a bare `discord.Interaction` (commands, context menus, and buttons that survive
restarts all look alike), so the shared pieces hang off the client instead of module globals:
tests can run several bots side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, cast

import aiohttp
import discord

from bot.common import scale
from bot.common.adoption import AdoptedCats
from bot.common.catalog import CatCatalog
from bot.common.face_asks import FaceAsks
from bot.common.results import ResultCache
from bot.common.retry import RetryStore
from bot.common.scheduler import Scheduler
from bot.common.settings import Settings
from bot.common.storage import Storage
from bot.common.texts import lang_for
from vae_core.engine import Engine

if TYPE_CHECKING:
    from .journal import RequestJournal


@dataclass
class Services:
    settings: Settings
    engine: Engine
    scheduler: Scheduler = field(init=False)  # the fair line (see line.py)
    retries: RetryStore = field(init=False)  # requests a full line kept behind a "try again" button
    storage: Storage = field(init=False)  # the SQLite file: adopted cats (and the request journal)
    adopted: AdoptedCats = field(init=False)  # the servers' own cats
    requests: RequestJournal | None = field(default=None, init=False)  # set by build_bot (journal.py)
    results: ResultCache = field(init=False)  # the cats behind the buttons under mixes (bot/common/results.py)
    catalog: CatCatalog = field(init=False)  # the gallery (loaded on first use) and the servers' last mixes
    face_asks: FaceAsks = field(init=False)  # open "tap its square" questions (faces.py)
    _session: aiohttp.ClientSession | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.storage = Storage.create(self.settings.database_path)
        self.adopted = AdoptedCats(self.storage.cats, self.engine.model.config.latent_dim)
        self.scheduler = self.settings.scheduler()
        self.retries = RetryStore(self.settings.retry_keep_s)
        self.results = self.settings.result_cache()
        self.catalog = CatCatalog(self.engine, self.settings.kitten_gallery)
        self.face_asks = FaceAsks(self.settings.face_ask_timeout_s)

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
        # the shared line, the workers' connections, the kept store's last writes
        await scale.close(self.scheduler, self.engine, self.results, self.face_asks)
        await self.storage.close()


class _HasServices(Protocol):
    services: Services


def services(interaction: discord.Interaction) -> Services:
    return cast(_HasServices, interaction.client).services


def lang_of(interaction: discord.Interaction) -> str:
    """Discord sends the user's client language (`es-ES`, `es-419`, `en-US`...)."""
    return lang_for(interaction.locale.value)


def chat_of(interaction: discord.Interaction) -> int:
    """The unit the line takes turns between: the server, or the DM channel outside servers."""
    return interaction.guild_id or interaction.channel_id or interaction.user.id
