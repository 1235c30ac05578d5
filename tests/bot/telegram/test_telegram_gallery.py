"""/cats, /mix with gallery numbers, /map, /kittens (/gatitos) and /blend end to end (issue 13):
the real Application and engine (tiny model, a gallery really built for it), a fake Bot API."""

from __future__ import annotations

import asyncio
import io

import numpy as np
import pytest
from image_factory import encode_image, synthetic_faces
from PIL import Image
from tg_fake_api import group_chat, private_chat, user
from tg_images import gif_frames, png_size

from bot.common.texts import t
from vae_core.gallery import load_gallery

ANA = user(20, "Ana")
CHAT = private_chat(20)
EVA = user(21, "Eva", language_code="es")


@pytest.fixture
async def start(tg_start, tiny_gallery):
    async def go(**overrides):
        return await tg_start(kitten_gallery=tiny_gallery, **overrides)

    return go


def _rgb(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


async def test_cats_pages_with_previous_and_next_buttons(tg_api, start, tiny_gallery):
    await start()
    g = load_gallery(tiny_gallery)
    command = tg_api.message(ANA, CHAT, text="/cats")
    (sheet,) = await tg_api.wait_replies(1)
    assert sheet.method == "sendPhoto" and sheet.reply_to == command["message_id"]
    assert sheet.text == t("cats_caption", "en", first=1, last=16, count=32, page=1, pages=2)
    w, h = png_size(sheet.upload("photo"))
    assert 600 <= w <= 1200 and h > w
    (row,) = sheet.params["reply_markup"]["inline_keyboard"]
    assert row == [{"text": t("cats_next", "en"), "callback_data": "cats:2"}]  # no "previous" on page 1

    tg_api.press_button(ANA, sheet.result, "cats:2")
    second = (await tg_api.wait_replies(2))[1]
    assert second.text.startswith("Cats 17-32 of 32")
    assert second.upload("photo") != sheet.upload("photo")
    (row,) = second.params["reply_markup"]["inline_keyboard"]
    assert row == [{"text": t("cats_prev", "en"), "callback_data": "cats:1"}]
    assert tg_api.sent("answerCallbackQuery")
    assert g.name(17, "en")  # the names drawn on the sheet come from the gallery file

    tg_api.message(EVA, private_chat(21), text="/cats 2")
    spanish = (await tg_api.wait_replies(1, chat_id=21))[0]
    assert spanish.text.startswith("Gatos 17-32 de 32")
    assert spanish.upload("photo") != second.upload("photo")  # Spanish names on the sheet

    for bad in ("/cats 3", "/cats dos"):
        tg_api.message(ANA, CHAT, text=bad)
    replies = await tg_api.wait_replies(4, chat_id=20)
    assert [r.text for r in replies[2:]] == [t("usage_cats", "en", pages=2)] * 2


async def test_mix_two_gallery_cats_and_a_photo_with_a_number(tg_api, start, face_jpegs):
    await start()
    tg_api.message(ANA, CHAT, text="/mix 3 20 6")
    (gif,) = await tg_api.wait_replies(1)
    assert gif.method == "sendAnimation" and gif_frames(gif.upload("animation")) == 6
    tg_api.message(ANA, CHAT, photo=face_jpegs[0], caption="/mix 7 grid")
    grid = (await tg_api.wait_replies(2))[1]
    assert grid.method == "sendPhoto"  # the photo and cat 7, as a grid of the default 12 steps
    tg_api.message(ANA, CHAT, text="/mix 3 99")
    refusal = (await tg_api.wait_replies(3))[2]
    assert refusal.text == t("no_such_cat", "en", number=99, count=32)


async def test_mix_three_photos_makes_one_loop(tg_api, start, face_jpegs, tiny_gallery):
    await start()
    group = group_chat()
    tg_api.message(ANA, group, photo=face_jpegs[0], caption="/mix 5", media_group_id="loop1")
    tg_api.message(ANA, group, photo=face_jpegs[1], media_group_id="loop1")
    third = encode_image(synthetic_faces(1, size=256, seed=31)[0], "JPEG", quality=90)
    tg_api.message(ANA, group, photo=third, media_group_id="loop1")
    (gif,) = await tg_api.wait_replies(1)
    assert gif.method == "sendAnimation" and gif_frames(gif.upload("animation")) == 3 * 4  # A->B->C->A
    tg_api.message(ANA, group, text="/mix #1 #2 #3 #4 4")
    four = (await tg_api.wait_replies(2))[1]
    assert gif_frames(four.upload("animation")) == 4 * 3


async def test_map_alone_with_two_cats_and_right_after_a_mix(tg_api, start):
    await start()
    tg_api.message(ANA, CHAT, text="/map")
    (plain,) = await tg_api.wait_replies(1)
    assert plain.method == "sendPhoto" and plain.text == t("map_caption", "en")
    tg_api.message(ANA, CHAT, text="/map 2 30")
    path = (await tg_api.wait_replies(2))[1]
    base, drawn = _rgb(plain.upload("photo")), _rgb(path.upload("photo"))
    assert base.shape == drawn.shape and np.abs(base - drawn).sum(-1).astype(bool).mean() > 0.01
    assert "#2" in path.text and "#30" in path.text

    tg_api.message(ANA, CHAT, text="/mix 5 9 4")
    await tg_api.wait_replies(3)
    tg_api.message(ANA, CHAT, text="/map")
    after = (await tg_api.wait_replies(4))[3]
    assert "#5" in after.text and "#9" in after.text  # the last mix's path
    assert after.upload("photo") != plain.upload("photo")
    tg_api.message(ANA, private_chat(22), text="/map")  # another chat: its own (no) last mix
    other = (await tg_api.wait_replies(1, chat_id=22))[0]
    assert other.text == t("map_caption", "en")

    tg_api.message(ANA, CHAT, text="/map 2 grid")
    usage = (await tg_api.wait_replies(5, chat_id=20))[4]  # issue 20: says what was wrong, then the usage line
    assert usage.text == f"{t('not_a_cat', 'en', word='grid')}\n{t('usage_map', 'en')}"


async def test_kittens_from_numbers_photos_and_the_spanish_alias(tg_api, start, face_jpegs):
    await start()
    tg_api.message(ANA, CHAT, text="/kittens 4 11 77")
    (litter,) = await tg_api.wait_replies(1)
    assert litter.method == "sendPhoto"
    assert "seed 77" in litter.text and "#4" in litter.text and "#11" in litter.text
    tg_api.message(ANA, CHAT, text="/kittens 4 11 77")
    again = (await tg_api.wait_replies(2))[1]
    assert again.upload("photo") == litter.upload("photo")  # seeded

    target = tg_api.message(ANA, CHAT, photo=face_jpegs[0], send=False)
    tg_api.message(ANA, CHAT, photo=face_jpegs[1], caption="/kittens", reply_to=target)
    photos = (await tg_api.wait_replies(3))[2]
    assert photos.method == "sendPhoto" and "photo 1" in photos.text

    tg_api.message(EVA, private_chat(21), text="/gatitos 4 11 77")
    spanish = (await tg_api.wait_replies(1, chat_id=21))[0]
    assert spanish.text.startswith("6 gatitos") and "semilla 77" in spanish.text

    tg_api.message(ANA, CHAT, text="/kittens 4")
    tg_api.message(ANA, CHAT, text="/kittens 4 5 six")
    refusals = (await tg_api.wait_replies(5, chat_id=20))[3:]
    assert [r.text for r in refusals] == [t("need_two_parents", "en", count=0),  # issue 20: and why
                                          f"{t('kittens_bad_seed', 'en', word='six')}\n{t('usage_kittens', 'en')}"]


async def test_blend_weights_with_photos_and_gallery_cats(tg_api, start, face_jpegs):
    await start()
    tg_api.message(ANA, CHAT, photo=face_jpegs[0], caption="/blend 70 30", media_group_id="bl1")
    tg_api.message(ANA, CHAT, photo=face_jpegs[1], media_group_id="bl1")
    (blend,) = await tg_api.wait_replies(1)
    assert blend.method == "sendPhoto" and png_size(blend.upload("photo")) == (256, 256)
    assert blend.text == t("blend_caption", "en", parts="photo 1 70% + photo 2 30%")
    tg_api.message(ANA, CHAT, text="/blend #3 #8 100 0")
    tg_api.message(ANA, CHAT, text="/blend #3 #8 0 100")
    a, b = (await tg_api.wait_replies(3))[1:]
    assert a.text.startswith(t("blend_caption", "en", parts="#3 ")) and a.text.endswith(" 100% + #8 " +
                                                                                          a.text.split("#8 ")[1])
    assert a.text.endswith(" 0%") and b.text.endswith(" 100%")
    assert a.upload("photo") != b.upload("photo")
    tg_api.message(ANA, CHAT, text="/blend #3 70 30")
    tg_api.message(ANA, CHAT, text="/blend #3 #4")
    refusals = (await tg_api.wait_replies(5))[3:]
    assert [r.text for r in refusals] == [t("blend_counts", "en", cats=1, weights=2), t("usage_blend", "en")]


async def test_blend_reads_weights_as_people_type_them_and_says_what_is_wrong(tg_api, start):
    """Issue 20: `70%`, `70,5` and `٧٠` once reached the user as "something went wrong" or the usage
    line; `0 0` was answered "I got 2 cats and 2 weights"; an unknown name was "the option"."""
    await start()
    asks = ["/blend #3 #8 70% 30%", "/blend #3 #8 70,5 29,5", "/blend #3 #8 ٧٠ ٣٠", "/blend #3 #8 0 0",
            "/blend #3 #8 nan 30", "/blend Secret #12 50 50", "/map 1 2 3 4 5", "/kittens 4 5 six"]
    for ask in asks:
        tg_api.message(ANA, CHAT, text=ask)
        await tg_api.wait_replies(asks.index(ask) + 1)  # in order: each answer quotes its own command
    replies = [r.text for r in await tg_api.wait_replies(len(asks))]
    assert replies[0].startswith(t("blend_caption", "en", parts="#3 ")) and " 70% + #8 " in replies[0]
    assert replies[0].endswith(" 30%")
    assert replies[1].endswith(" 29.5%") and " 70.5% + " in replies[1]
    assert replies[2] == replies[0]
    assert replies[3:] == [t("blend_zero_weights", "en"),
                           f"{t('blend_bad_weight', 'en', word='nan')}\n{t('usage_blend', 'en')}",
                           t("unknown_cat_name", "en", word="Secret"),
                           f"{t('map_counts', 'en', count=5)}\n{t('usage_map', 'en')}",
                           f"{t('kittens_bad_seed', 'en', word='six')}\n{t('usage_kittens', 'en')}"]


async def test_gallery_built_for_another_model_is_a_kind_sentence(tg_api, tg_start):
    await tg_start()  # the default gallery belongs to the shipped model, not the tiny one
    tg_api.message(ANA, CHAT, text="/cats")
    tg_api.message(ANA, CHAT, text="/mix 3 20")
    replies = await tg_api.wait_replies(2)
    assert [r.text for r in replies] == [t("no_gallery", "en")] * 2
    await asyncio.sleep(0.1)


def _tap(tg_api, who, question, label: str) -> None:
    data = next(b["callback_data"] for row in question.params["reply_markup"]["inline_keyboard"] for b in row
                if b["text"] == label)
    tg_api.press_button(who, question.result, data)


async def test_a_photo_without_a_face_is_asked_about_in_kittens_blend_and_gallery_mixes(tg_api, start, face_jpegs):
    """The "tap its square" question is not only for /mix of two photos: a litter, a blend and a mix
    with a gallery cat wait for the tap too, and the tap finishes the same request."""
    from tg_images import gradient_png

    await start()
    tg_api.message(ANA, CHAT, photo=face_jpegs[0], caption="/kittens 5", media_group_id="kq")
    tg_api.message(ANA, CHAT, photo=gradient_png(seed=4), media_group_id="kq")
    (question,) = await tg_api.wait_replies(1)
    assert question.method == "sendPhoto"
    assert question.text == t("face_where", "en", which=t("second_photo", "en"), minutes=5)
    _tap(tg_api, ANA, question, "5")
    litter = (await tg_api.wait_replies(2))[1]
    assert litter.method == "sendPhoto" and "seed 5" in litter.text
    assert "photo 1" in litter.text and "photo 2" in litter.text

    tg_api.message(ANA, CHAT, photo=gradient_png(seed=5), caption="/blend 60 40", media_group_id="bq")
    tg_api.message(ANA, CHAT, photo=face_jpegs[1], media_group_id="bq")
    question = (await tg_api.wait_replies(3))[2]
    assert question.text == t("face_where", "en", which=t("first_photo", "en"), minutes=5)
    _tap(tg_api, ANA, question, t("face_whole", "en"))
    blend = (await tg_api.wait_replies(4))[3]
    assert blend.text == t("blend_caption", "en", parts="photo 1 60% + photo 2 40%")
    assert png_size(blend.upload("photo")) == (256, 256)

    tg_api.message(ANA, CHAT, photo=gradient_png(seed=6), caption="/mix #7 4")
    question = (await tg_api.wait_replies(5))[4]
    assert question.method == "sendPhoto" and question.params["reply_markup"]["inline_keyboard"]
    _tap(tg_api, ANA, question, "1")
    mix = (await tg_api.wait_replies(6))[5]
    assert mix.method == "sendAnimation" and gif_frames(mix.upload("animation")) == 4
    # the user placed the face: no "I used the middle" excuse (issue 20: the sources by name first)
    names, *rest = mix.text.splitlines()
    assert "#7" in names and rest == [t("mix_done", "en"), "4 frames · slerp path · GIF"]
