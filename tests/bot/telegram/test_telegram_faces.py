""""Where's the face? Tap its square": end to end with the real Application and a fake Bot API.

The engine uses the generated faces' finder (tests/generated_finder.py): the drawn cats are found,
a colour gradient is not, so a mix of the two must ask about the gradient instead of mixing it.
"""

from __future__ import annotations

import asyncio
import io

from PIL import Image
from tg_fake_api import group_chat, private_chat, user
from tg_images import gif_frames, gradient_png

from bot.common.texts import t
from bot.telegram.state import STATE_KEY

ANA = user(10, "Ana")
BOB = user(11, "Bob")
LUZ = user(12, "Luz", "es")


def face_buttons(question) -> list[list[dict]]:
    return question.params["reply_markup"]["inline_keyboard"]


def callback(question, label: str) -> str:
    return next(b["callback_data"] for row in face_buttons(question) for b in row if b["text"] == label)


def toasts(tg_api) -> list[str]:
    return [c.params.get("text") for c in tg_api.sent("answerCallbackQuery")]


async def ask_about_gradient(tg_api, who, chat, face_jpegs, frames: int = 3):
    first = tg_api.message(who, chat, photo=face_jpegs[0], caption=f"/mix {frames}", media_group_id=f"g{who['id']}")
    tg_api.message(who, chat, photo=gradient_png(seed=3), media_group_id=f"g{who['id']}")
    (question,) = await tg_api.wait_replies(1)
    return first, question


async def test_no_face_asks_with_a_grid_and_the_tap_continues_the_same_request(tg_api, tg_start, face_jpegs):
    app = await tg_start()
    chat = private_chat(10)
    first, question = await ask_about_gradient(tg_api, ANA, chat, face_jpegs)
    # the question, not a mix of the middle of the gradient
    assert question.method == "sendPhoto" and question.reply_to == first["message_id"]
    assert question.text == t("face_where", "en", which=t("second_photo", "en"), minutes=5)
    rows = face_buttons(question)
    assert [[b["text"] for b in row] for row in rows] == [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"],
                                                         [t("face_whole", "en")]]
    picture = Image.open(io.BytesIO(question.upload("photo")))
    assert picture.format == "JPEG" and picture.size == (200, 200)  # the gradient itself, grid drawn on it
    assert not tg_api.sent("sendAnimation")

    tg_api.press_button(ANA, question.result, callback(question, "5"))
    result = (await tg_api.wait_replies(2))[1]
    assert result.method == "sendAnimation" and result.reply_to == first["message_id"]
    assert gif_frames(result.upload("animation")) == 3
    # the user placed the face: no "I used the middle" excuse in the caption
    assert t("no_face", "en", which=t("second_photo", "en")) not in result.text
    assert result.text.startswith(t("mix_done", "en"))
    assert t("face_got_it", "en") in toasts(tg_api)
    assert tg_api.sent("editMessageReplyMarkup")  # the answered question's buttons are gone
    # ended as every mix is: the chat's last mix, for /map right after (issue 20: a tapped mix was not)
    assert len(app.bot_data[STATE_KEY].catalog.recent.last(chat["id"])) == 2

    # the same buttons again: that question is closed, nothing is mixed twice
    tg_api.press_button(ANA, question.result, callback(question, "5"))
    await tg_api.wait_for(lambda: t("face_expired", "en") in toasts(tg_api))
    await asyncio.sleep(0.3)
    assert len(tg_api.sent("sendAnimation")) == 1


async def test_a_tap_after_the_wait_gets_a_toast_in_spanish_and_no_mix(tg_api, tg_start, face_jpegs):
    await tg_start(face_ask_timeout_s=0.3)
    _, question = await ask_about_gradient(tg_api, LUZ, private_chat(12), face_jpegs)
    assert question.text == t("face_where", "es", which=t("second_photo", "es"), minutes=1)
    await asyncio.sleep(0.5)
    tg_api.press_button(LUZ, question.result, callback(question, t("face_whole", "es")))
    await tg_api.wait_for(lambda: t("face_expired", "es") in toasts(tg_api))
    await asyncio.sleep(0.3)
    assert not tg_api.sent("sendAnimation") and len(tg_api.replies()) == 1


async def test_in_a_group_only_the_owner_can_answer(tg_api, tg_start, face_jpegs):
    await tg_start()
    group = group_chat()
    _, question = await ask_about_gradient(tg_api, ANA, group, face_jpegs)
    tg_api.press_button(BOB, question.result, callback(question, "1"))
    await tg_api.wait_for(lambda: t("face_not_yours", "en") in toasts(tg_api))
    await asyncio.sleep(0.3)
    assert not tg_api.sent("sendAnimation") and not tg_api.sent("editMessageReplyMarkup")
    # Bob's tap changed nothing: Ana's own answer still works, with "the whole photo"
    tg_api.press_button(ANA, question.result, callback(question, t("face_whole", "en")))
    result = await tg_api.wait_for(lambda: tg_api.sent("sendAnimation"))
    assert gif_frames(result[0].upload("animation")) == 3


async def test_two_photos_without_a_face_are_asked_about_one_after_the_other(tg_api, tg_start):
    await tg_start()
    chat = private_chat(10)
    tg_api.message(ANA, chat, photo=gradient_png(seed=4), caption="/mix 2", media_group_id="both")
    tg_api.message(ANA, chat, photo=gradient_png(seed=5), media_group_id="both")
    (q1,) = await tg_api.wait_replies(1)
    assert q1.text == t("face_where", "en", which=t("first_photo", "en"), minutes=5)
    tg_api.press_button(ANA, q1.result, callback(q1, "9"))
    q2 = (await tg_api.wait_replies(2))[1]
    assert q2.method == "sendPhoto" and q2.text == t("face_where", "en", which=t("second_photo", "en"), minutes=5)
    assert t("face_next", "en") in toasts(tg_api)
    tg_api.press_button(ANA, q2.result, callback(q2, "1"))
    result = (await tg_api.wait_replies(3))[2]
    assert result.method == "sendAnimation" and gif_frames(result.upload("animation")) == 2
