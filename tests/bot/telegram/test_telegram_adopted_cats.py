"""A chat's adopted cats in use: /cats lists them first, /mix Luna Tom and /kittens Luna Tom mix
them (also after a restart), and another chat can't use them. Real Application, engine, gallery
(built for the tiny model) and SQLite file; the fake Bot API."""

from __future__ import annotations

import pytest
from tg_fake_api import group_chat, private_chat, user
from tg_images import gif_frames
from tg_lifecycle import stop_app

from bot.common.texts import t

ANA = user(30, "Ana")
GROUP, OTHER = group_chat(-3001), private_chat(31)


@pytest.fixture
async def start(tg_start, tiny_gallery):
    async def go(**overrides):
        return await tg_start(kitten_gallery=tiny_gallery, **overrides)

    return go


async def adopt(tg_api, chat, photo: bytes, name: str) -> None:
    tg_api.message(ANA, chat, photo=photo, caption=f"/adopt {name}")
    n = len(tg_api.replies(chat["id"])) + 1
    assert (await tg_api.wait_replies(n, chat_id=chat["id"]))[-1].text == t("adopt_done", "en", name=name)


async def test_adopted_cats_are_listed_first_mixed_by_name_and_stay_in_their_chat(tg_api, start, face_jpegs):
    app = await start()
    await adopt(tg_api, GROUP, face_jpegs[0], "Luna")
    await adopt(tg_api, GROUP, face_jpegs[1], "Tom")

    tg_api.message(ANA, GROUP, text="/cats")
    sheet = (await tg_api.wait_replies(3))[-1]
    assert sheet.method == "sendPhoto"
    first_line = sheet.text.split("\n")[0]
    assert first_line == t("adopted_title", "en", count=2, limit=50, names="Luna, Tom")
    assert sheet.text.endswith(t("cats_caption", "en", first=1, last=16, count=32, page=1, pages=2))

    await stop_app(app)  # they survive a restart
    await start()
    tg_api.message(ANA, GROUP, text="/mix luna TOM 5")
    gif = (await tg_api.wait_replies(4))[-1]
    assert gif.method == "sendAnimation" and gif_frames(gif.upload("animation")) == 5
    tg_api.message(ANA, GROUP, text="/kittens Luna Tom")
    litter = (await tg_api.wait_replies(5))[-1]
    assert litter.method == "sendPhoto"

    tg_api.message(ANA, OTHER, text="/mix Luna Tom")  # another chat has no Luna
    other = (await tg_api.wait_replies(1, chat_id=OTHER["id"]))[0]
    assert other.method == "sendMessage"
    tg_api.message(ANA, OTHER, text="/cats")
    sheet = (await tg_api.wait_replies(2, chat_id=OTHER["id"]))[1]
    assert sheet.text == t("cats_caption", "en", first=1, last=16, count=32, page=1, pages=2)
