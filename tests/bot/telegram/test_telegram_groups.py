"""Groups: several people at once, each gets their own result (the fair line: test_telegram_queue.py)."""

from __future__ import annotations

from tg_fake_api import group_chat, user
from tg_images import gif_frames

from bot.common.texts import t

GROUP = group_chat(-100777)
ANA, BEN = user(31, "Ana"), user(32, "Ben", "es")


async def test_two_users_mixing_at_once_each_get_their_own_gif(tg_api, tg_start, face_jpegs):
    await tg_start()
    ana_cmd = tg_api.message(ANA, GROUP, photo=face_jpegs[0], caption="/mix 4", media_group_id="ana")
    ben_cmd = tg_api.message(BEN, GROUP, photo=face_jpegs[1], caption="/mix@KittenMixerBot 5", media_group_id="ben")
    tg_api.message(ANA, GROUP, photo=face_jpegs[1], media_group_id="ana")
    tg_api.message(BEN, GROUP, photo=face_jpegs[0], media_group_id="ben")
    results = await tg_api.wait_replies(2)
    frames = {r.reply_to: gif_frames(r.upload("animation")) for r in results}
    assert frames == {ana_cmd["message_id"]: 4, ben_cmd["message_id"]: 5}
    assert {r.text.splitlines()[0] for r in results} == {t("mix_done", "en"), t("mix_done", "es")}
