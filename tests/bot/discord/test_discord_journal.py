"""The request journal on Discord (real discord.py, the fake Discord, a real SQLite file):
commands are written down and finished once run; a command a crashed run accepted is finished
after the restart through the interaction's follow-up webhook while its token lasts (expired:
closed; too old: an apology); a stop cancels a hung download, tells the user, keeps the request."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time

from bot.common.storage import open_storage
from bot.common.storage.journal import SqliteJournal
from bot.common.texts import t


def rows(path) -> list[tuple[str, str, dict]]:
    conn = sqlite3.connect(path)
    try:
        return [(r[0], r[1], json.loads(r[2])) for r in
                conn.execute("SELECT ref, state, payload FROM requests WHERE platform='discord' ORDER BY id")]
    finally:
        conn.close()


async def mix_with_a_held_photo(fake, face_jpegs) -> tuple[int, dict]:
    cat1 = fake.attachment_payload("tom.jpg", face_jpegs[0], "image/jpeg")
    cat2 = fake.attachment_payload("felix.jpg", face_jpegs[1], "image/jpeg", hold=True)
    payload = fake.slash("mix", {"frames": 4}, attachments={"cat1": cat1, "cat2": cat2})
    iid = await fake.inject(payload)
    assert (await fake.first_callback(iid)).type == 5  # deferred: the download is slow
    return iid, cat2


async def test_a_command_is_journaled_with_its_token_and_finished_once_run(fake, start_bot, tmp_path):
    await start_bot()
    iid = await fake.inject(fake.slash("random", {"count": 2}))
    await fake.first_followup(iid)
    await asyncio.sleep(0.1)
    [(ref, state, payload)] = rows(tmp_path / "kitten.db")
    assert (ref, state) == (str(iid), "done") and payload["interaction"]["token"] == f"token-{iid}"


async def test_a_crashed_runs_mix_is_sent_after_the_restart_by_follow_up(fake, start_bot, face_jpegs, tmp_path):
    bot = await start_bot()
    iid, held = await mix_with_a_held_photo(fake, face_jpegs)
    await fake.wait_for(lambda: fake.hosted_name(held) in fake.downloads)
    for work in list(bot.services.requests.inflight._work.values()):  # the process dies mid-request
        work.task.cancel()
    await asyncio.sleep(0.1)
    await bot.close()
    assert fake.followups_for(iid) == [] and [s for _, s, _ in rows(tmp_path / "kitten.db")] == ["open"]

    fake.release(fake.hosted_name(held))
    fake._ws_ready.clear()
    await start_bot()  # a new process: only the journal knows the request
    result = await fake.first_followup(iid)
    [sent] = result.files
    assert sent.filename.endswith(".gif") and not result.ephemeral
    await asyncio.sleep(0.3)
    assert len(fake.followups_for(iid)) == 1 and len(fake.callbacks_for(iid)) == 1  # answered once, no re-ack
    assert [s for _, s, _ in rows(tmp_path / "kitten.db")] == ["done"]


async def test_expired_tokens_are_closed_and_old_requests_get_an_apology(fake, start_bot, tmp_path):
    path = tmp_path / "kitten.db"
    storage = await open_storage(path)
    old = SqliteJournal(storage.db, clock=lambda: time.time() - 11 * 60)
    expired, stale = fake.slash("random", {"count": 1}), fake.slash("random", {"count": 1}, locale="es-ES")
    await old.accept("discord", expired["id"], 1, 2, {"interaction": expired}, expires_at=time.time() - 60)
    await old.accept("discord", stale["id"], 1, 2, {"interaction": stale}, expires_at=time.time() + 240)
    await storage.close()
    await start_bot()
    apology = await fake.first_followup(int(stale["id"]))
    assert apology.content == t("request_expired", "es") and apology.ephemeral
    await asyncio.sleep(0.3)
    assert fake.followups_for(int(expired["id"])) == []  # its token is gone: nobody to tell
    assert [s for _, s, _ in rows(path)] == ["closed", "closed"]


async def test_a_stop_cancels_a_hung_download_tells_the_user_and_keeps_the_request(fake, start_bot, face_jpegs,
                                                                                    tmp_path):
    bot = await start_bot(download_timeout_s=30.0)
    iid, held = await mix_with_a_held_photo(fake, face_jpegs)
    await fake.wait_for(lambda: fake.hosted_name(held) in fake.downloads)
    start = time.monotonic()
    await bot.services.requests.stop("test")
    assert time.monotonic() - start < 8.0  # the grace, not the 30 s download timeout
    told = await fake.first_followup(iid)
    assert told.content == t("resume_later", "en") and told.ephemeral
    assert [s for _, s, _ in rows(tmp_path / "kitten.db")] == ["open"]

    late = await fake.inject(fake.slash("random", {"count": 1}))  # no new work while stopping
    answer = await fake.first_callback(late)
    assert (answer.type, answer.ephemeral, answer.content) == (4, True, t("restarting_try_again", "en"))
    assert len(rows(tmp_path / "kitten.db")) == 1


async def test_a_follow_up_lost_to_the_network_is_sent_by_the_sweep(fake, start_bot, tmp_path, caplog):
    await start_bot(journal_retry_s=1.5)
    fake.followup_drops = 1
    iid = await fake.inject(fake.slash("random", {"count": 2}))
    await fake.wait_for(lambda: fake.failed_followups)
    await fake.wait_for(lambda: any("will be tried again" in r.getMessage() for r in caplog.records))
    assert [s for _, s, _ in rows(tmp_path / "kitten.db")] == ["open"]
    result = await fake.first_followup(iid, timeout=15)
    assert result.files and result.files[0].filename.endswith(".png")
    await asyncio.sleep(0.3)
    assert len(fake.followups_for(iid)) == 1 and len(fake.callbacks_for(iid)) == 1
    assert [s for _, s, _ in rows(tmp_path / "kitten.db")] == ["done"]


async def test_the_journal_keeps_no_names_or_message_text_and_the_replay_still_works(fake, start_bot, face_jpegs,
                                                                                      tmp_path):
    """Privacy (issue 21, parity with Telegram): a request is journaled with ids, the command, its
    options and attachment URLs only; not the member's name, the channel's name or the target
    message's text. A crashed run's context-menu mix is still finished from that after a restart."""
    from dc_fake_discord import user_payload

    bot = await start_bot()
    cat1 = fake.attachment_payload("tom.jpg", face_jpegs[0], "image/jpeg")
    cat2 = fake.attachment_payload("felix.jpg", face_jpegs[1], "image/jpeg", hold=True)
    target = fake.message(content="my secret plans for the weekend", attachments=[cat1, cat2],
                          author=user_payload(700000000000000555, "Zelda Secretname"))
    payload = fake.message_command(t("dc_menu_mix", "en"), target)
    payload["member"]["nick"] = "Nicky Nickname"
    iid = await fake.inject(payload)
    assert (await fake.first_callback(iid)).type == 5
    await fake.wait_for(lambda: fake.hosted_name(cat2) in fake.downloads)
    for work in list(bot.services.requests.inflight._work.values()):  # the process dies mid-request
        work.task.cancel()
    await asyncio.sleep(0.1)
    await bot.close()

    [(_, state, kept)] = rows(tmp_path / "kitten.db")
    text = json.dumps(kept)
    assert state == "open"
    for private in ("secret plans", "Zelda", "Secretname", "Nicky", "user400", '"cats"'):
        assert private not in text, private
    interaction = kept["interaction"]
    assert interaction["token"] == f"token-{iid}" and interaction["data"]["name"] == t("dc_menu_mix", "en")
    [message] = interaction["data"]["resolved"]["messages"].values()
    assert [a["url"] for a in message["attachments"]] == [cat1["url"], cat2["url"]]

    fake.release(fake.hosted_name(cat2))
    fake._ws_ready.clear()
    await start_bot()  # a new process: only the journal knows the request
    result = await fake.first_followup(iid)
    assert [f.filename.endswith(".gif") for f in result.files] == [True] and not result.ephemeral
