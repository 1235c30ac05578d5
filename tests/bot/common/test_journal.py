"""The request journal on a real SQLite file: accepted once, finished once, unfinished requests
come back in arrival order after a reopen, and a damaged file is set aside like the rest. Then
the life cycle both bots share (bot/common/journal_base.py) on that real journal."""

from __future__ import annotations

import asyncio
import time

from bot.common.journal_base import RequestJournalBase
from bot.common.storage import open_storage
from bot.common.storage.journal import CLOSED, JournalEntry, SqliteJournal


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


# ---- the shared life cycle (bot/common/journal_base.py), on the real SQLite journal -------------------


class ChatJournal(RequestJournalBase[dict]):
    """The smallest platform: a request is a dict, replaying it records it, goodbyes are kept."""

    PLATFORM = "test"

    def __init__(self, store, max_age_s=3600.0, grace_s=1.0, retry_after_s=0.0):
        super().__init__(store, max_age_s, grace_s, retry_after_s)
        self.said: list[str] = []
        self.replayed: list[int] = []
        self.taking = True

    def _revive(self, entry: JournalEntry) -> dict:
        return entry.payload

    async def _apologise(self, revived: dict) -> None:
        self.said.append(f"expired {revived['n']}")

    def _launch(self, entry: JournalEntry, revived: dict) -> None:
        self.replayed.append(revived["n"])

    async def _stop_taking(self) -> None:
        self.taking = False


async def test_a_request_is_journaled_served_and_finished_once(tmp_path):
    storage = await open_storage(tmp_path / "k.db")
    journal = ChatJournal(storage.journal)
    served: list[int] = []
    try:
        async def call() -> None:
            served.append(1)

        entry = await journal.accept("request 1", "r1", 5, 6, {"n": 1}, call)
        assert entry is not None and served == []  # journaled: the caller serves it next
        await journal.serve("request 1", call, lambda: journal.tell_briefly(asyncio.sleep, "x"),
                            lambda: storage.journal.finish([entry]), entries=frozenset({entry}))
        assert served == [1] and await storage.journal.unfinished("test") == []
        assert await journal.accept("request 1", "r1", 5, 6, {"n": 1}, call) is None  # redelivered
        assert served == [1]
    finally:
        await storage.close()


async def test_a_broken_journal_still_serves_the_request(tmp_path):
    storage = await open_storage(tmp_path / "k.db")
    journal = ChatJournal(storage.journal)
    await storage.db.run(lambda c: c.execute("DROP TABLE requests"))  # the journal can't be written
    served: list[str] = []

    async def call() -> None:
        served.append("answered unjournaled")

    try:
        assert await journal.accept("request 1", "r1", 5, 6, {"n": 1}, call) is None
        assert served == ["answered unjournaled"]
    finally:
        await storage.close()


async def test_a_stop_cancels_what_does_not_fit_says_goodbye_and_keeps_it_for_the_restart(tmp_path):
    storage = await open_storage(tmp_path / "k.db")
    journal = ChatJournal(storage.journal, grace_s=0.2)
    try:
        slow_id = await journal.accept("slow", "r1", 5, 6, {"n": 1}, asyncio.sleep)
        quick_id = await journal.accept("quick", "r2", 5, 6, {"n": 2}, asyncio.sleep)

        async def goodbye() -> None:
            journal.said.append("resume_later")

        slow = asyncio.create_task(journal.serve("slow", lambda: asyncio.sleep(30), goodbye,
                                                 lambda: storage.journal.finish([slow_id]),
                                                 entries=frozenset({slow_id})))
        quick = asyncio.create_task(journal.serve("quick", lambda: asyncio.sleep(0.05), goodbye,
                                                  lambda: storage.journal.finish([quick_id]),
                                                  entries=frozenset({quick_id})))
        await asyncio.sleep(0)
        await journal.stop("test")
        assert not journal.taking and journal.inflight.stopping
        assert slow.done() and quick.done() and journal.said == ["resume_later"]
        assert [e.id for e in await storage.journal.unfinished("test")] == [slow_id]  # the restart's to finish
        await journal.stop("again")  # a second signal: nothing more happens
    finally:
        await storage.close()


async def test_resume_replays_leftovers_in_order_and_apologises_for_the_too_old(tmp_path):
    storage = await open_storage(tmp_path / "k.db")
    try:
        old = await storage.journal.accept("test", "r1", 5, 6, {"n": 1})
        await storage.db.run(lambda c: c.execute("UPDATE requests SET accepted_at = ? WHERE id = ?",
                                                 (time.time() - 7200, old)))
        await storage.journal.accept("test", "r2", 5, 6, {"n": 2})
        await storage.journal.accept("test", "r3", 5, 6, {"n": 3})
        journal = ChatJournal(storage.journal, max_age_s=3600)
        await journal.load_unfinished()
        await journal.resume()
        assert journal.said == ["expired 1"] and journal.replayed == [2, 3]
        assert [e.payload["n"] for e in await storage.journal.unfinished("test")] == [2, 3]  # until answered
        await journal.resume()  # leftovers are replayed once
        assert journal.replayed == [2, 3]
    finally:
        await storage.close()


async def test_the_sweep_skips_work_in_progress_and_requests_too_new_to_retry(tmp_path):
    storage = await open_storage(tmp_path / "k.db")
    try:
        journal = ChatJournal(storage.journal, retry_after_s=0.0)
        busy_id = await storage.journal.accept("test", "r1", 5, 6, {"n": 1})
        await storage.journal.accept("test", "r2", 5, 6, {"n": 2})
        with journal.inflight.running(entries=frozenset({busy_id})):
            await journal.sweep()
        assert journal.replayed == [2]
        patient = ChatJournal(storage.journal, retry_after_s=600.0)
        await patient.sweep()
        assert patient.replayed == []  # just accepted: its own work may still answer it
        journal.inflight.stopping = True
        await journal.sweep()
        assert journal.replayed == [2]  # nothing is retried during a stop
    finally:
        await storage.close()
