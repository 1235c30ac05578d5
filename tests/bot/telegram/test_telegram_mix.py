"""/mix end to end: the real Application, the real engine (tiny model), a fake Bot API server.

Each test plays a user's messages as updates and asserts on what the user would see.
"""

from __future__ import annotations

import asyncio

from image_factory import encode_image, synthetic_faces
from tg_fake_api import BOT_USERNAME, group_chat, private_chat, user
from tg_images import gif_frames, gradient_png, png_size

from bot.common.texts import t
from vae_core.engine import Engine, EngineSettings

# Reply targets in private chats are sent with send=False (a photo the bot saw earlier): a lone
# photo in a private chat is answered on its own now ("send me one more", issue 12), which these
# tests are not about; tests/bot/telegram/test_telegram_first_time.py is.
ANA = user(10, "Ana")
CHAT = private_chat(10)


async def test_album_with_mix_caption_gives_one_gif_quoting_the_album(tg_api, tg_start, face_jpegs):
    await tg_start()
    first = tg_api.message(ANA, CHAT, photo=face_jpegs[0], caption="/mix 6", media_group_id="alb1")
    tg_api.message(ANA, CHAT, photo=face_jpegs[1], media_group_id="alb1")
    (result,) = await tg_api.wait_replies(1)
    assert result.method == "sendAnimation"
    assert gif_frames(result.upload("animation")) == 6
    assert result.reply_to == first["message_id"]
    assert result.text.startswith(t("mix_done", "en"))
    assert [c.params["action"] for c in tg_api.sent("sendChatAction")] == ["upload_video"]
    await asyncio.sleep(0.4)  # longer than the album wait: nothing else may arrive
    assert len(tg_api.replies()) == 1
    assert sorted(tg_api.downloads) == sorted(tg_api.files[f].path for f in list(tg_api.files)[:2])


async def test_album_caption_may_arrive_after_the_other_photo(tg_api, tg_start, face_jpegs):
    await tg_start()
    tg_api.message(ANA, CHAT, photo=face_jpegs[0], media_group_id="alb2")
    second = tg_api.message(ANA, CHAT, photo=face_jpegs[1], caption="/mix boomerang 4", media_group_id="alb2")
    (result,) = await tg_api.wait_replies(1)
    assert gif_frames(result.upload("animation")) == 6  # 4 forward, 2 back
    assert result.reply_to == second["message_id"]


async def test_reply_to_a_photo_with_a_photo_captioned_mix(tg_api, tg_start, face_jpegs):
    await tg_start()
    target = tg_api.message(ANA, CHAT, photo=face_jpegs[0], send=False)
    command = tg_api.message(ANA, CHAT, photo=face_jpegs[1], caption="/mix", reply_to=target)
    (result,) = await tg_api.wait_replies(1)
    assert result.method == "sendAnimation" and result.reply_to == command["message_id"]
    assert gif_frames(result.upload("animation")) == 12  # the default


async def test_reply_to_an_album_with_mix_grid(tg_api, tg_start, face_jpegs):
    await tg_start()
    group = group_chat()  # in a private chat the album alone would be mixed (test_telegram_first_time.py)
    tg_api.message(ANA, group, photo=face_jpegs[0], media_group_id="alb3")
    second = tg_api.message(ANA, group, photo=face_jpegs[1], media_group_id="alb3")
    await asyncio.sleep(0.2)  # the bot sees the album before the reply (as in real life)
    command = tg_api.message(ANA, group, text="/mix 8 grid", reply_to=second)
    (result,) = await tg_api.wait_replies(1)
    assert result.method == "sendPhoto" and result.reply_to == command["message_id"]
    assert png_size(result.upload("photo")) == (8 * 128 + 7 * 4, 128)  # 8 cells in one row
    assert [c.params["action"] for c in tg_api.sent("sendChatAction")] == ["upload_photo"]


async def test_mix_alone_asks_then_takes_the_next_two_photos(tg_api, tg_start, face_jpegs):
    await tg_start()
    command = tg_api.message(ANA, CHAT, text="/mix 4")
    await tg_api.wait_replies(1)
    assert tg_api.replies()[0].text == t("ask_photos", "en", minutes=1)
    tg_api.message(ANA, CHAT, sticker=True)
    await tg_api.wait_replies(2)
    assert tg_api.replies()[1].text == t("sticker", "en")
    tg_api.message(ANA, CHAT, photo=face_jpegs[0])
    await tg_api.wait_replies(3)
    assert tg_api.replies()[2].text == t("ask_one_more", "en")
    tg_api.message(ANA, CHAT, document=face_jpegs[1], mime_type="image/jpeg", file_name="cat.jpg")
    result = (await tg_api.wait_replies(4))[3]
    assert result.method == "sendAnimation" and result.reply_to == command["message_id"]
    assert gif_frames(result.upload("animation")) == 4
    tg_api.message(ANA, CHAT, photo=face_jpegs[0])  # the ask is over: a lone photo starts a new one
    assert (await tg_api.wait_replies(5))[4].text == t("ask_second", "en")
    await asyncio.sleep(0.3)
    assert len(tg_api.replies()) == 5


async def test_mix_alone_then_an_album(tg_api, tg_start, face_jpegs):
    await tg_start()
    command = tg_api.message(ANA, CHAT, text="/mix grid 3")
    await tg_api.wait_replies(1)
    tg_api.message(ANA, CHAT, photo=face_jpegs[0], media_group_id="late")
    tg_api.message(ANA, CHAT, photo=face_jpegs[1], media_group_id="late")
    result = (await tg_api.wait_replies(2))[1]  # no "got one, send another" in between
    assert result.method == "sendPhoto" and result.reply_to == command["message_id"]
    assert png_size(result.upload("photo")) == (3 * 128 + 2 * 4, 128)


async def test_ask_expires(tg_api, tg_start):
    await tg_start(ask_timeout_s=0.3)
    tg_api.message(ANA, CHAT, text="/mix")
    replies = await tg_api.wait_replies(2)
    assert replies[1].text == t("ask_expired", "en")


async def test_files_sent_as_documents_are_sniffed(tg_api, tg_start, face_jpegs):
    await tg_start()
    target = tg_api.message(ANA, CHAT, document=face_jpegs[0], mime_type="application/octet-stream",
                            send=False)
    tg_api.message(ANA, CHAT, document=face_jpegs[1], caption="/mix 3", reply_to=target)  # no MIME type at all
    (result,) = await tg_api.wait_replies(1)
    assert gif_frames(result.upload("animation")) == 3


async def test_real_cat_photos_get_no_excuses_in_the_caption(tg_api, tg_start, cat_photos, tiny_model):
    shipped_finder = Engine(tiny_model, EngineSettings(workers=1))  # real photos: the real finder
    await tg_start(engine_=shipped_finder)
    tg_api.message(ANA, CHAT, photo=cat_photos[0], caption="/mix 5", media_group_id="cats")
    tg_api.message(ANA, CHAT, photo=cat_photos[1], media_group_id="cats")
    (result,) = await tg_api.wait_replies(1)
    assert result.text.splitlines() == [t("mix_done", "en"), "5 frames · slerp path · GIF"]  # no excuses
    assert gif_frames(result.upload("animation")) == 5


async def test_photos_without_a_cat_are_not_mixed_from_the_middle_but_asked_about_in_spanish(tg_api, tg_start):
    await tg_start()
    luz = user(11, "Luz", "es")
    tg_api.message(luz, private_chat(11), photo=gradient_png(seed=1), caption="/mix 3", media_group_id="g")
    tg_api.message(luz, private_chat(11), photo=gradient_png(seed=2), media_group_id="g")
    (result,) = await tg_api.wait_replies(1)
    assert result.method == "sendPhoto"  # the "tap the face" question (test_telegram_faces.py has the rest)
    assert result.text == t("face_where", "es", which=t("first_photo", "es"), minutes=5)


async def test_options_and_addressing(tg_api, tg_start, face_jpegs):
    await tg_start()
    group = group_chat()
    tg_api.message(ANA, group, text="/mix banana")
    (usage,) = await tg_api.wait_replies(1)
    assert usage.text == "I don't know the option “banana”.\n" + t("usage_mix", "en")
    tg_api.message(ANA, group, text="/mix 99")
    assert (await tg_api.wait_replies(2))[1].text == "99 is more than 32 frames.\n" + t("usage_mix", "en")
    # Another bot's command is not ours: silence.
    target = tg_api.message(ANA, group, photo=face_jpegs[0])
    tg_api.message(ANA, group, photo=face_jpegs[1], caption="/mix@OtherCatBot", reply_to=target)
    await asyncio.sleep(0.4)
    assert len(tg_api.replies()) == 2
    command = tg_api.message(ANA, group, photo=face_jpegs[1], caption=f"/mix@{BOT_USERNAME} slerp 4",
                             reply_to=target)
    result = (await tg_api.wait_replies(3))[2]
    assert result.method == "sendAnimation" and result.reply_to == command["message_id"]
    assert gif_frames(result.upload("animation")) == 4


async def test_five_photos_are_one_too_many(tg_api, tg_start, face_jpegs):
    """Two to four photos mix (3-4 make one loop, issue 13); five are refused."""
    await tg_start()
    first = tg_api.message(ANA, CHAT, photo=face_jpegs[0], caption="/mix", media_group_id="five")
    for data in (face_jpegs[1], face_jpegs[0], face_jpegs[1], face_jpegs[0]):
        tg_api.message(ANA, CHAT, photo=data, media_group_id="five")
    (reply,) = await tg_api.wait_replies(1)
    assert reply.text == t("need_mix_cats", "en", count=5) and reply.reply_to == first["message_id"]


async def test_three_photos_get_the_loop_caption_as_on_discord(tg_api, tg_start, face_jpegs):
    """Issue 20: the loop caption existed only on Discord; the captions are one function now."""
    await tg_start()
    third = encode_image(synthetic_faces(1, size=256, seed=31)[0], "JPEG", quality=90)
    for i, photo in enumerate((*face_jpegs, third)):
        tg_api.message(ANA, CHAT, photo=photo, caption="/mix 3" if i == 0 else None, media_group_id="loop")
    (result,) = await tg_api.wait_replies(1)
    assert gif_frames(result.upload("animation")) == 3 * 2  # A->B->C->A, 3 frames a leg, the ends shared
    assert result.text.splitlines() == [t("mix_done_loop", "en", count=3), "3 frames · slerp path · GIF"]
    assert result.params["reply_markup"]["inline_keyboard"]  # the result buttons, as under any mix


async def test_an_unknown_name_is_said_to_be_a_name_not_an_option(tg_api, tg_start):
    """Issue 20: `/mix Secret 12` got "I don't know the option “Secret”"."""
    await tg_start()
    tg_api.message(ANA, CHAT, text="/mix Secret 12")
    (reply,) = await tg_api.wait_replies(1)
    assert reply.text == t("unknown_cat_name", "en", word="Secret")
