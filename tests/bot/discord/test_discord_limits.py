"""Fairness (cooldown, per-server cap, busy engine), owner-only resync, DMs, and the logs."""

from __future__ import annotations

import logging
import re

from dc_fake_discord import GUILD_ID, OWNER_ID

from bot.common.texts import t


def cooldown_pattern(lang: str = "en") -> str:
    """The cooldown sentence with any number of seconds (the exact count depends on timing)."""
    return re.escape(t("cooldown", lang, seconds=999)).replace("999", r"\d+")


async def test_cooldown_refuses_the_same_user_but_not_others(fake, start_bot):
    await start_bot(user_cooldown_s=30)
    first = await fake.inject(fake.slash("random", {"count": 1}))
    await fake.first_followup(first)
    again = await fake.inject(fake.slash("random", {"count": 1}))
    answer = await fake.first_callback(again)
    assert (answer.type, answer.ephemeral) == (4, True)
    assert re.fullmatch(cooldown_pattern("en"), answer.content)
    other = await fake.inject(fake.slash("random", {"count": 1}, user_id=99))
    assert (await fake.first_followup(other)).files


async def test_a_refused_file_does_not_cost_the_cooldown(fake, start_bot, face_jpegs):
    await start_bot(user_cooldown_s=30)
    pdf = fake.attachment_payload("x.pdf", b"%PDF-1.4", "application/pdf")
    ok = fake.attachment_payload("ok.jpg", face_jpegs[0], "image/jpeg")
    iid = await fake.inject(fake.slash("mix", attachments={"cat1": pdf, "cat2": ok}))
    assert (await fake.first_callback(iid)).content == t("not_photo")
    junk = fake.attachment_payload("junk.png", b"\x00" * 300, "image/png")  # downloaded, then refused
    iid = await fake.inject(fake.slash("mix", attachments={"cat1": junk, "cat2": ok}))
    assert (await fake.first_callback(iid)).content == t("err_corrupt")
    good = {"cat1": fake.attachment_payload("a.jpg", face_jpegs[0], "image/jpeg"),
            "cat2": fake.attachment_payload("b.jpg", face_jpegs[1], "image/jpeg")}
    iid = await fake.inject(fake.slash("mix", {"frames": 2}, attachments=good))
    assert (await fake.first_followup(iid)).files


async def test_busy_engine_gets_a_polite_private_answer(fake, start_bot):
    await start_bot(engine_max_pending=0)
    iid = await fake.inject(fake.slash("random", {"count": 2}, locale="es-ES"))
    answer = await fake.first_callback(iid)
    assert (answer.type, answer.ephemeral, answer.content) == (4, True, t("err_busy", "es"))


async def test_resync_is_owner_only(fake, start_bot):
    await start_bot(discord_guild_id=GUILD_ID, discord_owner_ids=f"{OWNER_ID}, 1")
    await fake.wait_for(lambda: fake.syncs)
    stranger = await fake.inject(fake.slash("resync"))
    answer = await fake.first_callback(stranger)
    assert (answer.type, answer.ephemeral, answer.content) == (4, True, t("not_owner"))
    assert len(fake.syncs) == 1

    owner = await fake.inject(fake.slash("resync", user_id=OWNER_ID))
    deferred = await fake.first_callback(owner)
    assert deferred.type == 5 and deferred.ephemeral
    done = await fake.first_followup(owner)
    assert done.content == t("resynced", count=5)
    assert len(fake.syncs) == 2 and fake.syncs[1][0] == GUILD_ID


async def test_resync_without_owner_ids_asks_discord_who_owns_the_app(fake, start_bot):
    await start_bot()
    owner = await fake.inject(fake.slash("resync", user_id=OWNER_ID))
    assert (await fake.first_followup(owner)).content == t("resynced", count=5)


async def test_works_in_direct_messages(fake, start_bot):
    await start_bot()
    iid = await fake.inject(fake.slash("random", {"count": 1}, guild=False))
    assert (await fake.first_followup(iid)).files


async def test_token_never_reaches_the_logs(fake, start_bot, face_jpegs, caplog):
    caplog.set_level(logging.DEBUG)
    bot = await start_bot()
    junk = fake.attachment_payload("junk.png", b"nope" * 50, "image/png")
    iid = await fake.inject(fake.slash("mix", attachments={"cat1": junk, "cat2": junk}))
    await fake.first_callback(iid)
    await fake.inject(fake.slash("help"))
    await bot.close()
    assert caplog.records
    assert bot.services.settings.discord_bot_token.reveal() not in caplog.text
    # Interaction tokens are credentials for 15 minutes: only discord.py's own DEBUG lines show URLs.
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and f"token-{iid}" in r.getMessage()]
