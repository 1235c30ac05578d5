"""Pictures already uploaded, by what they show: so inline mode answers with a file id at once.

Telegram lets a bot send again, by its `file_id`, any file it has uploaded once (inline answers
can't upload at all). A picture is remembered under a *content key*, a hash of the model, the
cats' latents and the options (bot/common/inline.py `content_key`): the same mix asked for again,
by anyone, is answered by id, and a retrained model or another cat gives another key, never a
stale picture. Rows are a few dozen bytes; nothing here is personal (the key says nothing about
who asked).

`owned_cats` reads the adopted cats one user adopted in any chat of one platform (inline mode's
`@bot Luna`: your own cats, wherever you adopted them, and no one else's).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bot.common.storage.database import Database


@dataclass(frozen=True)
class StoredPicture:
    file_id: str
    kind: str  # photo | gif


@dataclass(frozen=True)
class OwnedCat:
    scope: str  # the chat it was adopted in ('telegram:<chat id>')
    name: str
    latent: np.ndarray
    adopted_at: float


class FileIdStore(Protocol):
    async def get(self, platform: str, keys: Sequence[str]) -> dict[str, StoredPicture]: ...

    async def put(self, platform: str, key: str, file_id: str, kind: str) -> None: ...

    async def owned_cats(self, platform: str, user_id: int) -> list[OwnedCat]: ...


class SqliteFileIds:
    def __init__(self, db: Database, clock=time.time):
        self.db, self.clock = db, clock

    async def get(self, platform: str, keys: Sequence[str]) -> dict[str, StoredPicture]:
        unique = list(dict.fromkeys(keys))
        if not unique:
            return {}

        def read(conn: sqlite3.Connection) -> dict[str, StoredPicture]:
            out: dict[str, StoredPicture] = {}
            for i in range(0, len(unique), 500):  # SQLite's bound-parameter limit, with room
                part = unique[i:i + 500]
                marks = ",".join("?" * len(part))
                rows = conn.execute(f"SELECT key, file_id, kind FROM platform_files WHERE platform=? AND key IN "
                                    f"({marks})", (platform, *part)).fetchall()
                out.update({k: StoredPicture(f, kind) for k, f, kind in rows})
            return out

        return await self.db.run(read)

    async def put(self, platform: str, key: str, file_id: str, kind: str) -> None:
        now = self.clock()

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO platform_files (platform, key, file_id, kind, made_at) VALUES (?, ?, ?, ?, ?) "
                         "ON CONFLICT (platform, key) DO UPDATE SET file_id=excluded.file_id, kind=excluded.kind, "
                         "made_at=excluded.made_at", (platform, key, file_id, kind, now))

        await self.db.run(write)

    async def owned_cats(self, platform: str, user_id: int) -> list[OwnedCat]:
        """The cats `user_id` adopted in any chat of `platform`, newest first."""
        prefix = f"{platform}:"

        def read(conn: sqlite3.Connection) -> list[OwnedCat]:
            rows = conn.execute("SELECT scope, name, latent, dim, adopted_at FROM adopted_cats WHERE adopted_by=? "
                                "ORDER BY adopted_at DESC, name_key", (int(user_id),)).fetchall()
            out = []
            for scope, name, blob, dim, at in rows:
                if not scope.startswith(prefix):
                    continue
                z = np.frombuffer(blob, dtype="<f4").astype(np.float32)
                if z.shape == (dim,):
                    out.append(OwnedCat(scope, name, z, float(at)))
            return out

        return await self.db.run(read)
