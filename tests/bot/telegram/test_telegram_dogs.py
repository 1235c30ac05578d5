"""A dog photo on Telegram (issue 22): the question says it looks like a dog, and "Mix it anyway" mixes it."""

from __future__ import annotations

from generated_finder import dog_photo
from image_factory import synthetic_faces
from tg_fake_api import private_chat, user
from tg_images import gif_frames

from bot.common.texts import t

ANA = user(40, "Ana")


async def test_a_dog_is_said_and_mixed_only_after_mix_it_anyway(tg_api, tg_start, face_jpegs):
    await tg_start()
    chat = private_chat(40)
    first = tg_api.message(ANA, chat, photo=face_jpegs[0], caption="/mix 3", media_group_id="dog")
    tg_api.message(ANA, chat, photo=dog_photo(synthetic_faces(1, size=256, seed=5)[0]), media_group_id="dog")
    (question,) = await tg_api.wait_replies(1, chat_id=40)
    assert question.text == t("face_dog", "en", which="The second photo", minutes=5)
    rows = question.params["reply_markup"]["inline_keyboard"]
    assert rows[0] == [{"text": t("face_mix_anyway", "en"), "callback_data": rows[0][0]["callback_data"]}]
    assert rows[0][0]["callback_data"].endswith(":a") and not tg_api.sent("sendAnimation")

    tg_api.press_button(ANA, question.result, rows[0][0]["callback_data"])
    result = (await tg_api.wait_replies(2, chat_id=40))[1]
    assert result.method == "sendAnimation" and result.reply_to == first["message_id"]
    assert gif_frames(result.upload("animation")) == 3
