"""The request journal: every accepted request is written down before any work starts, and
marked done only once it has been answered, so a crash or a restart never loses one.

Rows hold references, never photos: the platform's message as JSON (file ids inside), or a
Discord attachment URL with the interaction token and its expiry. `ref` is the platform's own
id for the request, unique, so a request delivered twice (Telegram resends updates that were
never confirmed) is journaled, and answered, once. `grp` ties requests finished together (the
photos of a Telegram album are answered by one mix).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.common.storage.database import Database

OPEN, DONE, CLOSED = "open", "done", "closed"  # closed: given up on (too old, token expired), user told


@dataclass(frozen=True)
class JournalEntry:
    id: int
    platform: str
    ref: str
    chat_id: int
    user_id: int
    grp: str | None
    payload: dict[str, Any]
    state: str
    accepted_at: float
    expires_at: float | None


class JournalStore(Protocol):
    async def accept(self, platform: str, ref: str, chat_id: int, user_id: int, payload: dict[str, Any],
                     grp: str | None = None, expires_at: float | None = None) -> int | None: ...

    async def finish(self, ids: Sequence[int], state: str = DONE) -> int: ...

    async def finish_group(self, platform: str, chat_id: int, grp: str, state: str = DONE) -> int: ...

    async def reopen_group(self, platform: str, chat_id: int, grp: str) -> int: ...

    async def unfinished(self, platform: str) -> list[JournalEntry]: ...

    async def prune(self, older_than_s: float) -> int: ...


_COLUMNS = "id, platform, ref, chat_id, user_id, grp, payload, state, accepted_at, expires_at"


def _entry(row: tuple) -> JournalEntry:
    return JournalEntry(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]), row[7], row[8], row[9])


class SqliteJournal:
    """`keep_finished_s`: finished rows are deleted once this old, checked every `prune_every`
    finishes, so a bot that runs for months keeps a small file (a day is ample to recognise the
    updates Telegram sends again after a crash)."""

    def __init__(self, db: Database, clock=time.time, keep_finished_s: float = 86_400.0, prune_every: int = 500):
        self.db, self.clock = db, clock
        self.keep_finished_s, self.prune_every = keep_finished_s, prune_every
        self._finished = 0

    async def _count_finished(self, n: int) -> None:
        self._finished += n
        if self._finished >= self.prune_every:
            self._finished = 0
            await self.prune(self.keep_finished_s)

    async def accept(self, platform: str, ref: str, chat_id: int, user_id: int, payload: dict[str, Any],
                     grp: str | None = None, expires_at: float | None = None) -> int | None:
        """The new entry's id, or None when this request was journaled before (a redelivery)."""
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        now = self.clock()

        def write(conn: sqlite3.Connection) -> int | None:
            cur = conn.execute("INSERT INTO requests (platform, ref, chat_id, user_id, grp, payload, accepted_at, "
                               "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, ref) DO NOTHING",
                               (platform, ref, chat_id, user_id, grp, text, now, expires_at))
            return cur.lastrowid if cur.rowcount else None

        return await self.db.run(write)

    async def finish(self, ids: Sequence[int], state: str = DONE) -> int:
        if not ids:
            return 0
        now = self.clock()

        def write(conn: sqlite3.Connection) -> int:
            marks = ",".join("?" * len(ids))
            return conn.execute(f"UPDATE requests SET state=?, finished_at=? WHERE state='open' AND id IN ({marks})",
                                (state, now, *ids)).rowcount

        done = await self.db.run(write)
        await self._count_finished(done)
        return done

    async def finish_group(self, platform: str, chat_id: int, grp: str, state: str = DONE) -> int:
        now = self.clock()

        def write(conn: sqlite3.Connection) -> int:
            return conn.execute("UPDATE requests SET state=?, finished_at=? WHERE platform=? AND chat_id=? AND grp=? "
                                "AND state='open'", (state, now, platform, chat_id, grp)).rowcount

        done = await self.db.run(write)
        await self._count_finished(done)
        return done

    async def reopen_group(self, platform: str, chat_id: int, grp: str) -> int:
        """A group that turned out to be one request after all (an album's caption came last)."""

        def write(conn: sqlite3.Connection) -> int:
            return conn.execute("UPDATE requests SET state='open', finished_at=NULL WHERE platform=? AND chat_id=? "
                                "AND grp=? AND state='done'", (platform, chat_id, grp)).rowcount

        return await self.db.run(write)

    async def unfinished(self, platform: str) -> list[JournalEntry]:
        """Open requests, oldest first (the order they arrived in)."""

        def read(conn: sqlite3.Connection) -> list[JournalEntry]:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM requests WHERE platform=? AND state='open' ORDER BY id",
                                (platform,)).fetchall()
            return [_entry(r) for r in rows]

        return await self.db.run(read)

    async def prune(self, older_than_s: float) -> int:
        """Forget finished requests older than this: the journal is for work in progress, not a log."""
        cutoff = self.clock() - older_than_s

        def write(conn: sqlite3.Connection) -> int:
            return conn.execute("DELETE FROM requests WHERE state != 'open' AND finished_at < ?", (cutoff,)).rowcount

        return await self.db.run(write)
