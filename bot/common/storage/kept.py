"""Conversation state that must outlive the process (issue 24): the cats behind result buttons.

A small key -> bytes store with an expiry and a byte bound per kind, behind one protocol, so the
in-memory caches (bot/common/results.py) can write through to it and read it back on start:

- `SqliteKept`: a table in the bots' SQLite file (the default; migration 5);
- `RedisKept`: keys in the Redis of REDIS_URL, shared by every bot process.

The caller serialises (no pickles: arrays as .npy, the rest as JSON), so what is kept can be read
by another process or a later version without running code from the store.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.common.storage.database import Database

log = logging.getLogger(__name__)

Kept = tuple[str, bytes, float]  # key, value, expires at (wall clock)


class KeptStore(Protocol):
    async def save(self, kind: str, key: str, value: bytes, ttl_s: float, max_bytes: int) -> None:
        """Keep `value` under (kind, key) for `ttl_s`; the oldest of `kind` go past `max_bytes`."""

    async def delete(self, kind: str, key: str) -> None: ...

    async def get(self, kind: str, key: str) -> Kept | None:
        """One fresh entry by its key (read when memory does not have it), or None."""

    async def load(self, kind: str, max_bytes: int) -> list[Kept]:
        """What is still fresh, newest first, at most `max_bytes` of it."""


class SqliteKept:
    def __init__(self, db: Database):
        self.db = db

    async def save(self, kind: str, key: str, value: bytes, ttl_s: float, max_bytes: int) -> None:
        now = time.time()

        def write(conn: sqlite3.Connection) -> None:
            with conn:
                conn.execute("DELETE FROM kept_state WHERE expires_at <= ?", (now,))
                conn.execute("INSERT OR REPLACE INTO kept_state (kind, key, value, size, saved_at, expires_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)", (kind, key, value, len(value), now, now + ttl_s))
                total = 0
                rows = conn.execute("SELECT key, size FROM kept_state WHERE kind = ? ORDER BY saved_at DESC",
                                    (kind,)).fetchall()
                for k, size in rows:
                    total += size
                    if total > max_bytes:
                        conn.execute("DELETE FROM kept_state WHERE kind = ? AND key = ?", (kind, k))

        await self.db.run(write)

    async def delete(self, kind: str, key: str) -> None:
        def write(conn: sqlite3.Connection) -> None:
            with conn:
                conn.execute("DELETE FROM kept_state WHERE kind = ? AND key = ?", (kind, key))

        await self.db.run(write)

    async def get(self, kind: str, key: str) -> Kept | None:
        now = time.time()
        row = await self.db.run(lambda conn: conn.execute(
            "SELECT value, expires_at FROM kept_state WHERE kind = ? AND key = ? AND expires_at > ?",
            (kind, key, now)).fetchone())
        return None if row is None else (key, bytes(row[0]), row[1])

    async def load(self, kind: str, max_bytes: int) -> list[Kept]:
        now = time.time()
        rows = await self.db.run(lambda conn: conn.execute(
            "SELECT key, value, expires_at FROM kept_state WHERE kind = ? AND expires_at > ? ORDER BY saved_at DESC",
            (kind, now)).fetchall())
        out, total = [], 0
        for key, value, expires_at in rows:
            total += len(value)
            if total > max_bytes:
                break
            out.append((key, bytes(value), expires_at))
        return out


class RedisKept:
    """`km:kept:<kind>:<key>` with Redis's own expiry; `km:kept:<kind>` (a sorted set by time) for
    loading newest first and for the byte bound."""

    def __init__(self, url: str, prefix: str = "km:kept"):
        import redis.asyncio as aioredis

        self.r = aioredis.from_url(url, socket_timeout=5, socket_connect_timeout=1)
        self.p = prefix

    async def save(self, kind: str, key: str, value: bytes, ttl_s: float, max_bytes: int) -> None:
        now = time.time()
        index, sizes = f"{self.p}:{kind}", f"{self.p}:{kind}:sizes"
        pipe = self.r.pipeline()
        pipe.set(f"{self.p}:{kind}:{key}", value, ex=max(1, int(ttl_s)))
        pipe.zadd(index, {key: now})
        pipe.hset(sizes, key, len(value))
        pipe.zremrangebyscore(index, "-inf", now - ttl_s)
        pipe.zrevrange(index, 0, -1)
        pipe.hgetall(sizes)
        *_, keys, known = await pipe.execute()
        total, gone = 0, []
        for k in keys:
            total += int(known.get(k, 0))
            if total > max_bytes:
                gone.append(k)
        gone += [k for k in known if k not in set(keys)]  # expired from the index
        if gone:
            pipe = self.r.pipeline()
            pipe.zrem(index, *gone)
            pipe.hdel(sizes, *gone)
            pipe.delete(*(f"{self.p}:{kind}:{k.decode()}" for k in gone))
            await pipe.execute()

    async def delete(self, kind: str, key: str) -> None:
        pipe = self.r.pipeline()
        pipe.delete(f"{self.p}:{kind}:{key}")
        pipe.zrem(f"{self.p}:{kind}", key)
        pipe.hdel(f"{self.p}:{kind}:sizes", key)
        await pipe.execute()

    async def get(self, kind: str, key: str) -> Kept | None:
        name = f"{self.p}:{kind}:{key}"
        pipe = self.r.pipeline()
        pipe.get(name)
        pipe.pttl(name)
        value, ttl_ms = await pipe.execute()
        if value is None or ttl_ms <= 0:
            return None
        return key, value, time.time() + ttl_ms / 1000

    async def load(self, kind: str, max_bytes: int) -> list[Kept]:
        out, total = [], 0
        for k in await self.r.zrevrange(f"{self.p}:{kind}", 0, -1):
            kept = await self.get(kind, k.decode())
            if kept is None:
                continue
            total += len(kept[1])
            if total > max_bytes:
                break
            out.append(kept)
        return out

    async def close(self) -> None:
        await self.r.aclose()


class WriteBehind:
    """Writes to a kept store started from synchronous code (a cache's `put`, a question's `tap`):
    each runs as a task on the running loop, in the order started (a save and then a delete of the
    same key must not land the other way round), a failure is logged and leaves memory as it is
    (only a restart would forget), and `flush` waits for them at a clean stop. Outside an event
    loop nothing is written: memory alone serves."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()
        self._last: asyncio.Task | None = None

    def start(self, write: Callable[[], Awaitable[None]], what: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        before = self._last

        async def run() -> None:
            if before is not None:
                await asyncio.gather(before, return_exceptions=True)
            try:
                await write()
            except Exception as e:
                log.warning("%s not kept (%s)", what, type(e).__name__)

        task = self._last = loop.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
