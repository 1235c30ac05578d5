"""/cats (with ◀ ▶), /map, /kittens and /blend on Discord, end to end (issue 13): real discord.py
against the local fake Discord, the real engine on the tiny model, a gallery built for it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from image_factory import encode_image, synthetic_faces
from PIL import Image

from bot.common.texts import t


@pytest.fixture
async def start(start_bot, tiny_gallery):
    async def go(**overrides):
        return await start_bot(kitten_gallery=tiny_gallery, **overrides)

    return go


def _buttons(message: dict) -> list[dict]:
    return [c for row in message.get("components", []) for c in row["components"]]


def _rgb(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


async def test_cats_pages_and_buttons(fake, start):
    await start()
    iid = await fake.inject(fake.slash("cats"))
    first = await fake.first_followup(iid)
    assert first.content == t("cats_caption", "en", first=1, last=16, count=32, page=1, pages=2)
    [sheet] = first.files
    w, h = Image.open(io.BytesIO(sheet.data)).size
    assert 600 <= w <= 1200 and h > w
    [nxt] = _buttons(first.message)
    assert nxt["label"] == t("cats_next") and nxt["custom_id"] == "kitten-mixer:cats:2"

    press = await fake.inject(fake.button(first.message, nxt["custom_id"], user_id=777))
    second = await fake.first_followup(press)
    assert second.content.startswith("Cats 17-32 of 32") and second.files[0].data != sheet.data
    assert [b["custom_id"] for b in _buttons(second.message)] == ["kitten-mixer:cats:1"]

    es = await fake.inject(fake.slash("cats", {"page": 2}, locale="es-ES"))
    spanish = await fake.first_followup(es)
    assert spanish.content.startswith("Gatos 17-32 de 32")

    bad = await fake.inject(fake.slash("cats", {"page": 3}))
    answer = await fake.first_callback(bad)
    assert answer.ephemeral and answer.content == t("usage_cats", "en", pages=2)


async def test_map_plain_and_with_two_gallery_cats(fake, start):
    await start()
    plain = await fake.first_followup(await fake.inject(fake.slash("map")))
    assert plain.content == t("map_caption", "en")
    path = await fake.first_followup(await fake.inject(fake.slash("map", {"cats": "2 30"})))
    assert "#2" in path.content and "#30" in path.content
    a, b = _rgb(plain.files[0].data), _rgb(path.files[0].data)
    assert a.shape == b.shape and np.abs(a - b).sum(-1).astype(bool).mean() > 0.01
    usage = await fake.first_callback(await fake.inject(fake.slash("map", {"cats": "2"})))
    # issue 20: what was wrong, then the usage line
    assert usage.ephemeral and usage.content == f"{t('map_counts', 'en', count=1)}\n{t('usage_map', 'en')}"


async def test_kittens_from_a_photo_and_a_number_seeded(fake, start, face_jpegs):
    await start()
    results = []
    for _ in range(2):
        cat1 = fake.attachment_payload("tom.jpg", face_jpegs[0], "image/jpeg")
        iid = await fake.inject(fake.slash("kittens", {"cats": "7", "seed": 99}, attachments={"cat1": cat1}))
        results.append(await fake.first_followup(iid))
    assert results[0].files[0].data == results[1].files[0].data
    content = results[0].content
    assert "tom.jpg" in content and "#7" in content and "seed 99" in content
    refused = await fake.first_callback(await fake.inject(fake.slash("kittens", {"cats": "7"})))
    assert refused.ephemeral and refused.content == t("need_two_parents", "en", count=1)
    unknown = await fake.inject(fake.slash("kittens", {"cats": "7 40"}))
    answer = await fake.wait_for(lambda: fake.callbacks_for(unknown) + fake.followups_for(unknown))
    assert any(t("no_such_cat", "en", number=40, count=32) == getattr(x, "content", "") for x in answer)


async def test_blend_photos_and_gallery_cats(fake, start, face_jpegs):
    await start()
    cats = {k: fake.attachment_payload(f"{k}.jpg", d, "image/jpeg") for k, d in zip(("cat1", "cat2"), face_jpegs)}
    result = await fake.first_followup(await fake.inject(fake.slash("blend", {"weights": "70 30"},
                                                                      attachments=cats)))
    [png] = result.files
    assert Image.open(io.BytesIO(png.data)).size == (256, 256)
    assert result.content == t("blend_caption", "en", parts="**cat1.jpg** 70% + **cat2.jpg** 30%")
    only = await fake.first_followup(await fake.inject(fake.slash("blend", {"weights": "1 0", "cats": "#3 #9"})))
    other = await fake.first_followup(await fake.inject(fake.slash("blend", {"weights": "0 1", "cats": "#3 #9"})))
    assert only.files[0].data != other.files[0].data
    wrong = await fake.first_callback(await fake.inject(fake.slash("blend", {"weights": "70", "cats": "#3 #9"})))
    assert wrong.ephemeral and wrong.content == t("blend_counts", "en", cats=2, weights=1)


async def test_blend_weights_as_people_type_them_and_one_refusal_for_the_rest(fake, start):
    """Issue 20: Discord took `1e2` and `nan` (Telegram refused them); `0 0` was "2 cats and 2
    weights"; an unknown name was not said to be one. Now the same plan as Telegram's and the CLI's."""
    await start()
    made = []
    for weights in ("70% 30%", "70/30", "٧٠ ٣٠", "70,5 29,5"):
        made.append(await fake.first_followup(await fake.inject(fake.slash("blend", {"weights": weights,
                                                                                      "cats": "#3 #9"}))))
    assert made[0].content == made[1].content == made[2].content and made[0].content.endswith("** 30%")
    assert made[0].files[0].data == made[1].files[0].data
    assert made[3].content.endswith("** 29.5%")
    refused = {}
    for weights, cats in (("1e2 30", "#3 #9"), ("nan 30", "#3 #9"), ("-70 30", "#3 #9"), ("0 0", "#3 #9"),
                          ("50 50", "Secret #12")):
        answer = await fake.first_callback(await fake.inject(fake.slash("blend", {"weights": weights, "cats": cats})))
        assert answer.ephemeral
        refused[weights] = answer.content
    for word in ("1e2", "nan", "-70"):
        assert refused[f"{word} 30"] == f"{t('blend_bad_weight', 'en', word=word)}\n{t('usage_blend', 'en')}"
    assert refused["0 0"] == t("blend_zero_weights", "en")
    assert refused["50 50"] == t("unknown_cat_name", "en", word="Secret")


async def test_no_gallery_for_this_model_is_said_kindly(fake, start_bot):
    await start_bot()  # the shipped gallery belongs to the shipped model, not the tiny one
    answer = await fake.first_callback(await fake.inject(fake.slash("cats")))
    assert answer.ephemeral and answer.content == t("no_gallery", "en")


async def test_mix_gallery_cats_three_photos_and_map_after(fake, start, face_jpegs):
    await start()
    two = await fake.first_followup(await fake.inject(fake.slash("mix", {"cats": "3 20", "frames": 5})))
    [gif] = two.files
    img = Image.open(io.BytesIO(gif.data))
    assert img.format == "GIF" and img.n_frames == 5 and "#3" in two.content and "#20" in two.content
    third = encode_image(synthetic_faces(1, size=256, seed=31)[0], "JPEG", quality=90)
    cats = {k: fake.attachment_payload(f"{k}.jpg", d, "image/jpeg")
            for k, d in zip(("cat1", "cat2", "cat3"), (face_jpegs[0], face_jpegs[1], third))}
    loop = await fake.first_followup(await fake.inject(fake.slash("mix", {"frames": 4}, attachments=cats)))
    assert Image.open(io.BytesIO(loop.files[0].data)).n_frames == 3 * 3  # A->B->C->A
    assert "cat1.jpg" in loop.content and "cat3.jpg" in loop.content
    after = await fake.first_followup(await fake.inject(fake.slash("map")))
    assert "cat1.jpg" in after.content  # the server's last mix, drawn on the map
    one = await fake.first_callback(await fake.inject(fake.slash("mix", {"cats": "3"})))
    assert one.ephemeral and one.content == t("need_mix_cats", "en", count=1)


async def test_a_photo_without_a_face_is_asked_about_in_kittens_blend_and_gallery_mixes(fake, start, face_jpegs,
                                                                                          gradient_png):
    """Not only /mix of two photos: a litter, a blend and a mix with a gallery cat ask "tap its
    square" too, and the press finishes the same request with the photos it kept."""
    await start()
    face = fake.attachment_payload("tom.jpg", face_jpegs[0], "image/jpeg")
    wall = fake.attachment_payload("wall.png", gradient_png, "image/png")
    cases = [("kittens", {"seed": 5}, {"cat1": face, "cat2": wall}, "second_photo", "5"),
             ("blend", {"weights": "60 40"}, {"cat1": wall, "cat2": face}, "first_photo", t("face_whole", "en")),
             ("mix", {"cats": "#7", "frames": 4}, {"cat1": wall}, "first_photo", "1")]
    results = []
    for name, options, files, which, label in cases:
        iid = await fake.inject(fake.slash(name, options, attachments=files))
        question = await fake.first_followup(iid)
        assert question.content == t("face_where", "en", which=t(which, "en"), minutes=5)
        assert len(fake.followups_for(iid)) == 1 and question.files[0].filename.endswith(".jpg")
        cid = next(b["custom_id"] for row in question.message["components"] for b in row["components"]
                   if b["label"] == label)
        press = await fake.inject(fake.button(question.message, cid))
        results.append(await fake.first_followup(press))
    litter, blend, mix = results
    assert "tom.jpg" in litter.content and "wall.png" in litter.content and "seed 5" in litter.content
    assert blend.content == t("blend_caption", "en", parts="**wall.png** 60% + **tom.jpg** 40%")
    assert Image.open(io.BytesIO(mix.files[0].data)).n_frames == 4 and "#7" in mix.content
