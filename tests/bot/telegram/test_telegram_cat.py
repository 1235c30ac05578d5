"""/cat (/gato) end to end on Telegram: the README's worked example of adding a command."""

from __future__ import annotations

import io

from PIL import Image
from tg_fake_api import private_chat, user

from bot.common.texts import t
from vae_core.gallery import load_gallery

ANA = user(30, "Ana")
EVA = user(31, "Eva", language_code="es")


async def test_cat_shows_one_gallery_cat_or_a_photo_large(tg_api, tg_start, tiny_gallery, face_jpegs):
    await tg_start(kitten_gallery=tiny_gallery)
    g = load_gallery(tiny_gallery)
    ask = tg_api.message(ANA, private_chat(30), text="/cat 5")
    (big,) = await tg_api.wait_replies(1, chat_id=30)
    assert big.method == "sendPhoto" and big.reply_to == ask["message_id"]
    assert big.text == t("portrait_caption", "en", name=f"#5 {g.name(5, 'en')}")
    assert Image.open(io.BytesIO(big.upload("photo"))).size == (384, 384)

    tg_api.message(ANA, private_chat(30), photo=face_jpegs[0], caption="/cat")
    photo = (await tg_api.wait_replies(2, chat_id=30))[1]
    assert photo.text == t("portrait_caption", "en", name=t("source_photo", "en", n=1))

    tg_api.message(EVA, private_chat(31), text="/gato 5 6")
    (refused,) = await tg_api.wait_replies(1, chat_id=31)
    assert refused.text == f"{t('need_one_cat', 'es', count=2)}\n{t('usage_cat', 'es')}"
