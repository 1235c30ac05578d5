"""Groups: several people at once, each gets their own result; fairness limits are friendly."""

from __future__ import annotations

from tg_fake_api import group_chat, user
from tg_images import gif_frames

from bot.common.texts import t

GROUP = group_chat(-100777)
ANA, BEN = user(31, "Ana"), user(32, "Ben", "es")


async def test_two_users_mixing_at_once_each_get_their_own_gif(tg_api, tg_start, face_jpegs):
    await tg_start(chat_max_jobs=2)
    ana_cmd = tg_api.message(ANA, GROUP, photo=face_jpegs[0], caption="/mix 4", media_group_id="ana")
    ben_cmd = tg_api.message(BEN, GROUP, photo=face_jpegs[1], caption="/mix@KittenMixerBot 5", media_group_id="ben")
    tg_api.message(ANA, GROUP, photo=face_jpegs[1], media_group_id="ana")
    tg_api.message(BEN, GROUP, photo=face_jpegs[0], media_group_id="ben")
    results = await tg_api.wait_replies(2)
    frames = {r.reply_to: gif_frames(r.upload("animation")) for r in results}
    assert frames == {ana_cmd["message_id"]: 4, ben_cmd["message_id"]: 5}
    assert {r.text.splitlines()[0] for r in results} == {t("mix_done", "en"), t("mix_done", "es")}


async def test_one_at_a_time_when_the_chat_cap_is_reached(tg_api, tg_start, face_jpegs):
    await tg_start(chat_max_jobs=1)
    targets = [tg_api.message(ANA, GROUP, photo=face_jpegs[0], send=False) for _ in range(2)]
    ana_cmd = tg_api.message(ANA, GROUP, photo=face_jpegs[1], caption="/mix 3", reply_to=targets[0])
    ben_cmd = tg_api.message(BEN, GROUP, photo=face_jpegs[1], caption="/mix 3", reply_to=targets[1])
    first, second = await tg_api.wait_replies(2)
    by_request = {r.reply_to: r for r in (first, second)}
    assert by_request[ana_cmd["message_id"]].method == "sendAnimation"
    assert by_request[ben_cmd["message_id"]].text == t("chat_busy", "es")
    # Ben was turned away, not cooled down: his retry works.
    retry = tg_api.message(BEN, GROUP, photo=face_jpegs[1], caption="/mix 3", reply_to=targets[1])
    third = (await tg_api.wait_replies(3))[2]
    assert third.method == "sendAnimation" and third.reply_to == retry["message_id"]


async def test_cooldown_when_one_user_spams(tg_api, tg_start):
    await tg_start(user_cooldown_s=30)
    spam = [tg_api.message(ANA, GROUP, text="/random 1") for _ in range(3)]
    replies = await tg_api.wait_replies(3)
    grids = [r for r in replies if r.method == "sendPhoto"]
    refusals = [r for r in replies if r.method == "sendMessage"]
    assert len(grids) == 1 and len(refusals) == 2
    assert all(r.text in {t("cooldown", "en", seconds=s) for s in (29, 30)} for r in refusals)
    assert {r.reply_to for r in replies} == {m["message_id"] for m in spam}
    ben = tg_api.message(BEN, GROUP, text="/random 1")  # someone else is not held back
    fourth = (await tg_api.wait_replies(4))[3]
    assert fourth.method == "sendPhoto" and fourth.reply_to == ben["message_id"]
