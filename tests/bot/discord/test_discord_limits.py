"""The fair line (wait, don't refuse; a full line keeps the request), busy engine, owner-only resync, DMs, logs."""

from __future__ import annotations

import asyncio
import logging

from dc_fake_discord import GUILD_ID, OWNER_ID

from bot.common.settings import Settings
from bot.common.texts import t


def has_result(fake, iid: int) -> bool:
    """A picture reached the channel: as a follow-up, or edited into the place-in-line message."""
    return any(f.files for f in fake.followups_for(iid)) or bool(fake.edited_files.get(f"token-{iid}"))


def line_full_texts() -> set[str]:
    return {t(k, lang, count=n) for lang in ("en", "es") for n in range(100)
            for k in ("line_full_user", "line_full_chat", "line_full_total")}


async def test_twelve_requests_in_one_server_within_half_a_second_are_all_served(fake, start_bot, face_jpegs):
    defaults = Settings()
    await start_bot(rate_burst=defaults.rate_burst, rate_refill_s=defaults.rate_refill_s)
    iids = []
    for member in range(6):  # each member: /mix, then /random, all within ~0.3 s
        cats = {"cat1": fake.attachment_payload("a.jpg", face_jpegs[0], "image/jpeg"),
                "cat2": fake.attachment_payload("b.jpg", face_jpegs[1], "image/jpeg")}
        iids.append(await fake.inject(fake.slash("mix", {"frames": 3}, attachments=cats, user_id=500 + member)))
        iids.append(await fake.inject(fake.slash("random", {"count": 1}, user_id=500 + member)))
        await asyncio.sleep(0.05)
    await fake.wait_for(lambda: all(has_result(fake, i) for i in iids), timeout=90)
    said = [c.content for c in fake.callbacks] + [f.content for f in fake.followups]
    assert not line_full_texts() & set(said)
    # Every acknowledgement came within Discord's 3 seconds.
    assert all(fake.callbacks_for(i)[0].at - fake.injected_at[i] < 3.0 for i in iids)


async def test_a_full_line_keeps_the_request_behind_a_private_try_again_button(fake, start_bot, face_jpegs):
    bot = await start_bot(queue_running=1, queue_per_user=1)
    slow = fake.attachment_payload("slow.jpg", face_jpegs[0], "image/jpeg", hold=True)
    good = fake.attachment_payload("ok.jpg", face_jpegs[1], "image/jpeg")
    running = await fake.inject(fake.slash("mix", {"frames": 2}, attachments={"cat1": slow, "cat2": good}))
    await fake.wait_for(lambda: fake.downloads)
    waiting = await fake.inject(fake.slash("random", {"count": 1}))
    await fake.wait_for(lambda: bot.services.scheduler.waiting() == 1)
    cats = {"cat1": fake.attachment_payload("c.jpg", face_jpegs[0], "image/jpeg"),
            "cat2": fake.attachment_payload("d.jpg", face_jpegs[1], "image/jpeg")}
    refused = await fake.inject(fake.slash("mix", {"frames": 3, "format": "grid"}, attachments=cats))
    answer = await fake.first_callback(refused)
    assert (answer.type, answer.ephemeral, answer.content) == (4, True, t("line_full_user", count=1))
    (button,) = answer.data["components"][0]["components"]
    assert button["custom_id"].startswith("kitten-mixer:retry:") and button["label"] == t("retry_button")
    message = fake.message(components=answer.data["components"], flags=64)

    stranger = await fake.inject(fake.button(message, button["custom_id"], user_id=99))
    assert (await fake.first_callback(stranger)).content == t("retry_not_yours")
    too_soon = await fake.inject(fake.button(message, button["custom_id"]))
    still = await fake.first_callback(too_soon)  # a press refused again: a private note, no new button
    assert (still.ephemeral, still.content, still.data.get("components")) == (True, t("retry_still_full"), None)

    fake.release(fake.hosted_name(slow))
    await fake.wait_for(lambda: has_result(fake, running) and has_result(fake, waiting))
    again = await fake.inject(fake.button(message, button["custom_id"]))
    await fake.wait_for(lambda: has_result(fake, again))
    result = fake.followups_for(again)[0]
    assert result.files[0].data[:8] == b"\x89PNG\r\n\x1a\n" and not result.ephemeral  # the kept grid
    used = await fake.inject(fake.button(message, button["custom_id"]))
    assert (await fake.first_callback(used)).content == t("retry_expired")


async def test_a_refused_roll_again_is_a_private_note(fake, start_bot, face_jpegs):
    bot = await start_bot(queue_running=1, queue_per_user=1)
    first = await fake.inject(fake.slash("random", {"count": 1}, locale="es-ES"))
    grid = await fake.first_followup(first)
    slow = fake.attachment_payload("slow.jpg", face_jpegs[0], "image/jpeg", hold=True)
    good = fake.attachment_payload("ok.jpg", face_jpegs[1], "image/jpeg")
    running = await fake.inject(fake.slash("mix", {"frames": 2}, attachments={"cat1": slow, "cat2": good}))
    await fake.wait_for(lambda: fake.downloads)
    waiting = await fake.inject(fake.slash("random", {"count": 1}))
    await fake.wait_for(lambda: bot.services.scheduler.waiting() == 1)
    roll = grid.message["components"][0]["components"][0]["custom_id"]
    press = await fake.inject(fake.button(grid.message, roll, locale="es-ES"))
    answer = await fake.first_callback(press)
    assert (answer.type, answer.ephemeral, answer.content) == (4, True, t("retry_still_full", "es"))
    fake.release(fake.hosted_name(slow))
    await fake.wait_for(lambda: has_result(fake, running) and has_result(fake, waiting))


async def test_busy_engine_gets_a_polite_private_answer(fake, start_bot):
    await start_bot(engine_max_pending=0)
    iid = await fake.inject(fake.slash("random", {"count": 2}, locale="es-ES"))
    answer = await fake.wait_for(lambda: [f for f in fake.followups_for(iid) if f.ephemeral])
    assert answer[0].content == t("err_busy", "es")
    assert f"token-{iid}" in fake.deletes  # the public "thinking..." went first


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
    assert len(fake.syncs) == 2 and fake.syncs[1][0] == GUILD_ID
    assert done.content == t("resynced", count=len(fake.syncs[1][1]))  # every command the bot has, synced again


async def test_resync_without_owner_ids_asks_discord_who_owns_the_app(fake, start_bot):
    await start_bot()
    owner = await fake.inject(fake.slash("resync", user_id=OWNER_ID))
    assert (await fake.first_followup(owner)).content == t("resynced", count=len(fake.syncs[-1][1]))


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


async def test_random_then_mix_a_second_later_are_both_served(fake, start_bot, face_jpegs):
    defaults = Settings()
    await start_bot(rate_burst=defaults.rate_burst, rate_refill_s=defaults.rate_refill_s)
    first = await fake.inject(fake.slash("random", {"count": 1}))
    await asyncio.sleep(1.0)
    cats = {"cat1": fake.attachment_payload("a.jpg", face_jpegs[0], "image/jpeg"),
            "cat2": fake.attachment_payload("b.jpg", face_jpegs[1], "image/jpeg")}
    second = await fake.inject(fake.slash("mix", {"frames": 2}, attachments=cats))
    await fake.wait_for(lambda: has_result(fake, first) and has_result(fake, second))
    assert not [c for c in fake.callbacks if c.ephemeral]  # nothing refused
