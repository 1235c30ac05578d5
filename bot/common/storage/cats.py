"""Where a chat's adopted cats live: the `CatStore` interface and its SQLite implementation.

Only latents are kept (a few hundred bytes each), never the photo they came from. A "scope" is
one chat on one platform (`telegram:<chat id>`, `discord:<guild id>`), so chats can't see each
other's cats. The limit per chat is enforced in the same transaction as the insert, so two
people adopting at once can't push a chat past it.

Each cat remembers the request that adopted it, so a request replayed after a crash (written,
never answered) finds its own cat under the name and is told "adopted", not "name taken".
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

import numpy as np

from bot.common.storage.database import Database


@dataclass(frozen=True)
class AdoptedCat:
    name: str
    latent: np.ndarray  # float32, shape [dim]
    adopted_by: int
    adopted_at: float


class AdoptOutcome(Enum):
    ADOPTED = "adopted"
    TAKEN = "taken"  # the name is already used in this chat
    FULL = "full"  # the chat has as many cats as it may


class CatStore(Protocol):
    """What the bots need from a place that keeps adopted cats (SQLite today; anything later)."""

    async def adopt(self, scope: str, key: str, name: str, latent: np.ndarray, user_id: int,
                    max_names: int, request: str | None = None) -> AdoptOutcome: ...

    async def get(self, scope: str, keys: list[str]) -> dict[str, AdoptedCat]: ...

    async def list(self, scope: str) -> list[AdoptedCat]: ...

    async def forget(self, scope: str, key: str) -> str | None: ...

    async def forget_all(self, scope: str) -> int: ...


def _row(row: tuple) -> AdoptedCat:
    name, blob, dim, by, at = row
    latent = np.frombuffer(blob, dtype="<f4").astype(np.float32)
    if latent.shape != (dim,):
        raise sqlite3.DatabaseError("database disk image is malformed (latent size)")
    return AdoptedCat(name, latent, int(by), float(at))


class SqliteCatStore:
    def __init__(self, db: Database):
        self.db = db

    async def adopt(self, scope: str, key: str, name: str, latent: np.ndarray, user_id: int,
                    max_names: int, request: str | None = None) -> AdoptOutcome:
        """`request`: the platform's id for the asking request; the same request asking again (a
        replay) gets ADOPTED for the cat it stored the first time."""
        z = np.ascontiguousarray(latent, dtype="<f4").reshape(-1)

        def write(conn: sqlite3.Connection) -> AdoptOutcome:
            conn.execute("BEGIN IMMEDIATE")
            try:
                (count,) = conn.execute("SELECT COUNT(*) FROM adopted_cats WHERE scope=?", (scope,)).fetchone()
                held = conn.execute("SELECT request FROM adopted_cats WHERE scope=? AND name_key=?",
                                    (scope, key)).fetchone()
                if held is not None:
                    mine = request is not None and held[0] == request
                    outcome = AdoptOutcome.ADOPTED if mine else AdoptOutcome.TAKEN
                elif count >= max_names:
                    outcome = AdoptOutcome.FULL
                else:
                    conn.execute("INSERT INTO adopted_cats (scope, name_key, name, latent, dim, adopted_by, "
                                 "adopted_at, request) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 (scope, key, name, z.tobytes(), int(z.shape[0]), int(user_id), time.time(),
                                  request))
                    outcome = AdoptOutcome.ADOPTED
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return outcome

        return await self.db.run(write)

    async def get(self, scope: str, keys: list[str]) -> dict[str, AdoptedCat]:
        if not keys:
            return {}
        unique = list(dict.fromkeys(keys))

        def read(conn: sqlite3.Connection) -> dict[str, AdoptedCat]:
            marks = ",".join("?" * len(unique))
            rows = conn.execute(f"SELECT name_key, name, latent, dim, adopted_by, adopted_at FROM adopted_cats "
                                f"WHERE scope=? AND name_key IN ({marks})", (scope, *unique)).fetchall()
            return {r[0]: _row(r[1:]) for r in rows}

        return await self.db.run(read)

    async def list(self, scope: str) -> list[AdoptedCat]:
        def read(conn: sqlite3.Connection) -> list[AdoptedCat]:
            rows = conn.execute("SELECT name, latent, dim, adopted_by, adopted_at FROM adopted_cats WHERE scope=? "
                                "ORDER BY adopted_at, name_key", (scope,)).fetchall()
            return [_row(r) for r in rows]

        return await self.db.run(read)

    async def forget(self, scope: str, key: str) -> str | None:
        """The forgotten cat's name as it was written, or None if there was no such cat."""

        def write(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("DELETE FROM adopted_cats WHERE scope=? AND name_key=? RETURNING name",
                               (scope, key)).fetchone()
            return row[0] if row else None

        return await self.db.run(write)

    async def forget_all(self, scope: str) -> int:
        def write(conn: sqlite3.Connection) -> int:
            return conn.execute("DELETE FROM adopted_cats WHERE scope=?", (scope,)).rowcount

        return await self.db.run(write)
