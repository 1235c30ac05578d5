"""Issue 12's Telegram defects, each played as users would against the real Application.

First-time users in private chats (photos without a command, plain text), files checked as they
join an ask, animations, groups in privacy mode, specific usage errors, captions that say what
the result is.
"""

from __future__ import annotations

import asyncio

from tg_fake_api import BOT_USERNAME, group_chat, private_chat, user
from tg_images import gif_frames, png_size
from tg_videos import mp4_from

from bot.common.texts import t

MB = 1024 * 1024
ANA = user(50, "Ana")
CHAT = private_chat(50)
LUZ = user(51, "Luz", "es")
GROUP = group_chat(-100515)
ABOUT_DEFAULT = t("about_mix", "en", frames=12, path=t("path_slerp", "en"), format="GIF")


async def test_private_album_without_a_command_is_mixed_with_the_defaults(tg_api, tg_start, face_jpegs):
    await tg_start()
    first = tg_api.message(ANA, CHAT, photo=face_jpegs[0], media_group_id="plain")
    tg_api.message(ANA, CHAT, photo=face_jpegs[1], media_group_id="plain")
    (result,) = await tg_api.wait_replies(1)
    assert result.method == "sendAnimation" and result.reply_to == first["message_id"]
    assert gif_frames(result.upload("animation")) == 12
    assert result.text.splitlines()[-1] == ABOUT_DEFAULT == "12 frames · slerp path · GIF"
    await asyncio.sleep(0.4)
    assert len(tg_api.replies()) == 1


async def test_private_album_whose_caption_comes_second_keeps_the_captions_options(tg_api, tg_start, face_jpegs):
    await tg_start()
    tg_api.message(ANA, CHAT, photo=face_jpegs[0], media_group_id="late-caption")
    tg_api.message(ANA, CHAT, photo=face_jpegs[1], caption="/mix 4 grid", media_group_id="late-caption")
    (result,) = await tg_api.wait_replies(1)
    assert result.method == "sendPhoto"
    assert png_size(result.upload("photo"))[0] > png_size(result.upload("photo"))[1]  # a row of cells
    assert result.text.splitlines()[-1] == t("about_mix", "en", frames=4, path=t("path_slerp", "en"),
                                             format=t("format_grid", "en"))
    await asyncio.sleep(0.4)
    assert len(tg_api.replies()) == 1


async def test_private_photo_then_another_are_mixed(tg_api, tg_start, face_jpegs):
    await tg_start()
    first = tg_api.message(LUZ, private_chat(51), photo=face_jpegs[0])
    (prompt,) = await tg_api.wait_replies(1)
    assert prompt.text == t("ask_second", "es") and prompt.reply_to == first["message_id"]
    tg_api.message(LUZ, private_chat(51), photo=face_jpegs[1])
    result = (await tg_api.wait_replies(2))[1]
    assert result.method == "sendAnimation" and gif_frames(result.upload("animation")) == 12
    assert result.text.splitlines()[0] == t("mix_done", "es")


async def test_private_text_gets_a_one_line_hint_and_group_text_nothing(tg_api, tg_start):
    await tg_start()
    said = tg_api.message(ANA, CHAT, text="hello, mix my cats")
    (hint,) = await tg_api.wait_replies(1)
    assert hint.text == t("private_hint", "en") and "\n" not in hint.text and hint.reply_to == said["message_id"]
    tg_api.message(ANA, GROUP, text="hello everyone")
    await asyncio.sleep(0.4)
    assert len(tg_api.replies()) == 1


async def test_a_too_big_file_is_refused_on_arrival_and_the_ask_stays_open(tg_api, tg_start, face_jpegs):
    await tg_start()
    command = tg_api.message(ANA, CHAT, text="/mix 5")
    await tg_api.wait_replies(1)
    tg_api.message(ANA, CHAT, document=face_jpegs[0], mime_type="image/jpeg", document_size=25 * MB)
    refused = (await tg_api.wait_replies(2))[1]
    assert refused.text == t("file_too_big", "en", size_mb="25", limit_mb="20")
    tg_api.message(ANA, CHAT, photo=face_jpegs[0])
    assert (await tg_api.wait_replies(3))[2].text == t("ask_one_more", "en")
    tg_api.message(ANA, CHAT, photo=face_jpegs[1])
    result = (await tg_api.wait_replies(4))[3]
    assert result.method == "sendAnimation" and result.reply_to == command["message_id"]
    assert gif_frames(result.upload("animation")) == 5
    assert not any(path.endswith(".bin") for path in tg_api.downloads)  # the big one was never fetched


async def test_an_animation_is_mixed_from_its_first_frame(tg_api, tg_start, face_jpegs, engine):
    await tg_start()
    video = mp4_from(face_jpegs[1])
    assert video[4:8] == b"ftyp"
    target = tg_api.message(ANA, CHAT, photo=face_jpegs[0], send=False)
    tg_api.message(ANA, CHAT, animation=video, caption="/mix 3", reply_to=target)
    (result,) = await tg_api.wait_replies(1)
    assert result.method == "sendAnimation" and gif_frames(result.upload("animation")) == 3
    note = t("first_frame", "en", which=t("second_photo", "en"))
    assert note[:1].upper() + note[1:] in result.text.splitlines()
    assert any(path.endswith(".mp4") for path in tg_api.downloads)


async def test_an_animation_too_big_to_download_uses_its_thumbnail(tg_api, tg_start, face_jpegs):
    await tg_start()
    target = tg_api.message(ANA, CHAT, photo=face_jpegs[0], send=False)
    tg_api.message(ANA, CHAT, animation=b"\x00\x00\x00\x18ftypmp42 too big to fetch", animation_size=30 * MB,
                   thumbnail=face_jpegs[1], caption="/mix 3", reply_to=target)
    (result,) = await tg_api.wait_replies(1)
    assert result.method == "sendAnimation" and gif_frames(result.upload("animation")) == 3
    assert not any(path.endswith(".mp4") for path in tg_api.downloads)


async def test_privacy_mode_mix_then_photos_by_reply(tg_api, tg_start, face_jpegs):
    tg_api.privacy = True
    await tg_start()
    command = tg_api.message(ANA, GROUP, text=f"/mix@{BOT_USERNAME} 4")
    (prompt,) = await tg_api.wait_replies(1)
    assert prompt.text == t("ask_photos_group", "en", minutes=1)
    tg_api.message(ANA, GROUP, photo=face_jpegs[0])  # not a reply: privacy mode keeps it from the bot
    await asyncio.sleep(0.3)
    assert len(tg_api.withheld) == 1 and len(tg_api.replies()) == 1
    for data in face_jpegs:  # an album sent as a reply to the prompt: delivered
        tg_api.message(ANA, GROUP, photo=data, media_group_id="reply-album", reply_to=prompt.result)
    result = (await tg_api.wait_replies(2))[1]
    assert result.method == "sendAnimation" and result.reply_to == command["message_id"]
    assert gif_frames(result.upload("animation")) == 4


async def test_privacy_mode_one_photo_then_the_reply_route(tg_api, tg_start, face_jpegs):
    tg_api.privacy = True
    await tg_start()
    tg_api.message(ANA, GROUP, text="/mix 3")
    (prompt,) = await tg_api.wait_replies(1)
    tg_api.message(ANA, GROUP, photo=face_jpegs[0], reply_to=prompt.result)
    one_more = (await tg_api.wait_replies(2))[1]
    assert one_more.text == t("ask_one_more_group", "en")
    tg_api.message(ANA, GROUP, photo=face_jpegs[1], reply_to=one_more.result)
    result = (await tg_api.wait_replies(3))[2]
    assert gif_frames(result.upload("animation")) == 3


async def test_privacy_mode_album_captioned_mix_is_explained_and_continued_by_reply(tg_api, tg_start, face_jpegs):
    tg_api.privacy = True
    await tg_start()
    command = tg_api.message(ANA, GROUP, photo=face_jpegs[0], caption=f"/mix@{BOT_USERNAME} 3",
                             media_group_id="half-seen")
    tg_api.message(ANA, GROUP, photo=face_jpegs[1], media_group_id="half-seen")  # withheld by Telegram
    (explained,) = await tg_api.wait_replies(1)
    assert explained.text == t("album_privacy", "en") and explained.reply_to == command["message_id"]
    assert explained.text != t("need_two", "en", count=1)
    tg_api.message(ANA, GROUP, photo=face_jpegs[1], reply_to=explained.result)
    result = (await tg_api.wait_replies(2))[1]
    assert result.method == "sendAnimation" and result.reply_to == command["message_id"]
    assert gif_frames(result.upload("animation")) == 3


async def test_usage_errors_say_what_is_wrong(tg_api, tg_start):
    await tg_start()
    for text in ("/mix 33", "/mix gird"):
        tg_api.message(ANA, CHAT, text=text)
    tg_api.message(LUZ, private_chat(51), text="/mix 1")
    replies = await tg_api.wait_replies(3)
    texts = {r.chat_id: [] for r in replies}
    for r in replies:
        texts[r.chat_id].append(r.text)
    assert texts[50] == ["33 is more than 32 frames.\n" + t("usage_mix", "en"),
                         "I don't know “gird”: did you mean grid?\n" + t("usage_mix", "en")]
    assert texts[51] == ["1 son menos de 2 fotogramas.\n" + t("usage_mix", "es")]
