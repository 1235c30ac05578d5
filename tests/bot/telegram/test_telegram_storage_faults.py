"""Storage faults under the running bot (issue 21): the chat's cats are never lost or hidden.

The real Application and engine, the fake Bot API, and a real SQLite file broken with real file
operations (an unwritable -wal, the files deleted, a directory or another program's database at
DATABASE_PATH). Run as root, `chattr +i` makes a file unwritable; as a user, permission bits.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path

import pytest
from tg_fake_api import group_chat, user
from tg_lifecycle import stop_app

from bot.common.texts import t

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
from storage_faults import unwritable  # noqa: E402

ANA = user(40, "Ana")
GROUP = group_chat(-1040)


def names(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM adopted_cats ORDER BY name")]
    finally:
        conn.close()


async def ask(api, text: str, photo: bytes | None = None):
    """Send `text` (as a photo's caption when there is a photo) and wait for its answer."""
    n = len(api.replies()) + 1
    if photo is None:
        api.message(ANA, GROUP, text=text)
    else:
        api.message(ANA, GROUP, photo=photo, caption=text)
    return (await api.wait_replies(n))[-1]


async def test_a_write_error_keeps_the_chats_cats_and_says_this_one_was_not_saved(tg_api, tg_start, tg_settings,
                                                                                    face_jpegs, caplog):
    path = tg_settings.database_path
    app = await tg_start()
    for name in ("One", "Two", "Three"):
        assert (await ask(tg_api, f"/adopt {name}", face_jpegs[0])).text == t("adopt_done", "en", name=name)
    caplog.set_level(logging.INFO)
    with unwritable(path.with_name(path.name + "-wal")):
        reply = await ask(tg_api, "/adopt Four", face_jpegs[1])
        assert reply.text == t("adopt_not_saved", "en", name="Four")
        assert (await ask(tg_api, "/forget One")).text == t("storage_unavailable", "en")
        assert (await ask(tg_api, "/mix One Two")).method == "sendAnimation"  # the cats are all still there
    assert list(path.parent.glob("*.corrupt-*")) == []
    assert not any("aside" in r.getMessage() for r in caplog.records)
    # Write access is back: no restart needed.
    assert (await ask(tg_api, "/adopt Four", face_jpegs[1])).text == t("adopt_done", "en", name="Four")
    assert (await ask(tg_api, "/forget Three")).text == t("forget_done", "en", name="Three")
    await stop_app(app)
    before = len(tg_api.replies())
    await tg_start()
    tg_api.message(ANA, GROUP, text="/mix One Four")
    await tg_api.wait_for(lambda: [r for r in tg_api.replies()[before:] if r.method == "sendAnimation"])
    # When the unwritable minute also kept the first "/adopt Four" from being marked done, the restart
    # replays it, and it recognises its own adoption: "adopted", never "name taken".
    others = [r for r in tg_api.replies()[before:] if r.method != "sendAnimation"]
    assert all(r.text == t("adopt_done", "en", name="Four") for r in others), [r.text for r in others]
    assert names(path) == ["Four", "One", "Two"]


async def test_the_database_deleted_under_the_bot_loses_nothing(tg_api, tg_start, tg_settings, face_jpegs):
    path = tg_settings.database_path
    app = await tg_start()
    assert (await ask(tg_api, "/adopt Before", face_jpegs[0])).text == t("adopt_done", "en", name="Before")
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    assert (await ask(tg_api, "/adopt AfterDel", face_jpegs[1])).text == t("adopt_done", "en", name="AfterDel")
    await stop_app(app)
    assert names(path) == ["AfterDel", "Before"]
    await tg_start()
    assert (await ask(tg_api, "/mix Before AfterDel")).method == "sendAnimation"


def _foreign_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("kind", ["directory", "foreign", "newer", "read_only"])
async def test_a_database_that_cant_be_used_at_start_leaves_the_bot_serving(tg_api, tg_start, tg_settings, face_jpegs,
                                                                            kind, caplog):
    """`read_only`: the database's folder and file can't be written when the bot starts (a
    read-only mount; made here with `chattr +i` as root, mode bits as an ordinary user; the
    storage tests also run it as `nobody` and in a real read-only bind mount)."""
    path = tg_settings.database_path
    locked: list[Path] = []
    if kind == "directory":
        path.mkdir()
    elif kind == "foreign":
        _foreign_database(path)
    elif kind == "newer":
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA user_version = 99")
        conn.close()
    else:  # a healthy database of an earlier run, then its folder made read-only
        path = path.parent / "ro" / path.name
        app = await tg_start(database_path=path)
        assert (await ask(tg_api, "/adopt Earlier", face_jpegs[0])).text == t("adopt_done", "en", name="Earlier")
        await stop_app(app)
        locked = [path.parent, path]
    before = path.read_bytes() if path.is_file() else None
    caplog.set_level(logging.INFO)
    caplog.clear()
    with unwritable(*locked):
        await tg_start(database_path=path)
        assert (await ask(tg_api, "/random 2")).method == "sendPhoto"
        assert (await ask(tg_api, "/adopt Luna", face_jpegs[0])).text == t("adopt_not_saved", "en", name="Luna")
        assert (await ask(tg_api, "/forget Luna")).text == t("storage_unavailable", "en")
        assert (await ask(tg_api, "/mix Luna Tom")).text == t("storage_unavailable", "en")
        target = tg_api.message(ANA, GROUP, photo=face_jpegs[0])  # photo mixes are served as ever
        tg_api.message(ANA, GROUP, photo=face_jpegs[1], caption="/mix 3", reply_to=target)
        assert (await tg_api.wait_replies(len(tg_api.replies()) + 1))[-1].method == "sendAnimation"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "unavailable" in errors[0].getMessage() and errors[0].exc_info is None
    if kind == "read_only":
        assert "read-only" in errors[0].getMessage()
    assert list(path.parent.glob("*.corrupt-*")) == []
    if before is not None:
        assert path.read_bytes() == before
    else:
        assert path.is_dir()
    if kind == "read_only":
        assert names(path) == ["Earlier"]


async def test_a_replayed_adopt_recognises_its_own_cat(tg_api, tg_start, tg_settings, face_jpegs, caplog):
    """Group members adopt; the cats are stored but Telegram takes none of the answers, so the
    requests stay open in the journal and are replayed (as after a crash before the replies)."""
    members = [user(50 + i, f"Member{i}") for i in range(4)]
    await tg_start(send_retry_s=0.5, journal_retry_s=1.5)
    for _ in range(8):  # more than one round of send retries can take, for all of them
        tg_api.fail_next("sendMessage", "Internal Server Error", code=500)
    for i, member in enumerate(members):
        tg_api.message(member, GROUP, photo=face_jpegs[i % 2], caption=f"/adopt Pet{i:02d}")
    await tg_api.wait_for(lambda: len(names(tg_settings.database_path)) == 4)
    replies = await tg_api.wait_replies(4, timeout=20)
    assert sorted(r.text for r in replies) == sorted(t("adopt_done", "en", name=f"Pet{i:02d}") for i in range(4))
    # The other way round: another request asking for a taken name is still refused.
    tg_api.message(members[0], GROUP, photo=face_jpegs[0], caption="/adopt Pet01")
    assert (await tg_api.wait_replies(5))[-1].text == t("name_taken", "en", name="Pet01")


async def test_an_adopt_flood_waits_in_the_fair_line_instead_of_being_refused(tg_api, tg_start, tg_settings, tiny_model,
                                                                              face_jpegs):
    from generated_finder import GeneratedFaceFinder

    from vae_core.engine import Engine, EngineSettings

    # Little room: the engine says "busy" past 2 requests at once (the line runs at most 2).
    small = Engine(tiny_model, EngineSettings(workers=1, max_pending=2), finder=GeneratedFaceFinder())
    try:
        await tg_start(engine_=small, queue_running=2)
        members = [user(70 + i, f"Member{i}") for i in range(10)]
        for i, member in enumerate(members):
            tg_api.message(member, GROUP, photo=face_jpegs[i % 2], caption=f"/adopt Cat{i:02d}")
        replies = await tg_api.wait_replies(10, timeout=30)
        assert sorted(r.text for r in replies) == sorted(t("adopt_done", "en", name=f"Cat{i:02d}") for i in range(10))
        assert len(names(tg_settings.database_path)) == 10
    finally:
        small.close()
