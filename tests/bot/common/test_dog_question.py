"""A photo that looks like a dog (issue 22): never mixed as a cat unasked; the question says so and
offers "mix it anyway", which mixes the dog's face square."""

from __future__ import annotations

import pytest
from generated_finder import dog_photo
from image_factory import encode_image, synthetic_faces

from bot.common.face_asks import FaceAsks, with_hints
from bot.common.face_question import buttons, question_text
from bot.common.texts import t
from vae_core.errors import DogFound
from vae_core.hints import FaceHint


@pytest.fixture(scope="module")
def photos() -> tuple[bytes, bytes]:
    faces = synthetic_faces(2, size=256, seed=11)
    return encode_image(faces[0], "JPEG", quality=92), dog_photo(faces[1])


async def test_the_engine_says_which_photo_is_a_dog_and_mixes_it_only_when_asked_to(engine, photos):
    cat, dog = photos
    with pytest.raises(DogFound) as found:
        await engine.mix([cat, dog])
    assert found.value.photos == [1] and found.value.dogs == [1]
    cats = await with_hints(engine, [cat, dog], [None, FaceHint.mix_anyway()])
    assert cats[1].report.dog and cats[1].report.hint == "a"
    reply = await engine.mix(cats)
    assert reply.mime == "image/gif" and reply.frames >= 2


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_question_about_a_dog_says_dog_and_offers_mix_it_anyway_first(lang):
    text = question_text(1, 2, lang, 5, dog=True)
    assert text == t("face_dog", lang, which=t("second_photo", lang).capitalize(), minutes=5)
    rows = buttons(lang, dog=True)
    assert [(b.label, b.hint) for b in rows[0]] == [(t("face_mix_anyway", lang), FaceHint.mix_anyway())]
    assert [b.label for b in rows[1]] == ["1", "2", "3"]  # a cat elsewhere in the photo can still be tapped
    assert rows[1:] == buttons(lang)  # the rest is the usual question
    assert question_text(1, 2, lang, 5) == t("face_where", lang, which=t("second_photo", lang), minutes=5)


def test_an_ask_knows_when_the_photo_asked_about_is_a_dog():
    asks = FaceAsks(60)
    ask = asks.open(1, 1, [b"a", b"b"], [0, 1], "en", dogs=[1])
    assert not ask.asking_dog
    asks.tap(ask.token, 1, FaceHint.at(4))
    assert ask.asking == 1 and ask.asking_dog
