"""Captions say how each photo's face was chosen: several cats, or a face the user placed."""

from __future__ import annotations

from bot.common.captions import mix_caption
from bot.common.texts import t
from vae_core.engine import MixOptions, Reply
from vae_core.intake import CropReport


def report(**kw) -> CropReport:
    base = dict(face_found=True, box=(0, 0, 100, 100), source_size=(100, 100), source_format="JPEG", cats=1)
    return CropReport(**{**base, **kw})


def test_several_cats_are_mentioned_and_a_placed_face_needs_no_excuse():
    reply = Reply(b"", "image/gif", "m.gif", 2, [report(cats=3), report(face_found=False, hint="4")])
    tg = mix_caption(reply, MixOptions(), "es")  # one caption for both bots (issue 20); Discord names the files
    assert t("several_cats", "es", count=3, which=t("first_photo", "es")) in tg
    assert t("no_face", "es", which=t("second_photo", "es")) not in tg
    dc = mix_caption(reply, MixOptions(), "en", files=["tom.jpg", "wall.png"])
    assert t("several_cats", "en", count=3, which=f"{t('first_photo')} (tom.jpg)") in dc
    assert "middle" not in dc
    plain = Reply(b"", "image/gif", "m.gif", 2, [report(), report(face_found=False)])  # the CLI's middle
    assert t("no_face", "en", which=t("second_photo")) in mix_caption(plain, MixOptions(), "en")
    assert t("several_cats", "en", count=1, which=t("first_photo")) not in mix_caption(plain, MixOptions(), "en")
