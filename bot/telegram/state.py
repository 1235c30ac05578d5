"""What the handlers share, kept in `application.bot_data` (one object, typed, instead of loose keys)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import CallbackContext

from bot.common.adoption import AdoptedCats
from bot.common.catalog import CatCatalog
from bot.common.face_asks import FaceAsks
from bot.common.results import ResultCache
from bot.common.retry import RetryStore
from bot.common.scheduler import Scheduler
from bot.common.settings import Settings
from bot.common.storage import Storage
from bot.common.texts import lang_for
from bot.telegram.albums import RecentAlbums
from bot.telegram.asks import Asks
from bot.telegram.group_notice import GroupNotices
from bot.telegram.media import TELEGRAM_DOWNLOAD_LIMIT
from vae_core.engine import Engine

if TYPE_CHECKING:
    from bot.telegram.inline import InlineMode
    from bot.telegram.journal import RequestJournal

STATE_KEY = "kitten_mixer"


@dataclass
class BotState:
    settings: Settings
    engine: Engine
    scheduler: Scheduler  # the fair line every picture-making request goes through
    retries: RetryStore = field(default_factory=RetryStore)  # requests the full line kept behind a button
    group_notices: GroupNotices | None = None  # groups' "who's in line" boards; set by `create`
    albums: RecentAlbums = field(default_factory=RecentAlbums)
    asks: Asks = field(default_factory=Asks)
    storage: Storage | None = None  # the SQLite file (adopted cats, request journal); set by build_application
    adopted: AdoptedCats | None = None  # the chats' own cats, over `storage`
    requests: RequestJournal | None = None  # the request journal, the clean stop (journal.py)
    results: ResultCache | None = None  # the cats behind the buttons under mixes; set by `create`
    catalog: CatCatalog | None = None  # the gallery and the chats' last mixes; set by `create`
    face_asks: FaceAsks | None = None  # open "tap its square" questions; set by `create`
    inline: InlineMode | None = None  # inline mode (`@bot 12 47` in any chat): bot/telegram/inline.py

    @classmethod
    def create(cls, settings: Settings, engine: Engine) -> BotState:
        scheduler = settings.scheduler()
        return cls(settings, engine, scheduler, RetryStore(settings.retry_keep_s), GroupNotices(scheduler),
                   results=settings.result_cache(), catalog=CatCatalog(engine, settings.kitten_gallery),
                   face_asks=FaceAsks(settings.face_ask_timeout_s))

    @property
    def download_limit(self) -> int:
        """Our upload limit, capped at what the public Bot API lets bots download (a self-hosted
        server, configured with a base URL, lifts that cap)."""
        limit = self.settings.max_upload_bytes
        return limit if self.settings.telegram_base_url else min(limit, TELEGRAM_DOWNLOAD_LIMIT)


def get_state(context: CallbackContext) -> BotState:
    return context.application.bot_data[STATE_KEY]


def lang_of(update: Update) -> str:
    user = update.effective_user
    return lang_for(user.language_code if user else None)
