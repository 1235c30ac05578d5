"""The SQLite storage: created on first run, migrated, WAL, off the event loop, and repaired by
setting a damaged file aside. Real files in tmp_path throughout."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading

import numpy as np
import pytest

from bot.common.storage import AdoptOutcome, Database, StorageError, open_storage
from bot.common.storage.migrations import LATEST, MIGRATIONS, Migration

Z = np.arange(8, dtype=np.float32) / 7


async def test_first_run_creates_the_file_in_wal_mode_at_the_latest_schema(tmp_path):
    path = tmp_path / "sub" / "kitten.db"
    storage = await open_storage(path)
    try:
        assert path.is_file()
        mode, version = await storage.db.run(
            lambda c: (c.execute("PRAGMA journal_mode").fetchone()[0], c.execute("PRAGMA user_version").fetchone()[0]))
        assert mode == "wal" and version == LATEST
        thread = await storage.db.run(lambda c: threading.current_thread().name)
        assert thread.startswith("kitten-db") and thread != threading.current_thread().name
    finally:
        await storage.close()


async def test_adopted_cats_persist_and_chats_are_isolated(tmp_path):
    path = tmp_path / "k.db"
    storage = await open_storage(path)
    cats = storage.cats
    assert await cats.adopt("telegram:1", "luna", "Luna", Z, 10, 50) is AdoptOutcome.ADOPTED
    assert await cats.adopt("telegram:1", "luna", "LUNA", Z * 2, 11, 50) is AdoptOutcome.TAKEN
    assert await cats.adopt("telegram:2", "luna", "luna", Z * 3, 12, 50) is AdoptOutcome.ADOPTED
    await storage.close()

    storage = await open_storage(path)
    try:
        got = await storage.cats.get("telegram:1", ["luna", "tom"])
        assert list(got) == ["luna"] and got["luna"].name == "Luna" and got["luna"].adopted_by == 10
        np.testing.assert_array_equal(got["luna"].latent, Z)
        np.testing.assert_array_equal((await storage.cats.get("telegram:2", ["luna"]))["luna"].latent, Z * 3)
        assert await storage.cats.list("discord:1") == []
        assert await storage.cats.forget("telegram:1", "tom") is None
        assert await storage.cats.forget("telegram:1", "luna") == "Luna"
        assert await storage.cats.list("telegram:1") == []
        assert [c.name for c in await storage.cats.list("telegram:2")] == ["luna"]
    finally:
        await storage.close()


async def test_the_limit_per_chat_holds_under_concurrent_adoptions(tmp_path):
    import asyncio

    storage = await open_storage(tmp_path / "k.db")
    try:
        outcomes = await asyncio.gather(*(storage.cats.adopt("c", f"n{i}", f"N{i}", Z, 1, 5) for i in range(9)))
        assert outcomes.count(AdoptOutcome.ADOPTED) == 5 and outcomes.count(AdoptOutcome.FULL) == 4
        assert len(await storage.cats.list("c")) == 5
        assert await storage.cats.forget_all("c") == 5
        assert await storage.cats.list("c") == []
    finally:
        await storage.close()


async def test_a_file_that_is_not_a_database_is_moved_aside_and_a_fresh_one_started(tmp_path, caplog):
    path = tmp_path / "k.db"
    path.write_bytes(b"this is not a database, just some text " * 200)
    caplog.set_level(logging.ERROR)
    storage = await open_storage(path)
    try:
        [aside] = storage.db.moved_aside
        assert aside.name.startswith("k.db.corrupt-") and aside.read_bytes().startswith(b"this is not")
        [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert "moved it aside" in record.getMessage() and aside.name in record.getMessage()
        assert await storage.cats.adopt("c", "luna", "Luna", Z, 1, 50) is AdoptOutcome.ADOPTED
    finally:
        await storage.close()


async def test_a_damaged_database_page_is_found_at_start(tmp_path):
    path = tmp_path / "k.db"
    storage = await open_storage(path)
    for i in range(200):  # enough rows for several pages
        await storage.cats.adopt(f"chat{i}", "luna", "Luna", np.random.default_rng(i).random(64, np.float32), 1, 50)
    await storage.close()
    data = bytearray(path.read_bytes())
    assert len(data) > 4 * 4096
    data[2 * 4096: 3 * 4096] = b"\xa5" * 4096  # scribble over a page, header intact
    path.write_bytes(bytes(data))

    storage = await open_storage(path)
    try:
        assert len(storage.db.moved_aside) == 1
        assert await storage.cats.list("chat1") == []  # fresh
        assert await storage.cats.adopt("chat1", "luna", "Luna", Z, 1, 50) is AdoptOutcome.ADOPTED
    finally:
        await storage.close()


async def test_a_file_damaged_while_running_is_set_aside_and_the_write_still_happens(tmp_path):
    path = tmp_path / "k.db"
    storage = await open_storage(path)
    try:
        def scribble(conn: sqlite3.Connection) -> None:
            conn.close()  # as if another process had clobbered the file under us
            path.write_bytes(b"\x00garbage" * 1000)
            for suffix in ("-wal", "-shm"):
                (tmp_path / f"k.db{suffix}").unlink(missing_ok=True)

        await storage.db.run(scribble)
        storage.db._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        assert await storage.cats.adopt("c", "tom", "Tom", Z, 1, 50) is AdoptOutcome.ADOPTED
        assert len(storage.db.moved_aside) == 1
        assert [c.name for c in await storage.cats.list("c")] == ["Tom"]
    finally:
        await storage.close()


async def test_a_schema_from_a_newer_bot_is_refused_not_moved(tmp_path):
    path = tmp_path / "k.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 5}")
    conn.close()
    db = Database(path)
    with pytest.raises(StorageError, match="newer version"):
        await db.open()
    await db.close()
    assert path.is_file() and db.moved_aside == []


async def test_migrations_apply_in_order_on_an_existing_file(tmp_path):
    path = tmp_path / "k.db"
    old = Database(path, MIGRATIONS[:1])
    await old.open()
    await old.close()
    extra = Migration(MIGRATIONS[-1].version + 1, "test", "CREATE TABLE later (x INTEGER); "
                                                          "INSERT INTO later VALUES (7);")
    new = Database(path, (*MIGRATIONS, extra))
    await new.open()
    try:
        assert await new.run(lambda c: c.execute("PRAGMA user_version").fetchone()[0]) == extra.version
        assert await new.run(lambda c: c.execute("SELECT x FROM later").fetchone()[0]) == 7
    finally:
        await new.close()


async def test_a_failing_migration_leaves_the_previous_version(tmp_path):
    path = tmp_path / "k.db"
    bad = Migration(MIGRATIONS[-1].version + 1, "bad", "CREATE TABLE t1 (x); INSERT INTO nowhere VALUES (1);")
    db = Database(path, (*MIGRATIONS, bad))
    with pytest.raises(StorageError, match="no such table: nowhere"):
        await db.open()
    await db.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == MIGRATIONS[-1].version
    assert conn.execute("SELECT name FROM sqlite_master WHERE name='t1'").fetchone() is None
    conn.close()


# ---- issue 21: storage faults are not damage ------------------------------------------------------------------

def _names(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM adopted_cats ORDER BY name")]
    finally:
        conn.close()


async def test_a_write_error_keeps_the_healthy_file_and_the_next_write_works(tmp_path, caplog):
    from storage_faults import unwritable

    path = tmp_path / "k.db"
    storage = await open_storage(path)
    try:
        for name in ("One", "Two", "Three"):
            assert await storage.cats.adopt("c", name.lower(), name, Z, 1, 50) is AdoptOutcome.ADOPTED
        wal = tmp_path / "k.db-wal"
        assert wal.is_file()
        caplog.set_level(logging.INFO)
        with unwritable(wal):
            with pytest.raises(StorageError, match="can't be written"):
                await storage.cats.adopt("c", "four", "Four", Z, 1, 50)
            with pytest.raises(StorageError):
                await storage.cats.forget("c", "one")
            assert [c.name for c in await storage.cats.list("c")] == ["One", "Two", "Three"]  # reads still work
        assert storage.db.moved_aside == [] and list(tmp_path.glob("*.corrupt-*")) == []
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and "unavailable" in errors[0] and "aside" not in errors[0]
        # Write access is back: no restart needed.
        assert await storage.cats.adopt("c", "four", "Four", Z, 1, 50) is AdoptOutcome.ADOPTED
        assert storage.db.unavailable is None
    finally:
        await storage.close()
    assert _names(path) == ["Four", "One", "Three", "Two"]


@pytest.mark.parametrize("kind", ["directory", "fifo", "parent_is_a_file"])
async def test_anything_but_a_regular_file_at_the_path_is_never_renamed(tmp_path, kind, caplog):
    import os

    if kind == "directory":
        path = tmp_path / "k.db"
        path.mkdir()
        (path / "keep.txt").write_text("mine")
    elif kind == "fifo":
        path = tmp_path / "k.db"
        os.mkfifo(path)
    else:
        (tmp_path / "afile").write_text("not a folder")
        path = tmp_path / "afile" / "k.db"
    caplog.set_level(logging.ERROR)
    db = Database(path)
    with pytest.raises(StorageError, match="DATABASE_PATH|cannot create"):
        await db.open()
    with pytest.raises(StorageError):  # every later call says the same, without a new log line
        await db.run(lambda c: c.execute("SELECT 1").fetchone())
    await db.close()
    assert db.moved_aside == [] and list(tmp_path.glob("*.corrupt-*")) == []
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
    assert all(r.exc_info is None for r in caplog.records)
    if kind == "directory":
        assert (path / "keep.txt").read_text() == "mine"
    if kind == "fifo":
        import stat

        assert stat.S_ISFIFO(os.stat(path).st_mode)


async def test_another_programs_database_is_left_untouched(tmp_path):
    path = tmp_path / "k.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (id INTEGER, email TEXT)")
    conn.execute("INSERT INTO users VALUES (1, 'a@b.c')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    db = Database(path)
    with pytest.raises(StorageError, match="another program's database"):
        await db.open()
    await db.close()
    assert path.read_bytes() == before and not (tmp_path / "k.db-wal").exists() and db.moved_aside == []


async def test_a_locked_database_is_unavailable_then_comes_back(tmp_path):
    path = tmp_path / "k.db"
    storage = await open_storage(path)
    await storage.cats.adopt("c", "one", "One", Z, 1, 50)
    await storage.close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    db = Database(path, busy_timeout_s=0.1)
    from bot.common.storage.cats import SqliteCatStore

    cats = SqliteCatStore(db)
    try:
        with pytest.raises(StorageError, match="locked"):
            await db.open()
        with pytest.raises(StorageError):
            await cats.list("c")
        holder.execute("COMMIT")
        holder.close()
        assert [c.name for c in await cats.list("c")] == ["One"]
        assert db.unavailable is None and db.moved_aside == []
    finally:
        await db.close()


async def test_a_file_deleted_while_running_is_written_again_with_everything_in_it(tmp_path, caplog):
    path = tmp_path / "k.db"
    storage = await open_storage(path)
    try:
        await storage.cats.adopt("c", "before", "Before", Z, 1, 50)
        for suffix in ("", "-wal", "-shm"):
            (tmp_path / f"k.db{suffix}").unlink(missing_ok=True)
        caplog.set_level(logging.WARNING)
        assert await storage.cats.adopt("c", "afterdel", "AfterDel", Z, 1, 50) is AdoptOutcome.ADOPTED
        assert any("deleted" in r.getMessage() for r in caplog.records)
        assert path.is_file()
    finally:
        await storage.close()
    assert _names(path) == ["AfterDel", "Before"]  # what a restart will read


# ---- issue 21, defect 7: a read-only location at start ------------------------------------------------------------

def _try_read_only(path_text: str) -> dict:
    """Open the database at `path_text` where nothing may be written, and use it as the bots do.
    A plain function returning plain data: it may run in a forked child (storage_faults.run_in_child)."""
    from pathlib import Path

    from bot.common.storage.cats import SqliteCatStore

    path = Path(path_text)
    errors: list[str] = []

    class Errors(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                errors.append(record.getMessage() + (" +traceback" if record.exc_info else ""))

    async def go() -> dict:
        db = Database(path, retry_delays_s=(0.01,))
        cats = SqliteCatStore(db)
        out: dict = {"uid": os.geteuid()}
        try:
            await db.open()
            out["open"] = "opened"
        except StorageError as e:
            out["open"] = str(e)
        for what, call in (("list", lambda: cats.list("c")),
                           ("adopt", lambda: cats.adopt("c", "two", "Two", Z, 1, 50))):
            try:
                await call()
                out[what] = "worked"
            except StorageError:
                out[what] = "unavailable"
        out["unavailable"] = db.unavailable
        out["moved_aside"] = [str(p) for p in db.moved_aside]
        await db.close()
        return out

    handler = Errors()
    logging.getLogger("bot.common.storage").addHandler(handler)
    try:
        return {**asyncio.run(go()), "errors": errors}
    finally:
        logging.getLogger("bot.common.storage").removeHandler(handler)


@pytest.fixture
def reachable_tmp():
    """A temporary folder every user can reach: pytest's own is 0700 under root's, and an
    ordinary user must get as far as the database's folder to meet the read-only case."""
    import shutil
    import tempfile
    from pathlib import Path

    base = Path(tempfile.mkdtemp(prefix="kitten-ro-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _folder_with(base, with_cats: bool):
    """A folder holding a database with one cat (closed cleanly: no -wal/-shm), or nothing."""
    folder = base / "ro"
    folder.mkdir()
    path = folder / "k.db"
    if with_cats:
        async def make() -> None:
            storage = await open_storage(path)
            await storage.cats.adopt("c", "one", "One", Z, 1, 50)
            await storage.close()

        asyncio.run(make())
    return folder, path


def _snapshot(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("with_cats", [True, False], ids=["existing_file", "no_file_yet"])
@pytest.mark.parametrize("how", ["immutable_or_mode_bits", "as_ordinary_user", "read_only_bind_mount"])
def test_a_read_only_location_at_start_is_unavailable_says_why_and_touches_nothing(reachable_tmp, how, with_cats):
    """Issue 21, defect 7: a database on a read-only location at start is 'unavailable' (one
    ERROR line that says the place is read-only, no traceback), every call says so, and nothing
    is created, changed or moved aside, however the location is read-only:
    - immutable_or_mode_bits: in this process; as root `chattr +i` on the folder and file (root
      ignores permission bits), as an ordinary user read-only mode bits;
    - as_ordinary_user: a root run drops to `nobody` in a forked child, for a root-owned 0755
      folder and 0644 file (SQLite then meets "attempt to write a readonly database", not root's
      "unable to open database file"); a run already as an ordinary user is the case above;
    - read_only_bind_mount: a real read-only mount (a forked child in its own mount namespace
      bind-mounts the folder read-only, as a container's `:ro` volume); root only."""
    from storage_faults import ordinary_user, run_in_child, unwritable

    folder, path = _folder_with(reachable_tmp, with_cats)
    before = _snapshot(folder)
    if how == "immutable_or_mode_bits":
        locked = [folder, path] if with_cats else [folder]
        with unwritable(*locked):
            out = _try_read_only(str(path))
    elif how == "as_ordinary_user":
        if os.geteuid() != 0:
            pytest.skip("already running as an ordinary user: immutable_or_mode_bits is this case")
        uid, gid = ordinary_user()
        folder.chmod(0o755)
        if with_cats:
            path.chmod(0o644)
        out = run_in_child(lambda: _try_read_only(str(path)), user=(uid, gid))
        assert out["uid"] == uid
    else:
        out = run_in_child(lambda: _try_read_only(str(path)), read_only_mount=folder)
    assert "read-only" in out["open"] and str(folder) in out["open"], out
    assert out["list"] == out["adopt"] == "unavailable", out
    assert out["unavailable"] == out["open"] and out["moved_aside"] == []
    assert len(out["errors"]) == 1 and "saving cats is unavailable" in out["errors"][0], out["errors"]
    assert "read-only" in out["errors"][0] and "+traceback" not in out["errors"][0]
    assert _snapshot(folder) == before  # nothing created, written or renamed
    if with_cats:
        assert _names(path) == ["One"]


async def test_a_read_only_folder_at_start_comes_back_when_it_can_be_written(tmp_path):
    """The read-only location made writable again: the next call opens the file, no restart."""
    from storage_faults import unwritable

    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "k.db"
    db = Database(path, retry_delays_s=(0.01,))
    from bot.common.storage.cats import SqliteCatStore

    cats = SqliteCatStore(db)
    try:
        with unwritable(folder), pytest.raises(StorageError, match="read-only"):
            await db.open()
        assert await cats.adopt("c", "one", "One", Z, 1, 50) is AdoptOutcome.ADOPTED
        assert db.unavailable is None
    finally:
        await db.close()
    assert _names(path) == ["One"]
