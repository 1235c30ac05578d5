"""/adopt and /forget on Discord, end to end: real discord.py, the fake Discord, the real engine
(tiny model) and a real SQLite file that outlives the bot."""

from __future__ import annotations

import logging
import sqlite3

from dc_fake_discord import CHANNEL_ID, GUILD_ID, USER_ID

from bot.common.adoption import scope_for
from bot.common.texts import t

MANAGE_GUILD = 1 << 5


async def said(fake, iid: int) -> tuple[str, bool]:
    """What the user saw: the direct answer, or the follow-up after a deferral; and if it was private."""
    first = await fake.first_callback(iid)
    if first.type == 4:
        return first.content, first.ephemeral
    followup = await fake.first_followup(iid)
    return followup.content, followup.ephemeral


def adopted_rows(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT scope, name FROM adopted_cats ORDER BY name").fetchall()
    finally:
        conn.close()


async def test_adopt_is_announced_survives_a_restart_and_stays_in_its_server(fake, start_bot, face_jpegs, tmp_path):
    bot = await start_bot()
    photo = fake.attachment_payload("luna.jpg", face_jpegs[0], "image/jpeg")
    iid = await fake.inject(fake.slash("adopt", {"name": "Luna"}, attachments={"photo": photo}))
    assert await said(fake, iid) == (t("adopt_done", "en", name="Luna"), False)
    assert adopted_rows(tmp_path / "kitten.db") == [(scope_for("discord", GUILD_ID), "Luna")]

    await bot.close()  # restart on the same file
    fake._ws_ready.clear()
    await start_bot()
    again = fake.attachment_payload("other.jpg", face_jpegs[1], "image/jpeg")
    iid = await fake.inject(fake.slash("adopt", {"name": "luna"}, attachments={"photo": again}, locale="es-ES"))
    assert await said(fake, iid) == (t("name_taken", "es", name="luna"), True)
    iid = await fake.inject(fake.slash("forget", {"name": "Luna"}, guild=False))  # a DM is another chat
    assert await said(fake, iid) == (t("unknown_cat", "en", name="Luna"), True)
    iid = await fake.inject(fake.slash("forget", {"name": "LUNA"}))
    assert await said(fake, iid) == (t("forget_done", "en", name="Luna"), False)
    assert adopted_rows(tmp_path / "kitten.db") == []


async def test_bad_names_and_files_are_answered_privately(fake, start_bot, face_jpegs):
    await start_bot()
    photo = fake.attachment_payload("cat.jpg", face_jpegs[0], "image/jpeg")
    for name, key, params in [("42", "name_number", {"name": "42"}), ("all", "name_reserved", {"name": "all"}),
                              ("Mr Tom", "name_bad_chars", {"name": "Mr Tom"})]:
        iid = await fake.inject(fake.slash("adopt", {"name": name}, attachments={"photo": photo}))
        assert await said(fake, iid) == (t(key, "en", **params), True)
    pdf = fake.attachment_payload("cat.pdf", b"%PDF-1.4", "application/pdf")
    iid = await fake.inject(fake.slash("adopt", {"name": "Tom"}, attachments={"photo": pdf}))
    assert await said(fake, iid) == (t("not_photo", "en"), True)
    assert fake.downloads == []  # refused from the metadata: nothing fetched


async def test_forget_all_needs_manage_server_in_a_server_not_in_a_dm(fake, start_bot, face_jpegs):
    await start_bot()
    for name in ("Luna", "Tom"):
        photo = fake.attachment_payload(f"{name}.jpg", face_jpegs[0], "image/jpeg")
        await said(fake, await fake.inject(fake.slash("adopt", {"name": name}, attachments={"photo": photo})))
    iid = await fake.inject(fake.slash("forget", {"name": "all"}))
    assert await said(fake, iid) == (t("forget_all_admins", "en"), True)
    fake.member_permissions[USER_ID] = 1071698660929 | MANAGE_GUILD
    iid = await fake.inject(fake.slash("forget", {"name": "all"}))
    assert await said(fake, iid) == (t("forget_all_done", "en", count=2), False)

    photo = fake.attachment_payload("kit.jpg", face_jpegs[1], "image/jpeg")
    await said(fake, await fake.inject(fake.slash("adopt", {"name": "Kit"}, attachments={"photo": photo},
                                                  guild=False, user_id=USER_ID + 1)))
    iid = await fake.inject(fake.slash("forget", {"name": "all"}, guild=False, user_id=USER_ID + 1))
    assert await said(fake, iid) == (t("forget_all_done", "en", count=1), False)


async def test_a_corrupt_database_is_set_aside_and_the_bot_serves(fake, start_bot, face_jpegs, tmp_path, caplog):
    path = tmp_path / "kitten.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8000)  # the right header, nothing sane behind it
    await start_bot()
    [aside] = list(tmp_path.glob("kitten.db.corrupt-*"))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "moved it aside" in errors[0].getMessage() and aside.name in errors[0].getMessage()
    caplog.clear()  # that ERROR was expected
    photo = fake.attachment_payload("luna.jpg", face_jpegs[0], "image/jpeg")
    iid = await fake.inject(fake.slash("adopt", {"name": "Luna"}, attachments={"photo": photo}))
    assert await said(fake, iid) == (t("adopt_done", "en", name="Luna"), False)



OTHER_GUILD_ID = GUILD_ID + 1
OTHER_CHANNEL_ID = CHANNEL_ID + 1


def in_other_server(payload: dict) -> dict:
    """The same slash command, sent from a second server the bot is in (the line takes turns
    between servers). Its channel comes whole, as Discord sends a channel the client has not cached."""
    payload["guild_id"] = payload["data"]["guild_id"] = str(OTHER_GUILD_ID)
    payload["channel_id"] = str(OTHER_CHANNEL_ID)
    payload["channel"] = {"id": str(OTHER_CHANNEL_ID), "type": 0, "name": "cats", "position": 0,
                          "guild_id": str(OTHER_GUILD_ID), "permission_overwrites": [], "nsfw": False,
                          "parent_id": None, "topic": None, "rate_limit_per_user": 0, "last_message_id": None}
    payload["authorizing_integration_owners"] = {"0": str(OTHER_GUILD_ID)}
    return payload


def texts_for(fake, iid: int) -> list[str]:
    """Everything the user of interaction `iid` saw: answers, follow-ups, then edits in order."""
    return ([c.content for c in fake.callbacks_for(iid)] + [f.content for f in fake.followups_for(iid)]
            + [payload.get("content") or "" for token, payload in fake.edits if token == f"token-{iid}"])


def adopted(fake, iid: int, name: str) -> bool:
    return t("adopt_done", "en", name=name) in texts_for(fake, iid)


async def test_an_adopt_flood_waits_in_the_fair_line_and_another_server_is_not_starved(fake, start_bot, face_jpegs,
                                                                                      tmp_path):
    """Issue 21, defect 6 on Discord: /adopt encodes a face, so it waits in the shared line like a mix.

    The engine takes 2 requests at once and says "busy" past that; the line runs 2. The flood's
    photos are held by the fake until every request has arrived, so all 12 are in progress at
    once. Before, /adopt went straight to the engine and most of the flood got the busy apology;
    now every member waits (told their place, acknowledged within Discord's 3 s) and is
    announced, and a request from another server is served right after the two already running,
    not after the whole flood."""
    bot = await start_bot(engine_max_pending=2, queue_running=2, queue_total=40, queue_notice_s=0.3)
    flood, held = [], []
    for i in range(12):
        photo = fake.attachment_payload(f"cat{i}.jpg", face_jpegs[i % 2], "image/jpeg", hold=True)
        held.append(fake.hosted_name(photo))
        flood.append(await fake.inject(fake.slash("adopt", {"name": f"Cat{i:02d}"}, attachments={"photo": photo},
                                                  user_id=USER_ID + 10 + i)))
    await fake.wait_for(lambda: len(fake.downloads) == 2 and bot.services.scheduler.waiting() == 10)
    photo = fake.attachment_payload("solo.jpg", face_jpegs[0], "image/jpeg")
    other = await fake.inject(in_other_server(fake.slash("adopt", {"name": "Solo"}, attachments={"photo": photo},
                                                         user_id=USER_ID + 99)))
    await fake.wait_for(lambda: bot.services.scheduler.waiting() == 11)
    places = {t("queue_place", "en", place=n) for n in range(1, 14)}
    # Those waiting are told their place (within Discord's 3 s: the notice is the acknowledgement).
    await fake.wait_for(lambda: len([i for i in [*flood, other] if places & set(texts_for(fake, i))]) == 11)
    for name in held:
        fake.release(name)

    await fake.wait_for(lambda: adopted(fake, other, "Solo"), timeout=60)
    flood_served_first = sum(adopted(fake, iid, f"Cat{i:02d}") for i, iid in enumerate(flood))
    await fake.wait_for(lambda: all(adopted(fake, iid, f"Cat{i:02d}") for i, iid in enumerate(flood)), timeout=90)

    said = [text for iid in [*flood, other] for text in texts_for(fake, iid)]
    assert t("err_busy", "en") not in said
    assert not {t(k, "en", count=n) for n in range(50) for k in ("line_full_user", "line_full_chat",
                                                                  "line_full_total")} & set(said)
    # Round-robin between servers: the other server waited for the requests already running, not the flood.
    assert flood_served_first <= 4, flood_served_first
    # The place notice then became the announcement (edited in place, no second message).
    placed = [iid for iid in flood if places & set(texts_for(fake, iid))]
    assert len(placed) == 10 and all(texts_for(fake, iid)[-1].startswith("Cat") for iid in placed)
    assert not any(fake.followups_for(iid) for iid in placed)
    assert all(fake.callbacks_for(iid)[0].at - fake.injected_at[iid] < 3.0 for iid in [*flood, other])
    rows = adopted_rows(tmp_path / "kitten.db")
    assert sorted(name for _, name in rows) == sorted([*(f"Cat{i:02d}" for i in range(12)), "Solo"])
    assert (scope_for("discord", OTHER_GUILD_ID), "Solo") in rows


def face_button(message: dict, label: str) -> str:
    return next(b["custom_id"] for row in message["components"] for b in row["components"] if b["label"] == label)


async def test_adopt_of_the_bots_own_gif_without_a_face_asks_and_the_press_adopts(fake, start_bot, face_jpegs,
                                                                                gradient_png, tmp_path):
    """Issue 20: /adopt of a picture without a confident cat face asks "where's the face?" as /mix
    does (it used to refuse with err_no_face), here the bot's own GIF attached again, whose first
    frame is the picture; the press adopts that face, announced publicly."""
    await start_bot()
    wall = fake.attachment_payload("wall.png", gradient_png, "image/png")
    cat = fake.attachment_payload("tom.jpg", face_jpegs[0], "image/jpeg")
    iid = await fake.inject(fake.slash("mix", {"frames": 3}, attachments={"cat1": wall, "cat2": cat}))
    question = await fake.first_followup(iid)
    press = await fake.inject(fake.button(question.message, face_button(question.message, "5")))
    [gif] = (await fake.first_followup(press)).files
    assert gif.filename.endswith(".gif")

    again = fake.attachment_payload("kitten-mix.gif", gif.data, "image/gif")
    iid = await fake.inject(fake.slash("adopt", {"name": "Luna"}, attachments={"photo": again}))
    question = await fake.first_followup(iid)  # not "no cat face", not the middle of the frame
    assert not question.ephemeral and question.files
    assert question.content == t("face_where", "en", which=t("the_photo", "en"), minutes=5)
    assert adopted_rows(tmp_path / "kitten.db") == []
    press = await fake.inject(fake.button(question.message, face_button(question.message, "5")))
    done = await fake.first_followup(press)
    assert (done.content, done.ephemeral) == (t("adopt_done", "en", name="Luna"), False)
    assert adopted_rows(tmp_path / "kitten.db") == [(scope_for("discord", GUILD_ID), "Luna")]
