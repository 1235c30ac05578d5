"""Everything the bots keep on disk, in one SQLite file (DATABASE_PATH).

`open_storage(path)` opens (or creates, or repairs) the file and gives the stores built on it.
The stores are Protocols with SQLite implementations, so another backend can be slotted in
without touching the handlers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.common.storage.cats import AdoptedCat, AdoptOutcome, CatStore, SqliteCatStore
from bot.common.storage.database import Database, StorageError
from bot.common.storage.journal import JournalEntry, JournalStore, SqliteJournal

__all__ = ["AdoptOutcome", "AdoptedCat", "CatStore", "Database", "JournalEntry", "JournalStore", "Storage",
           "StorageError", "open_storage"]


@dataclass
class Storage:
    db: Database
    cats: CatStore
    journal: JournalStore

    @classmethod
    def create(cls, path: str | Path) -> Storage:
        """Nothing touches the disk yet: the file is opened by `open()`, or by the first query."""
        db = Database(path)
        return cls(db, SqliteCatStore(db), SqliteJournal(db))

    async def open(self) -> None:
        await self.db.open()

    async def close(self) -> None:
        await self.db.close()


async def open_storage(path: str | Path) -> Storage:
    storage = Storage.create(path)
    await storage.open()
    return storage
