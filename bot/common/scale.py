"""The one switch between one process and scaling out (REDIS_URL, issue 24).

Both bots ask this module for their fair line and their engine; nothing else looks at REDIS_URL.

- Without it (the default): the in-memory line and token buckets, and the in-process engine,
  exactly as before.
- With it: the line and the buckets in Redis, shared by every bot process (bot/common/redis_line.py,
  on the wall clock all processes share), and `mix` / `random` sent as jobs to `kitten-mixer worker`
  processes (bot/common/remote_jobs.py). The local engine stays for the cheap calls (gallery
  pictures, cats from latents, the face question's cuts), so the bot still loads the model.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.common.process_stats import STATS
from bot.common.ratelimit import TokenBuckets
from bot.common.scheduler import Scheduler

if TYPE_CHECKING:
    from bot.common.face_asks import FaceAsks
    from bot.common.results import ResultCache
    from bot.common.settings import Settings
    from bot.common.storage import Storage
    from bot.common.storage.kept import KeptStore
    from vae_core.engine import Engine

log = logging.getLogger(__name__)

# The request being served, as [its id (`<platform>:<platform's ref>`), engine jobs asked for so far]: set by
# the journal (bot/common/journal_base.py), read by the remote engine to name its jobs (remote_jobs.py).
REQUEST_ID: contextvars.ContextVar[list | None] = contextvars.ContextVar("km_request_id", default=None)


def redis_url(settings: Settings) -> str:
    """REDIS_URL (a Secret from the environment: it may hold Redis's password); "" when unset."""
    url = settings.redis_url
    return (url.reveal() if hasattr(url, "reveal") else str(url)).strip()


def scheduler(settings: Settings) -> Scheduler:
    """A line for one bot process: in memory, or its place in the shared Redis line."""
    url = redis_url(settings)
    if not url:
        return Scheduler(settings.queue_bounds(), TokenBuckets(settings.rate_burst, settings.rate_refill_s))
    from bot.common.redis_line import RedisLine, RedisTokenBuckets, connect

    client = connect(url)
    line = RedisLine(client)
    return Scheduler(settings.queue_bounds(), RedisTokenBuckets(client, settings.rate_burst, settings.rate_refill_s),
                     line, clock=time.time, recent_waits=line.waits)


def engine(settings: Settings, local: Engine) -> Any:
    """The engine the handlers call: `local`, or the remote engine in front of it (same async API)."""
    url = redis_url(settings)
    if not url:
        return local
    from bot.common.remote_jobs import RemoteEngine

    log.info("mixes run on kitten-mixer workers through Redis (%s)", url.split("@")[-1])
    return RemoteEngine(url, local)


async def keep_conversations(settings: Settings, storage: Storage, results: ResultCache,
                             face_asks: FaceAsks) -> KeptStore:
    """The conversations written through to the kept store: Redis with REDIS_URL (any bot process
    may be pressed), else the SQLite file. The result buttons' cats are read back now (after a
    restart); open face questions when their tap comes (`FaceAsks.recall`). The store is returned
    for the platform's own conversations (Telegram's /mix-then-photos)."""
    from bot.common.storage.kept import RedisKept, SqliteKept

    url = redis_url(settings)
    store: KeptStore = RedisKept(url) if url else SqliteKept(storage.db)
    results.keep_in(store)
    face_asks.keep_in(store)
    try:
        restored = await results.restore()
    except Exception as e:  # the buttons still work for new results
        log.warning("could not read the kept results back (%s)", type(e).__name__)
        return store
    if restored:
        log.info("%d results' buttons kept from before the restart", restored)
    return store


async def close(line_owner: Scheduler | None, used_engine: Any, results: ResultCache | None = None,
                face_asks: FaceAsks | None = None) -> None:
    """Leave the shared line, close the remote engine's connections, and finish the kept store's
    writes (before the SQLite file closes); nothing else to do in memory."""
    if face_asks is not None:
        await face_asks.flush()
    if results is not None:
        await results.flush()
        store = results._store
        if hasattr(store, "close"):
            with contextlib.suppress(Exception):
                await store.close()
    redis_line, remote_jobs = sys.modules.get("bot.common.redis_line"), sys.modules.get("bot.common.remote_jobs")
    line = getattr(line_owner, "line", None)
    if redis_line is not None and isinstance(line, redis_line.RedisLine):  # this process's entries leave
        with contextlib.suppress(Exception):
            line.close()
    if remote_jobs is not None and isinstance(used_engine, remote_jobs.RemoteEngine):
        with contextlib.suppress(Exception):
            await used_engine.close()


# ---- `kitten-mixer status` in one process (no Redis): the bot writes its figures to its SQLite file ----
STATUS_EVERY_S = 5.0


def figures(platform: str, scheduler: Scheduler, used_engine: Any) -> dict[str, Any]:
    waits = sorted(scheduler.recent_waits)
    pending = getattr(used_engine, "pending", None)  # the local engine's jobs running or queued
    return {"platform": platform, "pid": os.getpid(), "at": time.time(), "line_length": scheduler.line.waiting(),
            "running": scheduler.running,
            "time_in_line_ms": {"p50": _pct_ms(waits, 50), "p95": _pct_ms(waits, 95), "samples": len(waits)},
            "engine_pending": pending if isinstance(pending, int) else None,
            "retried": STATS.retried, "last_errors": STATS.last_errors}


async def write_status(platform: str, settings: Settings, storage: Storage, scheduler: Scheduler,
                       used_engine: Any) -> None:
    """One status row (kept_state, kind 'status', expiring after 3 beats); embedded mode only."""
    if redis_url(settings):
        return  # `kitten-mixer status` reads Redis then
    from bot.common.storage.kept import SqliteKept

    row = json.dumps(figures(platform, scheduler, used_engine)).encode()
    with contextlib.suppress(Exception):  # a courtesy for the operator
        await SqliteKept(storage.db).save("status", f"{platform}:{os.getpid()}", row, 3 * STATUS_EVERY_S, 1 << 20)


def read_status(database: Path) -> list[dict[str, Any]]:
    """The running bots' last rows (read-only; a stopped bot's row expires within 15 s)."""
    if not Path(database).is_file():
        return []
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=2)
    try:
        rows = conn.execute("SELECT value FROM kept_state WHERE kind = 'status' AND expires_at > ?",
                            (time.time(),)).fetchall()
    except sqlite3.OperationalError:  # an older file, or no bot ever ran on it
        return []
    finally:
        conn.close()
    return [json.loads(r[0]) for r in rows]


def _pct_ms(values: list[float], p: int) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(len(values) * p / 100))] * 1000, 1)
