"""/adopt and /forget end to end: the real Application and engine, the fake Bot API, a real
SQLite file (in tmp_path) that outlives the bot."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import numpy as np
from tg_fake_api import group_chat, private_chat, user
from tg_lifecycle import stop_app

from bot.common.adoption import scope_for
from bot.common.storage import open_storage
from bot.common.texts import t

ANA, BEA = user(10, "Ana"), user(11, "Bea", "es")
GROUP, OTHER_GROUP = group_chat(-1001), group_chat(-1002)


def rows(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT scope, name, length(latent), dim FROM adopted_cats ORDER BY name").fetchall()
    finally:
        conn.close()


async def test_adopt_in_reply_keeps_only_the_latent_and_survives_a_restart(tg_api, tg_start, tg_settings, face_jpegs,
                                                                         engine):
    app = await tg_start()
    photo = tg_api.message(ANA, GROUP, photo=face_jpegs[0])
    command = tg_api.message(ANA, GROUP, text="/adopt Luna", reply_to=photo)
    (reply,) = await tg_api.wait_replies(1)
    assert reply.text == t("adopt_done", "en", name="Luna") and reply.reply_to == command["message_id"]
    dim = engine.model.config.latent_dim
    assert rows(tg_settings.database_path) == [(scope_for("telegram", GROUP["id"]), "Luna", 4 * dim, dim)]
    assert face_jpegs[0][:64] not in tg_settings.database_path.read_bytes()  # the photo itself is never kept

    await stop_app(app)  # the bot goes down and comes back up on the same file
    await tg_start()
    tg_api.message(ANA, GROUP, text="/adopt LUNA", reply_to=photo)
    assert (await tg_api.wait_replies(2))[1].text == t("name_taken", "en", name="LUNA")
    tg_api.message(ANA, OTHER_GROUP, text="/forget luna")  # another chat can't see (or forget) it
    assert (await tg_api.wait_replies(3))[2].text == t("unknown_cat", "en", name="luna")
    tg_api.message(ANA, GROUP, text="/forget luna")
    assert (await tg_api.wait_replies(4))[3].text == t("forget_done", "en", name="Luna")
    assert rows(tg_settings.database_path) == []


async def test_adopt_as_a_photo_caption_and_the_name_rules_in_spanish(tg_api, tg_start, face_jpegs):
    await tg_start()
    chat = private_chat(11)
    tg_api.message(BEA, chat, photo=face_jpegs[1], caption="/adopt Миша")
    assert (await tg_api.wait_replies(1))[0].text == t("adopt_done", "es", name="Миша")
    for text, key, params in [("/adopt 12", "name_number", {"name": "12"}),
                              ("/adopt Tom Cat", "name_bad_chars", {"name": "Tom Cat"}),
                              ("/adopt grid", "name_reserved", {"name": "grid"}),
                              ("/adopt " + "x" * 21, "name_too_long", {"limit": 20})]:
        tg_api.message(BEA, chat, photo=face_jpegs[1], caption=text)
        n = len(tg_api.replies()) + 1
        assert (await tg_api.wait_replies(n))[-1].text == t(key, "es", **params), text
    tg_api.message(BEA, chat, text="/adopt Tom")  # no photo anywhere
    assert (await tg_api.wait_replies(6))[-1].text == t("adopt_usage", "es")
    tg_api.message(BEA, chat, photo=face_jpegs[1], caption="/adopt")  # no name
    assert (await tg_api.wait_replies(7))[-1].text == t("adopt_usage", "es")
    tg_api.message(BEA, chat, sticker=True, caption="/adopt Tom")
    assert (await tg_api.wait_replies(8))[-1].text == t("sticker", "es")


async def test_a_full_chat_refuses_the_fifty_first_cat(tg_api, tg_start, tg_settings, face_jpegs, engine):
    storage = await open_storage(tg_settings.database_path)
    dim = engine.model.config.latent_dim
    for i in range(50):
        await storage.cats.adopt(scope_for("telegram", GROUP["id"]), f"cat{i}", f"Cat{i}", np.zeros(dim), 1, 50)
    await storage.close()
    await tg_start()
    tg_api.message(ANA, GROUP, photo=face_jpegs[0], caption="/adopt Luna")
    assert (await tg_api.wait_replies(1))[0].text == t("chat_full", "en", limit=50)
    tg_api.message(ANA, OTHER_GROUP, photo=face_jpegs[0], caption="/adopt Luna")  # other chats have their own 50
    assert (await tg_api.wait_replies(2))[1].text == t("adopt_done", "en", name="Luna")


async def test_forget_all_is_for_admins_and_private_chat_owners(tg_api, tg_start, face_jpegs):
    await tg_start()
    for name in ("Luna", "Tom"):
        tg_api.message(ANA, GROUP, photo=face_jpegs[0], caption=f"/adopt {name}")
        await tg_api.wait_replies(len(tg_api.replies()) + 1)
    tg_api.message(ANA, GROUP, text="/forget all")
    assert (await tg_api.wait_replies(3))[-1].text == t("forget_all_admins", "en")
    assert [c.params["user_id"] for c in tg_api.sent("getChatMember")] == ["10"]
    tg_api.admins[GROUP["id"]] = {10}
    tg_api.message(ANA, GROUP, text="/forget all")
    assert (await tg_api.wait_replies(4))[-1].text == t("forget_all_done", "en", count=2)
    tg_api.message(ANA, GROUP, text="/forget Luna")
    assert (await tg_api.wait_replies(5))[-1].text == t("unknown_cat", "en", name="Luna")

    chat = private_chat(10)
    tg_api.message(ANA, chat, photo=face_jpegs[0], caption="/adopt Kit")
    await tg_api.wait_replies(6)
    tg_api.message(ANA, chat, text="/forget all")  # in a private chat the user is the admin
    assert (await tg_api.wait_replies(7))[-1].text == t("forget_all_done", "en", count=1)
    assert len(tg_api.sent("getChatMember")) == 2
    tg_api.message(ANA, chat, text="/forget")
    assert (await tg_api.wait_replies(8))[-1].text == t("forget_usage", "en")


async def test_a_corrupt_database_is_set_aside_and_the_bot_serves(tg_api, tg_start, tg_settings, face_jpegs, caplog):
    path = tg_settings.database_path
    path.write_bytes(b"\x00\x01 definitely not SQLite " * 500)
    caplog.set_level(logging.ERROR)
    await tg_start()
    [aside] = list(path.parent.glob(path.name + ".corrupt-*"))
    assert any("moved it aside" in r.getMessage() and aside.name in r.getMessage() for r in caplog.records)
    tg_api.message(ANA, GROUP, photo=face_jpegs[0], caption="/adopt Luna")
    assert (await tg_api.wait_replies(1))[0].text == t("adopt_done", "en", name="Luna")
    await asyncio.sleep(0)
    assert [r[1] for r in rows(path)] == ["Luna"]


async def test_an_anonymous_admin_writing_as_the_group_may_forget_all(tg_api, tg_start, face_jpegs):
    await tg_start()
    tg_api.message(ANA, GROUP, photo=face_jpegs[0], caption="/adopt Luna")
    await tg_api.wait_replies(1)
    anonymous = user(1087968824, "Group")  # Telegram's GroupAnonymousBot
    msg = tg_api.message(anonymous, GROUP, text="/forget all", send=False)
    msg["sender_chat"] = GROUP
    tg_api.push_update({"message": msg})
    assert (await tg_api.wait_replies(2))[-1].text == t("forget_all_done", "en", count=1)
    assert tg_api.sent("getChatMember") == []  # no need to ask


def face_callback(question, label: str) -> str:
    rows = question.params["reply_markup"]["inline_keyboard"]
    return next(b["callback_data"] for row in rows for b in row if b["text"] == label)


async def test_adopt_on_the_bots_own_gif_without_a_face_asks_and_the_tap_adopts(tg_api, tg_start, tg_settings):
    """Issue 20: /adopt on a picture without a confident cat face asks "where's the face?" as /mix
    does (it used to refuse with err_no_face), also in reply to the bot's own GIF, whose first frame
    is the picture; the tap adopts that face. (Replaces the test that asserted the refusal.)"""
    from tg_images import gradient_png

    await tg_start()
    first = tg_api.message(ANA, GROUP, photo=gradient_png(seed=8), caption="/mix 3", media_group_id="wall")
    tg_api.message(ANA, GROUP, photo=gradient_png(seed=9), media_group_id="wall")
    for n, label in ((1, "5"), (2, t("face_whole", "en"))):  # neither photo has a face: tap both
        question = (await tg_api.wait_replies(n))[-1]
        tg_api.press_button(ANA, question.result, face_callback(question, label))
    gif = (await tg_api.wait_replies(3))[-1]
    assert gif.method == "sendAnimation" and gif.reply_to == first["message_id"]

    command = tg_api.message(ANA, GROUP, text="/adopt Luna", reply_to=gif.result)
    question = (await tg_api.wait_replies(4))[-1]  # not "no cat face", not the middle of the frame
    assert question.method == "sendPhoto" and question.reply_to == command["message_id"]
    assert question.text == t("face_where", "en", which=t("the_photo", "en"), minutes=5)
    assert rows(tg_settings.database_path) == []
    tg_api.press_button(BEA, question.result, face_callback(question, "5"))  # not Bea's question
    await tg_api.wait_for(lambda: t("face_not_yours", "es") in [c.params.get("text")
                                                               for c in tg_api.sent("answerCallbackQuery")])
    tg_api.press_button(ANA, question.result, face_callback(question, "5"))
    done = (await tg_api.wait_replies(5))[-1]
    assert done.text == t("adopt_done", "en", name="Luna") and done.reply_to == command["message_id"]
    assert t("face_got_it_adopt", "en") in [c.params.get("text") for c in tg_api.sent("answerCallbackQuery")]
    assert [r[1] for r in rows(tg_settings.database_path)] == ["Luna"]
