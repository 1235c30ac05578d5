"""A dog photo on Discord (issue 22): the question says it looks like a dog, and "Mix it anyway" mixes it."""

from __future__ import annotations

import imageio.v3 as iio
from generated_finder import dog_photo
from image_factory import synthetic_faces

from bot.common.texts import t


def _custom_id(message: dict, label: str) -> str:
    return next(b["custom_id"] for row in message["components"] for b in row["components"] if b["label"] == label)


async def test_a_dog_is_said_and_mixed_only_after_mix_it_anyway(fake, start_bot, face_jpegs):
    await start_bot()
    cat1 = fake.attachment_payload("tom.jpg", face_jpegs[0], "image/jpeg")
    cat2 = fake.attachment_payload("rex.png", dog_photo(synthetic_faces(1, size=256, seed=5)[0]), "image/png")
    iid = await fake.inject(fake.slash("mix", {"frames": 3}, attachments={"cat1": cat1, "cat2": cat2},
                                       locale="es-ES"))
    question = await fake.first_followup(iid)
    assert question.content == t("face_dog", "es", which="La segunda foto", minutes=5)
    anyway = _custom_id(question.message, t("face_mix_anyway", "es"))
    assert anyway.endswith(":a") and len(fake.followups_for(iid)) == 1  # no mix yet

    press = await fake.inject(fake.button(question.message, anyway))
    result = await fake.first_followup(press)
    assert iio.improps(result.files[0].data, index=None, extension=".gif").shape[0] == 3
    assert "rex.png" in result.content
