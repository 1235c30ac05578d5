"""The Discord bot: wiring (cogs, translator, error handler, command sync) and `run(settings)`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re

import aiohttp
import discord
from discord.ext import commands

from bot.common import scale
from bot.common.logtext import guard_root_handlers, hide
from bot.common.settings import Settings
from bot.common.storage import StorageError
from vae_core.checkpoint import CheckpointError
from vae_core.engine import Engine

from .cogs.admin import AdminCog
from .cogs.adopt import AdoptCog
from .cogs.gallery import GalleryCog
from .cogs.help import HelpCog
from .cogs.mix import MixCog
from .cogs.random import RandomCog
from .errors import on_tree_error
from .i18n import CatalogueTranslator
from .journal import JournalingTree, RequestJournal
from .presses import answer_stray_press, template_of
from .runner import RetryButton
from .services import Services
from .sync import sync_commands

log = logging.getLogger(__name__)

MISSING_TOKEN = ("DISCORD_BOT_TOKEN is not set: create an application at https://discord.com/developers, "
                 "copy its bot token and put DISCORD_BOT_TOKEN=... in the environment or .env")


def intents() -> discord.Intents:
    """Slash commands, context menus and buttons need no privileged intent (and asking for one
    on an unverified application makes the gateway refuse the connection)."""
    return discord.Intents(guilds=True)


class _KittenBot:
    """Shared by the plain and the auto-sharded bot; mixed in before the discord.py class."""

    services: Services

    def __init__(self, services: Services, **kwargs):
        self.services = services
        self._button_templates: list[re.Pattern[str]] = []  # of every DynamicItem added (see presses.py)
        super().__init__(command_prefix=commands.when_mentioned, intents=intents(), help_command=None,
                         tree_cls=JournalingTree, **kwargs)

    def add_dynamic_items(self, *items: type[discord.ui.DynamicItem]) -> None:
        self._button_templates.extend(template_of(item) for item in items)
        super().add_dynamic_items(*items)  # type: ignore[misc]

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await answer_stray_press(interaction, self._button_templates)  # every press gets an answer

    async def setup_hook(self) -> None:
        self.tree.error(on_tree_error)
        # A damaged file is set aside now, with a log line; one that can't be used at all is
        # logged once by the database, and the bot serves mixes, /random and the gallery without it.
        with contextlib.suppress(StorageError):
            await self.services.storage.open()
        await scale.keep_conversations(self.services.settings, self.services.storage, self.services.results,
                                       self.services.face_asks)  # buttons and face questions survive a restart
        requests = self.services.requests
        if requests is not None:  # the request journal: capture commands, replay the last run's
            requests.capture_payloads()
            await requests.load_unfinished()  # before the gateway: only the last run's requests
            if requests.handle_signals:
                requests.install_signal_handlers()
            self._resume_task = asyncio.create_task(requests.resume(), name="journal-resume-all")
        self._status_task = asyncio.create_task(self._status_rows(), name="status-rows")
        await self.tree.set_translator(CatalogueTranslator())
        await self.add_cog(AdoptCog())
        for cog in (MixCog(self), RandomCog(self), GalleryCog(self), HelpCog(), AdminCog(self)):
            await self.add_cog(cog)
        self.add_dynamic_items(RetryButton)  # "try again" under a full-line refusal
        try:
            await sync_commands(self.tree, self.services.settings.discord_guild_id)
        except discord.HTTPException as e:
            # Keep serving: the commands registered last time still work; the owner can /resync.
            log.error("command sync failed (%s %s); keeping the previously registered commands",
                      e.status, e.text)

    async def _status_rows(self) -> None:
        """`kitten-mixer status` without Redis reads this process's row (bot/common/scale.py)."""
        svc = self.services
        while True:
            await scale.write_status("discord", svc.settings, svc.storage, svc.scheduler, svc.engine)
            await asyncio.sleep(scale.STATUS_EVERY_S)

    async def close(self) -> None:
        for task in (getattr(self, "_resume_task", None), getattr(self, "_status_task", None)):
            if task is not None:
                task.cancel()
        await super().close()
        await self.services.close()


class KittenBot(_KittenBot, commands.Bot):
    pass


class ShardedKittenBot(_KittenBot, commands.AutoShardedBot):
    pass


def build_bot(settings: Settings, engine: Engine) -> KittenBot | ShardedKittenBot:
    """An unstarted bot; `await bot.start(token)` (or `run`) connects it."""
    engine = scale.engine(settings, engine)  # the in-process engine, or the workers (REDIS_URL)
    if settings.discord_shard_count > 0:  # several processes: each runs its DISCORD_SHARD_IDS of the count
        bot: KittenBot | ShardedKittenBot = ShardedKittenBot(Services(settings, engine),
                                                             shard_count=settings.discord_shard_count,
                                                             shard_ids=settings.shard_ids)
    else:
        bot = (ShardedKittenBot if settings.discord_sharded else KittenBot)(Services(settings, engine))
    bot.services.requests = RequestJournal(bot, bot.services.storage.journal, settings.request_max_age_s,
                                           settings.stop_grace_s, settings.journal_retry_s)
    return bot


def setup_logging(level_name: str) -> None:
    level = logging.getLevelName(level_name.upper())
    level = level if isinstance(level, int) else logging.INFO
    root = logging.getLogger()
    if root.handlers:  # the CLI already configured logging: a second handler would print every line twice
        root.setLevel(level)
    else:
        discord.utils.setup_logging(level=level)
    guard_root_handlers()  # a library's traceback must not copy users' words into the log either
    # discord.py's webhook DEBUG lines print request URLs, which hold interaction tokens.
    logging.getLogger("discord.webhook").setLevel(max(level, logging.INFO))


def run(settings: Settings) -> None:
    """Load the model, connect, serve until interrupted. Fails fast with a readable message."""
    token = settings.discord_bot_token.reveal().strip()
    if not token:
        raise SystemExit(MISSING_TOKEN)
    try:
        engine = Engine(settings.kitten_weights, settings.engine_settings())
    except CheckpointError as e:
        raise SystemExit(f"cannot load the model: {e} (set KITTEN_WEIGHTS to a Kitten Mixer checkpoint)") from None
    hide(token)  # never in a logged traceback, not even cut in half (bot/common/logtext.py)
    setup_logging(settings.log_level)
    log.info("model loaded from %s; connecting to Discord", settings.kitten_weights)
    bot = build_bot(settings, engine)
    bot.services.requests.handle_signals = True  # SIGTERM: the journal's clean stop, then close
    try:
        bot.run(token, log_handler=None)  # logging is already set up above
    except discord.LoginFailure:
        raise SystemExit("Discord refused DISCORD_BOT_TOKEN: check the token in the developer portal") from None
    except (aiohttp.ClientError, OSError) as e:
        raise SystemExit(f"Could not reach Discord ({e.__class__.__name__}: {e}); check the network.") from None
    finally:
        engine.close()
