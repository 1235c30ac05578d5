"""One SQLite file, opened once, reached only through one worker thread.

Why a single thread: sqlite3 connections are tied to the thread that made them, SQLite
serialises writers anyway, and keeping every query off the event loop means a slow disk can
never freeze both bots' handlers. Callers `await db.run(fn)` with a function of the connection.

Why WAL: readers don't block the writer, and a commit is one append to the log (cheap enough to
write a journal row on every request).

What goes wrong, and what is done about it (bot/common/storage/faults.py sorts the errors):
- *Proven* damage (SQLite's own corrupt / not-a-database codes, or a failed quick_check) on a
  regular file: the file is renamed with a timestamp and a fresh database started, with one ERROR
  line saying where the old file went. Nothing else is ever moved aside: a directory, a device or
  a foreign database at DATABASE_PATH is a configuration problem, not damage.
- A write or open error (I/O error, read-only, disk full, locked): retried briefly, then
  `StorageError`; the file is kept, and the next call tries again, so the cats come back when
  the disk does. The database is then "unavailable": the bots keep serving everything else.
- The file deleted (or replaced) under the running bot: seen before each query by its inode.
  A deleted file is copied back from the connection that still holds it open, so nothing
  adopted so far, or later, is lost; a replaced one is opened afresh.
Each change of state (unavailable, available again) is one log line, never one per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import stat
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from bot.common.storage.faults import is_corrupt, is_fault
from bot.common.storage.migrations import MIGRATIONS, Migration, SchemaTooNew, check_not_newer, migrate

log = logging.getLogger(__name__)

T = TypeVar("T")

APPLICATION_ID = 0x4B4D5852  # "KMXR" in the file's header: this bot's database, not someone else's
RETRY_DELAYS_S = (0.05, 0.25)  # a write error is tried again this many times before giving up


class StorageError(RuntimeError):
    """The database can't be used right now (or at all); the message says why, in one line.
    The bots answer storage commands with "saving cats is unavailable right now"."""


class Database:
    def __init__(self, path: str | Path, migrations: tuple[Migration, ...] = MIGRATIONS,
                 busy_timeout_s: float = 5.0, retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S):
        self.path = Path(path)
        self.migrations = migrations
        self.busy_timeout_s, self.retry_delays_s = busy_timeout_s, retry_delays_s
        self.moved_aside: list[Path] = []  # files set aside this run (for the tests and the operator)
        self.unavailable: str | None = None  # why the database can't be used, while it can't
        self._down_writing = False  # unavailable because writes fail (reads may still work)
        self._conn: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file the connection holds
        self._pool: ThreadPoolExecutor | None = None

    # ---- lifecycle ---------------------------------------------------------------------------
    async def open(self) -> None:
        """Open (create, migrate, or set aside and start fresh) now, rather than on the first query.
        StorageError when it can't be used; the bots log it and keep serving without it."""
        await asyncio.get_running_loop().run_in_executor(self._worker(), self._ready)

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
        runs once more on the fresh one (so a write is not lost along with the old file).
        `fn` must be all-or-nothing (one statement, or one transaction): it may run again."""
        return await asyncio.get_running_loop().run_in_executor(self._worker(), self._run_sync, fn)

    def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """The same as `run`, for code already off the event loop (CLI, benchmarks, shutdown)."""
        return self._worker().submit(self._run_sync, fn).result()

    # ---- on the database thread ----------------------------------------------------------------
    def _run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._ready()
        try:
            return self._call(fn, conn)
        except sqlite3.Error as e:
            _rollback(conn)
            if is_corrupt(e):
                self._set_aside(e)
                return fn(self._ready())
            if not is_fault(e):
                raise  # a bug in a query, or a constraint: not the file's fault
            return self._retry(fn, e)

    def _retry(self, fn: Callable[[sqlite3.Connection], T], first: sqlite3.Error) -> T:
        """A write error is not damage: try again a moment later, keep the file whatever happens."""
        error: Exception = first
        for delay in self.retry_delays_s:
            time.sleep(delay)
            try:
                return self._call(fn, self._ready())
            except StorageError as e:
                error = e
            except sqlite3.Error as e:
                if self._conn is not None:
                    _rollback(self._conn)
                if not is_fault(e):
                    raise
                error = e
        why = f"the database {self.path} can't be written ({error})"
        self._went_down(why, writing=True)
        raise StorageError(why) from None

    def _call(self, fn: Callable[[sqlite3.Connection], T], conn: sqlite3.Connection) -> T:
        """`fn`, and the news that writing works again once a write has gone through."""
        before = conn.total_changes
        out = fn(conn)
        if self.unavailable is not None and self._down_writing and conn.total_changes > before:
            self._came_back()
        return out

    def _ready(self) -> sqlite3.Connection:
        """The open connection to the file at `path`: opened (or reopened) as needed."""
        if self._conn is not None and not self._still_ours():
            self._drop()
        if self._conn is None:
            self._open_sync()
        assert self._conn is not None
        if self.unavailable is not None and not self._down_writing:
            self._came_back()  # it could not be opened; now it is
        return self._conn

    def _came_back(self) -> None:
        log.info("the database %s works again", self.path)
        self.unavailable, self._down_writing = None, False

    def _open_sync(self) -> None:
        try:
            self._conn = self._connect()
        except SchemaTooNew as e:
            self._went_down(str(e))
            raise StorageError(str(e)) from None
        except StorageError as e:
            self._went_down(str(e))
            raise
        except OSError as e:
            why = f"cannot create the database {self.path} ({e.strerror or e}){self._read_only_hint()}"
            self._went_down(why)
            raise StorageError(why) from None
        except sqlite3.Error as e:
            if not is_corrupt(e) or not self._is_regular_file():
                why = f"cannot open the database {self.path}: {e}{self._read_only_hint()}"
                self._went_down(why)
                raise StorageError(why) from None
            self._set_aside(e)
            self._open_fresh()
        self._identity = self._file_identity()

    def _open_fresh(self) -> None:
        try:
            self._conn = self._connect()
        except (sqlite3.Error, OSError) as e:
            why = f"cannot create a fresh database at {self.path}: {e}"
            self._went_down(why)
            raise StorageError(why) from None

    def _connect(self) -> sqlite3.Connection:
        self._check_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None,
                               check_same_thread=False)
        try:
            # Read-only checks first: nothing is changed in a file that turns out not to be ours.
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed ({check})")
            _refuse_foreign(conn, self.path)
            check_not_newer(conn, self.migrations)
            conn.execute("PRAGMA journal_mode=WAL").fetchone()
            conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable across a crash of the bot
            conn.execute("PRAGMA foreign_keys=ON")
            migrate(conn, self.migrations)
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_path(self) -> None:
        """DATABASE_PATH must be a regular file, or nothing yet: anything else is a setting to fix."""
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:
            return
        except OSError as e:  # e.g. a parent that is a file: "Not a directory"
            raise StorageError(f"DATABASE_PATH {self.path} can't be used ({e.strerror or e})") from None
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "a device or special file"
            raise StorageError(f"DATABASE_PATH {self.path} is {kind}, not a database file; point it at a file")

    def _read_only_hint(self) -> str:
        """Why the file can't be opened, when it is a read-only location. SQLite's own words for
        it ("unable to open database file", "attempt to write a readonly database") don't say
        that its folder must be writable too (WAL mode creates the -wal and -shm files there),
        and the operator reading the one log line should not have to guess."""
        for place in (self.path.parent, self.path):
            if place.exists() and not os.access(place, os.W_OK):
                what = "folder" if place.is_dir() else "file"
                return (f"; the {what} {place} is read-only for this process (a read-only mount, an "
                        f"immutable file or its permissions): the bot needs to write its folder and file")
        return ""

    def _is_regular_file(self) -> bool:
        with contextlib.suppress(OSError):
            return stat.S_ISREG(os.stat(self.path).st_mode)
        return False

    def _file_identity(self) -> tuple[int, int] | None:
        with contextlib.suppress(OSError):
            st = os.stat(self.path)
            return st.st_dev, st.st_ino
        return None

    def _still_ours(self) -> bool:
        """Whether the file at `path` is still the one the connection holds. A deleted file is
        copied back from the open connection first (its cats are still readable through it)."""
        now = self._file_identity()
        if now is not None and now == self._identity:
            return True
        if now is None and self._conn is not None:
            self._restore_deleted()
            return False
        log.warning("the database file %s was replaced while the bot ran; opening the new one", self.path)
        return False

    def _restore_deleted(self) -> None:
        assert self._conn is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            target = sqlite3.connect(self.path, timeout=self.busy_timeout_s)
            try:
                self._conn.backup(target)
            finally:
                target.close()
        except (sqlite3.Error, OSError) as e:
            log.error("the database file %s was deleted while the bot ran and could not be written again (%s)",
                      self.path, e)
            return
        log.warning("the database file %s was deleted while the bot ran; wrote it again from the open copy "
                    "(nothing lost)", self.path)

    def _drop(self) -> None:
        conn, self._conn, self._identity = self._conn, None, None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def _went_down(self, why: str, writing: bool = False) -> None:
        """One ERROR line when the database becomes unusable (or for a new reason), not one a request.
        `writing`: it opens and reads, but writes fail (only a write that goes through clears it)."""
        if why != self.unavailable:
            log.error("saving cats is unavailable: %s", why)
        self.unavailable, self._down_writing = why, writing

    def _set_aside(self, error: sqlite3.Error) -> None:
        """Rename the damaged file (and its -wal/-shm companions) out of the way, with a timestamp.
        Only a regular file proven damaged comes here."""
        self._drop()
        if not self._is_regular_file():
            why = f"the database {self.path} is unreadable ({error}) and is not a regular file; not touching it"
            self._went_down(why)
            raise StorageError(why)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        try:
            self.path.rename(target)
            for suffix in ("-wal", "-shm"):
                companion = self.path.with_name(self.path.name + suffix)
                if companion.exists():
                    companion.rename(target.with_name(target.name + suffix))
        except OSError as e:
            why = f"the database {self.path} is damaged ({error}) and could not be moved aside ({e}); move it by hand"
            self._went_down(why)
            raise StorageError(why) from None
        self.moved_aside.append(target)
        log.error("the database %s could not be read (%s); moved it aside to %s and started a fresh one "
                  "(the adopted cats and unfinished requests in the old file are not in the new one)",
                  self.path, error, target.name)

    def _close_sync(self) -> None:
        conn = self._conn
        if conn is None:
            return
        with contextlib.suppress(sqlite3.Error):
            self._still_ours()  # a file deleted under us is written back before we let go of it
        self._conn, self._identity = None, None
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as e:
            log.warning("database checkpoint on close failed: %s", e)
        conn.close()


def _rollback(conn: sqlite3.Connection) -> None:
    """Leave no half transaction behind a failed call (the next one may need to BEGIN)."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """Another program's database at DATABASE_PATH is left exactly as it is."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                         "AND name NOT LIKE 'sqlite_%'")]
    if app_id not in (0, APPLICATION_ID) or (version == 0 and tables):
        raise StorageError(f"DATABASE_PATH {path} is another program's database (tables: "
                           f"{', '.join(sorted(tables)[:5]) or 'none'}); point DATABASE_PATH at another file")
