""""Where's the face? Tap its square" on Discord, end to end: real discord.py against the fake Discord.

The engine uses the generated faces' finder (tests/generated_finder.py): drawn cats are found, a
colour gradient is not, so mixing the two must ask about the gradient instead of mixing its middle.
"""

from __future__ import annotations

import asyncio
import io

import imageio.v3 as iio
from dc_fake_discord import USER_ID
from PIL import Image

from bot.common.texts import t

OTHER = 4242


def gif_frames(data: bytes) -> int:
    return iio.improps(data, index=None, extension=".gif").shape[0]


def buttons(message: dict) -> list[list[dict]]:
    return [row["components"] for row in message["components"]]


def custom_id(message: dict, label: str) -> str:
    return next(b["custom_id"] for row in buttons(message) for b in row if b["label"] == label)


async def ask(fake, face_jpegs, gradient_png, locale: str = "en-US", frames: int = 3):
    cat1 = fake.attachment_payload("tom.jpg", face_jpegs[0], "image/jpeg")
    cat2 = fake.attachment_payload("wall.png", gradient_png, "image/png")
    iid = await fake.inject(fake.slash("mix", {"frames": frames}, attachments={"cat1": cat1, "cat2": cat2},
                                       locale=locale))
    return iid, await fake.first_followup(iid)


async def test_no_face_asks_with_a_grid_and_the_press_continues_the_same_mix(fake, start_bot, face_jpegs,
                                                                              gradient_png):
    await start_bot()
    iid, question = await ask(fake, face_jpegs, gradient_png)
    assert not question.ephemeral
    assert question.content == t("face_where", "en", which=t("second_photo", "en"), minutes=5)
    [picture] = question.files
    img = Image.open(io.BytesIO(picture.data))
    assert img.format == "JPEG" and img.size == (128, 128)  # the gradient itself, grid drawn on it
    assert [[b["label"] for b in row] for row in buttons(question.message)] == [
        ["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"], [t("face_whole", "en")]]
    assert len(fake.followups_for(iid)) == 1  # no mix of the wall's middle

    press = await fake.inject(fake.button(question.message, custom_id(question.message, "5")))
    answered = await fake.first_callback(press)
    assert answered.type == 7 and answered.data.get("components") == []  # the question's buttons go
    result = await fake.first_followup(press)
    assert not result.ephemeral and gif_frames(result.files[0].data) == 3
    assert "tom.jpg" in result.content and "wall.png" in result.content
    assert t("no_face", "en", which=f"{t('second_photo')} (wall.png)") not in result.content  # the user placed it

    again = await fake.inject(fake.button(question.message, custom_id(question.message, "5")))
    late = await fake.first_callback(again)
    assert (late.type, late.ephemeral, late.content) == (4, True, t("face_expired", "en"))


async def test_a_press_after_the_wait_is_told_privately_in_spanish(fake, start_bot, face_jpegs, gradient_png):
    await start_bot(face_ask_timeout_s=0.3)
    _, question = await ask(fake, face_jpegs, gradient_png, locale="es-ES")
    assert question.content == t("face_where", "es", which=t("second_photo", "es"), minutes=1)
    await asyncio.sleep(0.5)
    press = await fake.inject(fake.button(question.message, custom_id(question.message, t("face_whole", "es")),
                                          locale="es-ES"))
    late = await fake.first_callback(press)
    assert (late.type, late.ephemeral, late.content) == (4, True, t("face_expired", "es"))
    await asyncio.sleep(0.3)
    assert not fake.followups_for(press)


async def test_only_the_person_who_asked_can_answer(fake, start_bot, face_jpegs, gradient_png):
    await start_bot()
    _, question = await ask(fake, face_jpegs, gradient_png)
    stranger = await fake.inject(fake.button(question.message, custom_id(question.message, "1"), user_id=OTHER))
    refused = await fake.first_callback(stranger)
    assert (refused.type, refused.ephemeral, refused.content) == (4, True, t("face_not_yours", "en"))
    # nothing changed: the owner's own answer still mixes
    press = await fake.inject(fake.button(question.message, custom_id(question.message, t("face_whole", "en")),
                                          user_id=USER_ID))
    result = await fake.first_followup(press)
    assert gif_frames(result.files[0].data) == 3
