"""The request journal on a real SQLite file: accepted once, finished once, unfinished requests
come back in arrival order after a reopen, and a damaged file is set aside like the rest."""

from __future__ import annotations

from bot.common.storage import open_storage
from bot.common.storage.journal import CLOSED, SqliteJournal


async def test_requests_are_journaled_once_and_come_back_in_order_until_finished(tmp_path):
    path = tmp_path / "k.db"
    storage = await open_storage(path)
    j = storage.journal
    a = await j.accept("telegram", "1001", -5, 10, {"message": {"text": "/mix 3"}}, grp="album1")
    b = await j.accept("telegram", "1002", -5, 10, {"message": {"photo": [{"file_id": "F1"}]}}, grp="album1")
    c = await j.accept("telegram", "1003", 7, 11, {"message": {"text": "/random"}})
    d = await j.accept("discord", "555", 1, 2, {"token": "t"}, expires_at=123.0)
    assert None not in (a, b, c, d) and a < b < c
    assert await j.accept("telegram", "1003", 7, 11, {"again": True}) is None  # redelivered: not twice
    await storage.close()

    storage = await open_storage(path)  # a restart
    j = storage.journal
    try:
        open_ = await j.unfinished("telegram")
        assert [e.ref for e in open_] == ["1001", "1002", "1003"]
        assert open_[0].payload == {"message": {"text": "/mix 3"}} and open_[0].grp == "album1"
        assert [(e.ref, e.expires_at) for e in await j.unfinished("discord")] == [("555", 123.0)]
        assert await j.finish([c]) == 1 and await j.finish([c]) == 0  # finished once
        assert await j.finish_group("telegram", -5, "album1") == 2
        assert await j.unfinished("telegram") == []
        assert await j.reopen_group("telegram", -5, "album1") == 2
        assert [e.ref for e in await j.unfinished("telegram")] == ["1001", "1002"]
        assert await j.finish([a, b], state=CLOSED) == 2
        assert await j.prune(older_than_s=-1) == 3  # finished rows go; the open Discord one stays
        assert [e.ref for e in await j.unfinished("discord")] == ["555"]
    finally:
        await storage.close()


async def test_a_corrupt_file_loses_the_journal_loudly_and_a_fresh_one_works(tmp_path, caplog):
    path = tmp_path / "k.db"
    path.write_bytes(b"garbage" * 1000)
    storage = await open_storage(path)
    try:
        assert len(storage.db.moved_aside) == 1
        assert any("unfinished requests" in r.getMessage() for r in caplog.records)
        assert await storage.journal.accept("telegram", "1", 1, 1, {}) == 1
        assert [e.ref for e in await storage.journal.unfinished("telegram")] == ["1"]
    finally:
        await storage.close()


async def test_finished_requests_are_pruned_as_the_bot_runs(tmp_path):
    storage = await open_storage(tmp_path / "k.db")
    try:
        now = [1000.0]
        j = SqliteJournal(storage.db, clock=lambda: now[0], keep_finished_s=60, prune_every=3)
        ids = [await j.accept("telegram", str(i), 1, 1, {}) for i in range(4)]
        await j.finish(ids[:2])
        now[0] += 120  # the first two are now old
        await j.finish([ids[2]])  # the third finish triggers a prune
        left = await storage.db.run(lambda c: [r[0] for r in c.execute("SELECT ref FROM requests ORDER BY id")])
        assert left == ["2", "3"]  # old finished rows gone; the recent one and the open one stay
    finally:
        await storage.close()
