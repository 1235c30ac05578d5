"""Typed settings from the environment (and `.env`), in one place for both bots and the engine.

Tokens are wrapped in `Secret` so that printing or logging a Settings object never shows them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from bot.common.results import ResultCache
from bot.common.scheduler import Bounds, Scheduler
from vae_core.engine import DEFAULT_WEIGHTS, EngineSettings
from vae_core.gallery import DEFAULT_GALLERY
from vae_core.intake import IntakeLimits


class ConfigError(RuntimeError):
    """The settings can't start a bot; the message says what to fix."""


class Secret(str):
    def __repr__(self) -> str:
        return "Secret('***')" if self else "Secret('')"

    def reveal(self) -> str:
        return str.__str__(self)

    __str__ = __repr__


def _bool(v: str) -> bool:
    if v.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if v.strip().lower() in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a boolean: {v!r}")


_KIND_NAMES = {int: "a whole number", float: "a number", bool: "true or false"}


@dataclass(frozen=True)
class Settings:
    # model / engine
    kitten_weights: Path = DEFAULT_WEIGHTS
    kitten_gallery: Path = DEFAULT_GALLERY  # built-in cats (/cats, /mix 12 47, /map); gallery.json beside it
    engine_workers: int = 2
    engine_threads_per_worker: int = 1
    engine_max_pending: int = 16
    engine_timeout_s: float = 20.0
    # uploads
    max_upload_mb: float = 20.0
    max_pixels: int = 40_000_000
    min_side: int = 32
    # fairness in chats: the line (bot/common/scheduler.py) and the per-user rate
    queue_running: int = 4  # jobs in progress at once (download, mix, upload), all chats together
    queue_per_user: int = 3  # requests one user may have waiting
    queue_per_chat: int = 20  # requests one chat (group, server) may have waiting
    queue_total: int = 0  # requests waiting overall; 0: 4 x engine_max_pending (the engine's capacity)
    queue_notice_s: float = 1.0  # a request waiting longer than this is told its place in line
    rate_burst: int = 3  # requests a user may start back to back...
    rate_refill_s: float = 10.0  # ...then one more every this many seconds (the rest wait in line); 0: no limit
    retry_keep_s: float = 900.0  # how long a "try again" button keeps a refused request
    ask_timeout_s: float = 180.0  # `/mix` alone: how long we wait for the two photos
    album_wait_s: float = 1.0  # Telegram albums: how long to collect the photos of one album
    result_cache_mb: float = 64.0  # the buttons under mixes keep their two cats in memory, up to this much...
    result_cache_ttl_s: float = 3600.0  # ...and for this long; an older button says it has expired
    face_ask_timeout_s: float = 300.0  # "where's the face?": how long a request waits for the tap
    download_timeout_s: float = 15.0
    # storage: the chats' adopted cats (and the request journal), one SQLite file created on first run
    database_path: Path = Path("data/kitten-mixer.db")
    request_max_age_s: float = 600.0  # an unanswered request older than this gets an apology after a restart
    stop_grace_s: float = 6.0  # on SIGTERM: how long work in progress may finish (Docker kills at 10 s)
    send_retry_s: float = 30.0  # 5xx/network errors on a send: retried with backoff for about this long
    journal_retry_s: float = 60.0  # a request still unanswered (platform down) is tried again after this
    # telegram
    telegram_bot_token: Secret = Secret("")
    telegram_base_url: str = ""  # a local/self-hosted Bot API server, e.g. http://127.0.0.1:8081/bot
    telegram_base_file_url: str = ""
    telegram_webhook_url: str = ""  # set to run with a webhook instead of long polling
    telegram_webhook_port: int = 8443
    telegram_group_rate: int = 20  # calls a minute per group, Telegram's flood limit; 0: no client-side limit
    # inline mode (`@bot 12 47` in any chat): a private channel where the bot is an admin; pictures are uploaded
    # there once and answered by file id. 0: inline mode answers only with pictures it already has
    telegram_storage_chat_id: int = 0
    # discord
    discord_bot_token: Secret = Secret("")
    discord_guild_id: int = 0  # sync commands to this guild only (development)
    discord_owner_ids: str = ""  # comma-separated user ids allowed to resync
    discord_sharded: bool = False  # one process, every shard (discord.py's AutoShardedBot picks the count)
    discord_shard_count: int = 0  # shards in all, across every Discord process; 0: not set
    discord_shard_ids: str = ""  # this process's shards, e.g. "0,1" (needs DISCORD_SHARD_COUNT); "": all of them
    # scaling out (bot/common/scale.py): the fair line in Redis, mixes on `kitten-mixer worker` processes
    redis_url: Secret = Secret("")  # e.g. redis://:PASSWORD@10.0.0.5:6379/0; "": one process, as before
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, dotenv: str | Path | None = ".env") -> Settings:
        """Environment wins over `.env`; unknown keys are ignored, bad values raise ValueError."""
        values: dict[str, str] = {}
        if dotenv and Path(dotenv).is_file():
            from dotenv import dotenv_values

            values.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
        values.update(os.environ if env is None else env)
        kwargs = {}
        for f in fields(cls):
            raw = values.get(f.name.upper())
            if raw is None:
                continue
            kind = type(f.default)
            try:
                kwargs[f.name] = _bool(raw) if kind is bool else kind(raw) if kind is not Path else Path(raw)
            except ValueError:
                # the value is not echoed: a token pasted into the wrong setting must not reach a log
                raise ValueError(f"setting {f.name.upper()} must be {_KIND_NAMES.get(kind, kind.__name__)}") from None
        return cls(**kwargs)

    def engine_settings(self) -> EngineSettings:
        return EngineSettings(
            workers=self.engine_workers, threads_per_worker=self.engine_threads_per_worker,
            max_pending=self.engine_max_pending, timeout_s=self.engine_timeout_s,
            limits=IntakeLimits(max_bytes=int(self.max_upload_mb * 1024 * 1024), max_pixels=self.max_pixels,
                                min_side=self.min_side),
        )

    def queue_bounds(self) -> Bounds:
        total = self.queue_total if self.queue_total > 0 else 4 * max(1, self.engine_max_pending)
        return Bounds(running=max(1, self.queue_running), per_user=max(1, self.queue_per_user),
                      per_chat=max(1, self.queue_per_chat), total=total)

    def scheduler(self) -> Scheduler:
        """A fresh line for one bot process (in memory, or in Redis with REDIS_URL: bot/common/scale.py)."""
        from bot.common import scale

        return scale.scheduler(self)

    @property
    def shard_ids(self) -> list[int] | None:
        """DISCORD_SHARD_IDS as numbers; None: every shard (or no sharding)."""
        ids = [int(x) for x in self.discord_shard_ids.replace(" ", "").split(",") if x]
        if ids and self.discord_shard_count <= 0:
            raise ConfigError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the shards in all, across processes)")
        if any(not 0 <= i < self.discord_shard_count for i in ids):
            raise ConfigError(f"DISCORD_SHARD_IDS must be between 0 and {self.discord_shard_count - 1}")
        return ids or None

    def result_cache(self) -> ResultCache:
        """The buttons' memory for one bot process."""
        return ResultCache(int(self.result_cache_mb * 1024 * 1024), self.result_cache_ttl_s)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def owner_ids(self) -> set[int]:
        return {int(x) for x in self.discord_owner_ids.replace(" ", "").split(",") if x}
