"""The request journal in the running bot (real Application, fake Bot API, real SQLite file):
requests are written down and finished once answered, a redelivered update is not answered
twice, a previous run's unanswered requests are finished (or apologised for) on start, and a
stop finishes the album wait, or keeps a hung download's request for the restart."""

from __future__ import annotations

import asyncio
import sqlite3
import time

from tg_fake_api import private_chat, user
from tg_images import gif_frames
from tg_lifecycle import stop_app

from bot.common.storage import open_storage
from bot.common.storage.journal import SqliteJournal
from bot.common.texts import t
from bot.telegram.state import STATE_KEY

ANA = user(10, "Ana")
CHAT = private_chat(10)


def states(path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT ref, state FROM requests ORDER BY id").fetchall()
    finally:
        conn.close()


def album(tg_api, photos, caption="/mix 4", group="alb", send=True) -> list[dict]:
    first = tg_api.message(ANA, CHAT, photo=photos[0], caption=caption, media_group_id=group, send=send)
    second = tg_api.message(ANA, CHAT, photo=photos[1], media_group_id=group, send=send)
    return [first, second]


async def journal_before_start(path, updates: list[dict], age_s: float = 0.0) -> None:
    """What a previous run left: accepted, never answered."""
    storage = await open_storage(path)
    journal = SqliteJournal(storage.db, clock=lambda: time.time() - age_s)
    for u in updates:
        m = u["message"]
        await journal.accept("telegram", str(u["update_id"]), m["chat"]["id"], m["from"]["id"], {"update": u},
                             grp=m.get("media_group_id"))
    await storage.close()


async def test_requests_are_finished_once_answered_and_a_redelivery_is_not_answered_twice(
        tg_api, tg_start, tg_settings, face_jpegs):
    app = await tg_start()
    msgs = album(tg_api, face_jpegs)
    help_msg = tg_api.message(ANA, CHAT, text="/help")
    replies = await tg_api.wait_replies(2)
    assert {r.method for r in replies} == {"sendMessage", "sendAnimation"}
    await asyncio.sleep(0.2)
    refs = [str(tg_api.update_id_of(m)) for m in (*msgs, help_msg)]
    assert sorted(states(tg_settings.database_path)) == sorted((r, "done") for r in refs)

    await stop_app(app)  # as if it had died before confirming: Telegram sends the update again
    tg_api.redeliver({"update_id": tg_api.update_id_of(help_msg), "message": help_msg})
    await tg_start()
    await asyncio.sleep(1.0)
    assert len(tg_api.replies()) == 2


async def test_a_previous_runs_unanswered_album_is_mixed_on_start(tg_api, tg_start, tg_settings, face_jpegs):
    msgs = album(tg_api, face_jpegs, caption="/mix 5", send=False)
    updates = [{"update_id": 500 + i, "message": m} for i, m in enumerate(msgs)]
    await journal_before_start(tg_settings.database_path, updates)
    await tg_start()
    (result,) = await tg_api.wait_replies(1)
    assert result.method == "sendAnimation" and gif_frames(result.upload("animation")) == 5
    assert result.reply_to == msgs[0]["message_id"]
    await asyncio.sleep(0.2)
    assert states(tg_settings.database_path) == [("500", "done"), ("501", "done")]


async def test_a_request_too_old_gets_an_apology_and_is_closed(tg_api, tg_start, tg_settings, face_jpegs):
    msgs = album(tg_api, face_jpegs, send=False)
    updates = [{"update_id": 600 + i, "message": m} for i, m in enumerate(msgs)]
    await journal_before_start(tg_settings.database_path, updates, age_s=700)
    await tg_start()
    (reply,) = await tg_api.wait_replies(1)
    assert reply.text == t("request_expired", "en") and reply.reply_to == msgs[0]["message_id"]
    await asyncio.sleep(0.3)
    assert len(tg_api.replies()) == 1  # one apology for the album, no mix
    assert states(tg_settings.database_path) == [("600", "closed"), ("601", "closed")]


async def test_a_stop_during_the_album_wait_mixes_at_once(tg_api, tg_start, tg_settings, face_jpegs):
    app = await tg_start(album_wait_s=30.0)
    album(tg_api, face_jpegs, caption="/mix 3")
    await tg_api.wait_for(lambda: len(states(tg_settings.database_path)) == 2)
    start = time.monotonic()
    await app.bot_data[STATE_KEY].requests.stop("test")
    assert time.monotonic() - start < 8.0  # not the 30 s album wait
    (result,) = tg_api.replies()  # out before the stop returned
    assert result.method == "sendAnimation" and gif_frames(result.upload("animation")) == 3
    assert [s for _, s in states(tg_settings.database_path)] == ["done", "done"]


async def test_a_hung_download_at_stop_is_cancelled_told_and_finished_after_the_restart(
        tg_api, tg_start, tg_settings, face_jpegs):
    app = await tg_start(download_timeout_s=30.0)
    msgs = album(tg_api, face_jpegs, caption="/mix 3")
    tg_api.stall_file(msgs[1]["photo"][0]["file_id"])
    await tg_api.wait_for(lambda: len(tg_api.downloads) >= 2)  # both started; one hangs
    start = time.monotonic()
    await app.bot_data[STATE_KEY].requests.stop("test")
    assert time.monotonic() - start < 8.0  # the grace, not the 30 s download timeout
    (told,) = tg_api.replies()
    assert told.text == t("resume_later", "en") and told.reply_to == msgs[0]["message_id"]
    assert [s for _, s in states(tg_settings.database_path)] == ["open", "open"]

    await stop_app(app)
    tg_api.unstall_file(msgs[1]["photo"][0]["file_id"])
    await tg_start()
    result = (await tg_api.wait_replies(2))[1]
    assert result.method == "sendAnimation" and result.reply_to == msgs[0]["message_id"]
    await asyncio.sleep(0.3)
    assert len(tg_api.replies()) == 2
    assert [s for _, s in states(tg_settings.database_path)] == ["done", "done"]


async def test_a_journal_that_cannot_write_still_lets_the_bot_answer(tg_api, tg_start, caplog):
    app = await tg_start()
    journal = app.bot_data[STATE_KEY].requests

    async def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    journal.store.accept = broken  # the disk fails under the running bot
    tg_api.message(ANA, CHAT, text="/help")
    (reply,) = await tg_api.wait_replies(1)
    assert reply.method == "sendMessage"
    [error] = [r for r in caplog.records if r.name == "bot.telegram.journal" and r.levelname == "ERROR"]
    assert "could not journal it (OperationalError: disk I/O error); serving it anyway" in error.getMessage()


async def test_an_answer_telegram_would_not_take_is_kept_and_sent_by_the_sweep(tg_api, tg_start, tg_settings,
                                                                                face_jpegs, caplog):
    await tg_start(send_retry_s=1.0, journal_retry_s=1.5)
    for _ in range(6):  # more than one round of send retries can take
        tg_api.fail_next("sendAnimation", "Internal Server Error", code=500)
    album(tg_api, face_jpegs, caption="/mix 3")
    await tg_api.wait_for(lambda: any("will be tried again" in r.getMessage() for r in caplog.records), timeout=10)
    assert tg_api.replies() == []  # no apology: it could not get through either, and the request is kept
    assert [s for _, s in states(tg_settings.database_path)] == ["open", "open"]
    (result,) = await tg_api.wait_replies(1, timeout=20)
    assert result.method == "sendAnimation" and gif_frames(result.upload("animation")) == 3
    await asyncio.sleep(0.3)
    assert len(tg_api.replies()) == 1
    assert [s for _, s in states(tg_settings.database_path)] == ["done", "done"]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_the_journal_keeps_no_names_only_what_a_replay_needs(tg_api, tg_start, tg_settings, face_jpegs):
    """Issue 21 (privacy): names, usernames and the chat's title never reach the journal."""
    from tg_fake_api import group_chat

    await tg_start()
    group = {**group_chat(-1099), "title": "Secret Cat Club", "username": "secretcats"}
    ana = {**user(99, "Anastasia"), "last_name": "Zebrowska", "username": "ana_z"}
    photo = tg_api.message(ana, group, photo=face_jpegs[0], send=False)
    tg_api.message(ana, group, photo=face_jpegs[1], caption="/mix 3", reply_to=photo)
    (result,) = await tg_api.wait_replies(1)
    assert result.method == "sendAnimation"
    conn = sqlite3.connect(tg_settings.database_path)
    try:
        [(payload,)] = conn.execute("SELECT payload FROM requests").fetchall()
    finally:
        conn.close()
    for secret in ("Anastasia", "Zebrowska", "ana_z", "Secret Cat Club", "secretcats"):
        assert secret not in payload
    assert "/mix 3" in payload and photo["photo"][0]["file_id"] in payload  # what a replay needs
