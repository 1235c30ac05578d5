"""/adopt and /forget on Discord, end to end: real discord.py, the fake Discord, the real engine
(tiny model) and a real SQLite file that outlives the bot."""

from __future__ import annotations

import logging
import sqlite3

from dc_fake_discord import GUILD_ID, USER_ID

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
