"""/cat end to end on Discord: the README's worked example of adding a command."""

from __future__ import annotations

import io

from PIL import Image

from bot.common.texts import t
from vae_core.gallery import load_gallery


async def test_cat_shows_one_gallery_cat_or_an_attachment_large(fake, start_bot, tiny_gallery, face_jpegs):
    await start_bot(kitten_gallery=tiny_gallery)
    g = load_gallery(tiny_gallery)
    big = await fake.first_followup(await fake.inject(fake.slash("cat", {"cats": "5"})))
    assert big.content == t("portrait_caption", "en", name=f"**#5 {g.name(5, 'en')}**")
    assert Image.open(io.BytesIO(big.files[0].data)).size == (384, 384)

    cat1 = fake.attachment_payload("tom.jpg", face_jpegs[0], "image/jpeg")
    photo = await fake.first_followup(await fake.inject(fake.slash("cat", attachments={"cat1": cat1})))
    assert "tom.jpg" in photo.content

    refused = await fake.first_callback(await fake.inject(fake.slash("cat", {"cats": "5 6"}, locale="es-ES")))
    assert refused.ephemeral and refused.content == f"{t('need_one_cat', 'es', count=2)}\n{t('usage_cat', 'es')}"
