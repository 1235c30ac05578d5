"""User-installed commands on Discord, end to end (issue 23): real discord.py against the fake
Discord, which sends interactions as Discord does for a command the user installed (context 0 in a
server the bot is not in, 1 in the bot's DM, 2 in a group DM; `authorizing_integration_owners`
naming the user only), caps their follow-ups at 5 and makes answers private where the server
denies external apps."""

from __future__ import annotations

import io
import logging

import discord
import pytest
from dc_fake_discord import OTHER_GUILD_ID, USER_INSTALL_FOLLOW_UPS
from PIL import Image, ImageSequence

from bot.common.texts import mb, t
from bot.discord.installs import bot_is_here, forced_private, user_install_only
from bot.discord.say import follow_up


@pytest.fixture
async def start(start_bot, tiny_gallery):
    async def go(**overrides):
        return await start_bot(kitten_gallery=tiny_gallery, **overrides)

    return go


def _frames(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "GIF"
        return sum(1 for _ in ImageSequence.Iterator(image))


async def test_mix_where_the_bot_is_not_a_member(fake, start, face_jpegs):
    bot = await start()
    iid = await fake.inject(fake.user_install(fake.slash("mix", {"cats": "3 12"}), "server"))
    result = await fake.first_followup(iid)
    assert bot.get_guild(OTHER_GUILD_ID) is None  # really a server the bot is not in
    assert "#3" in result.content and "#12" in result.content and not result.ephemeral
    [gif] = result.files
    assert _frames(gif.data) >= 2
    assert t("dc_only_you_see") not in result.content  # external apps allowed: posted for everyone

    photo = fake.attachment_payload("tom.jpg", face_jpegs[0], "image/jpeg")
    iid = await fake.inject(fake.user_install(fake.slash("mix", {"cats": "7"}, attachments={"cat1": photo}),
                                              "server"))
    result = await fake.first_followup(iid)
    assert "tom.jpg" in result.content and "#7" in result.content and result.files
    # the buttons under it work there too (a press arrives through the same user install)
    swap = next(c for row in result.message["components"] for c in row["components"]
                if c["custom_id"].endswith(":swap"))
    press = await fake.inject(fake.user_install(fake.button(result.message, swap["custom_id"]), "server"))
    swapped = await fake.first_followup(press)
    assert not swapped.ephemeral and swapped.files[0].data != result.files[0].data  # the other way round


async def test_mix_these_cats_in_a_group_dm_and_random_in_the_bots_dm(fake, start, face_jpegs):
    await start()
    target = fake.message(attachments=[fake.attachment_payload(f"{n}.jpg", d, "image/jpeg")
                                       for n, d in zip("ab", face_jpegs, strict=True)])
    iid = await fake.inject(fake.user_install(fake.message_command("Mix these cats", target), "group"))
    result = await fake.first_followup(iid)
    assert "a.jpg" in result.content and "b.jpg" in result.content and _frames(result.files[0].data) >= 2
    iid = await fake.inject(fake.user_install(fake.slash("random", {"count": 2, "seed": 5}), "dm"))
    grid = await fake.first_followup(iid)
    assert grid.files[0].data[:8] == b"\x89PNG\r\n\x1a\n" and not grid.ephemeral


async def test_adopt_where_the_bot_is_not_a_member_is_refused_kindly(fake, start, face_jpegs, tmp_path):
    await start()
    for where, lang in (("server", "en"), ("group", "es")):
        photo = fake.attachment_payload("luna.jpg", face_jpegs[0], "image/jpeg")
        slash = fake.slash("adopt", {"name": "Luna"}, attachments={"photo": photo}, locale=f"{lang}-ES")
        answer = await fake.first_callback(await fake.inject(fake.user_install(slash, where)))
        assert (answer.type, answer.ephemeral, answer.content) == (4, True, t("dc_needs_bot_here", lang))
    forget = await fake.first_callback(await fake.inject(fake.user_install(fake.slash("forget", {"name": "Luna"}))))
    assert forget.ephemeral and forget.content == t("dc_needs_bot_here")
    assert fake.downloads == []  # the photo was never fetched
    # the bot's own DM through the user's install is a place the bot is: adopting there works
    photo = fake.attachment_payload("luna.jpg", face_jpegs[0], "image/jpeg")
    iid = await fake.inject(fake.user_install(fake.slash("adopt", {"name": "Luna"}, attachments={"photo": photo}),
                                              "dm"))
    done = await fake.wait_for(lambda: fake.callbacks_for(iid)[:1] + fake.followups_for(iid))
    assert t("adopt_done", "en", name="Luna") in [getattr(x, "content", "") for x in done]


async def test_answers_made_private_by_the_server_say_so(fake, start):
    await start()
    iid = await fake.inject(fake.user_install(fake.slash("random", {"count": 2}, locale="es-ES"), "server",
                                              external_apps=False))
    result = await fake.first_followup(iid)
    assert result.ephemeral and result.files
    assert result.content.endswith(t("dc_only_you_see", "es"))


async def test_a_refused_public_send_is_sent_privately_and_says_why(fake, start):
    await start()
    fake.followup_failures.append(403)  # the server's rules refuse the public result
    iid = await fake.inject(fake.user_install(fake.slash("random", {"count": 2}), "server"))
    result = await fake.first_followup(iid)
    assert result.ephemeral and result.files and result.content.endswith(t("dc_only_you_see"))
    assert fake.failed_followups == [f"token-{iid}"]


async def test_a_result_over_the_upload_limit_is_shrunk_to_fit(fake, start, face_jpegs):
    await start()
    limit = 20_000
    cats = {k: fake.attachment_payload(f"{k}.jpg", d, "image/jpeg") for k, d in zip(("cat1", "cat2"), face_jpegs,
                                                                                     strict=True)}
    iid = await fake.inject(fake.user_install(fake.slash("mix", {"frames": 24}, attachments=cats, size_limit=limit),
                                              "dm"))
    result = await fake.first_followup(iid)
    [gif] = result.files
    assert len(gif.data) <= limit and 2 <= _frames(gif.data) <= 24 and not result.ephemeral
    assert result.content.endswith(t("dc_shrunk", "en", limit_mb=mb(limit)))
    # the same mix with room enough is bigger than the limit: it really was made plainer
    iid = await fake.inject(fake.user_install(fake.slash("mix", {"frames": 24}, attachments=cats), "dm"))
    full = await fake.first_followup(iid)
    assert len(full.files[0].data) > limit and t("dc_shrunk", "en", limit_mb=mb(limit)) not in full.content


async def test_follow_ups_stay_within_five_even_with_the_place_in_line(fake, start, face_jpegs):
    bot = await start(queue_running=1, queue_notice_s=0.1)
    slow = fake.attachment_payload("slow.jpg", face_jpegs[0], "image/jpeg", hold=True)
    good = fake.attachment_payload("ok.jpg", face_jpegs[1], "image/jpeg")
    running = await fake.inject(fake.slash("mix", {"frames": 2}, attachments={"cat1": slow, "cat2": good}))
    await fake.wait_for(lambda: fake.downloads)
    waiting = await fake.inject(fake.user_install(fake.slash("mix", {"cats": "3 12"}, user_id=901), "group"))
    await fake.wait_for(lambda: any(t("queue_place", "en", place=1) in (p.get("content") or "")
                                    for token, p in fake.edits if token == f"token-{waiting}"))
    fake.release(fake.hosted_name(slow))
    await fake.wait_for(lambda: fake.edited_files.get(f"token-{waiting}") and fake.followups_for(running))
    # the place notice became the result: no follow-up spent on either, none refused
    assert len(fake.followups_for(waiting)) <= USER_INSTALL_FOLLOW_UPS and fake.over_the_cap == []
    assert bot.services.scheduler.waiting() == 0


async def test_the_sixth_follow_up_is_not_sent(fake, start, caplog):
    """Straight through say.follow_up (every follow-up goes there), on a real discord.Interaction."""
    bot = await start()
    payload = fake.user_install(fake.slash("help"), "server")
    interaction = discord.Interaction(data=payload, state=bot._connection)
    assert user_install_only(interaction) and not bot_is_here(interaction) and not forced_private(interaction)
    await interaction.response.defer()
    caplog.set_level(logging.WARNING, logger="bot.discord.installs")
    for n in range(USER_INSTALL_FOLLOW_UPS + 2):
        await follow_up(interaction, f"note {n}")
    assert [f.content for f in fake.followups_for(interaction.id)] == [f"note {n}" for n in range(5)]
    assert fake.over_the_cap == []  # never asked Discord for the sixth
    assert sum("follow-up 6" in r.getMessage() or "follow-up 7" in r.getMessage() for r in caplog.records) == 2

    server = discord.Interaction(data=fake.slash("help"), state=bot._connection)  # the server install: no cap
    assert not user_install_only(server) and bot_is_here(server)
    await server.response.defer()
    for n in range(USER_INSTALL_FOLLOW_UPS + 1):
        await follow_up(server, f"note {n}")
    assert len(fake.followups_for(server.id)) == USER_INSTALL_FOLLOW_UPS + 1
