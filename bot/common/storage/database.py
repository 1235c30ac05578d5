"""One SQLite file, opened once, reached only through one worker thread.

Why a single thread: sqlite3 connections are tied to the thread that made them, SQLite
serialises writers anyway, and keeping every query off the event loop means a slow disk can
never freeze both bots' handlers. Callers `await db.run(fn)` with a function of the connection.

Why WAL: readers don't block the writer, and a commit is one append to the log (cheap enough to
write a journal row on every request).

A file SQLite can't read (corrupt, truncated, not a database at all) is renamed with a timestamp
and a fresh database is started, with one ERROR line saying where the old file went: the bot
keeps serving, and the operator still has the old file to look at.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from bot.common.storage.migrations import MIGRATIONS, Migration, SchemaTooNew, migrate

log = logging.getLogger(__name__)

T = TypeVar("T")

# SQLite says "locked"/"busy" when another process holds the file: that file is fine, not ours to move.
_IN_USE = ("locked", "busy")


class StorageError(RuntimeError):
    """The database can't be used at all (e.g. its folder is not writable); the message says why."""


def _looks_damaged(error: sqlite3.Error) -> bool:
    """Errors that mean "this file is not a healthy database", as opposed to a bug in a query."""
    if isinstance(error, (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)):
        return False
    text = str(error).lower()
    if any(word in text for word in _IN_USE):
        return False
    if isinstance(error, sqlite3.OperationalError):
        # A bad query also raises OperationalError ("no such column"); only these mean the file itself.
        return any(word in text for word in ("unable to open", "disk i/o", "malformed", "not a database"))
    return isinstance(error, sqlite3.DatabaseError)


class Database:
    def __init__(self, path: str | Path, migrations: tuple[Migration, ...] = MIGRATIONS):
        self.path = Path(path)
        self.migrations = migrations
        self.moved_aside: list[Path] = []  # files set aside this run (for the tests and the operator)
        self._conn: sqlite3.Connection | None = None
        self._pool: ThreadPoolExecutor | None = None

    # ---- lifecycle ---------------------------------------------------------------------------
    async def open(self) -> None:
        """Open (create, migrate, or set aside and start fresh) now, rather than on the first query."""
        await asyncio.get_running_loop().run_in_executor(self._worker(), self._open_sync)

    def _worker(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="kitten-db")
        return self._pool

    async def close(self) -> None:
        """Checkpoint the WAL into the main file and close: a stopped bot leaves one tidy file."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        await asyncio.get_running_loop().run_in_executor(pool, self._close_sync)
        pool.shutdown(wait=True)

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(conn)` on the database thread. A file found damaged mid-run is set aside and `fn`
        runs once more on the fresh one (so a write is not lost along with the old file)."""
        return await asyncio.get_running_loop().run_in_executor(self._worker(), self._run_sync, fn)

    def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """The same as `run`, for code already off the event loop (CLI, benchmarks, shutdown)."""
        return self._worker().submit(self._run_sync, fn).result()

    # ---- on the database thread ----------------------------------------------------------------
    def _run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._conn is None:
            self._open_sync()
        assert self._conn is not None
        try:
            return fn(self._conn)
        except sqlite3.Error as e:
            if not _looks_damaged(e):
                raise
            self._set_aside(e)
            self._open_fresh()
            return fn(self._conn)

    def _open_sync(self) -> None:
        if self._conn is not None:
            return
        try:
            self._conn = self._connect()
        except SchemaTooNew as e:
            raise StorageError(str(e)) from None
        except sqlite3.Error as e:
            if not _looks_damaged(e):
                raise StorageError(f"cannot open the database {self.path}: {e}") from None
            self._set_aside(e)
            self._open_fresh()

    def _open_fresh(self) -> None:
        try:
            self._conn = self._connect()
        except sqlite3.Error as e:
            raise StorageError(f"cannot create a fresh database at {self.path}: {e}") from None

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=5.0, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL").fetchone()
            conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable across a crash of the bot
            conn.execute("PRAGMA foreign_keys=ON")
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed ({check})")
            migrate(conn, self.migrations)
        except BaseException:
            conn.close()
            raise
        return conn

    def _set_aside(self, error: sqlite3.Error) -> None:
        """Rename the damaged file (and its -wal/-shm companions) out of the way, with a timestamp."""
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        try:
            if self.path.exists():
                self.path.rename(target)
            for suffix in ("-wal", "-shm"):
                companion = self.path.with_name(self.path.name + suffix)
                if companion.exists():
                    companion.rename(target.with_name(target.name + suffix))
        except OSError as e:
            raise StorageError(f"the database {self.path} is unreadable ({error}) and could not be moved aside "
                               f"({e}); move or delete it by hand") from None
        self.moved_aside.append(target)
        log.error("the database %s could not be read (%s); moved it aside to %s and started a fresh one "
                  "(the adopted cats and unfinished requests in the old file are not in the new one)",
                  self.path, error, target.name)

    def _close_sync(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as e:
            log.warning("database checkpoint on close failed: %s", e)
        conn.close()
