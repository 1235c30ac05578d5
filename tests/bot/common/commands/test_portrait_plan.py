"""/cat (bot/common/commands/gallery.py plan_portrait): the README's worked example of adding a
command. Every check is here; each platform has one end-to-end test."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from bot.common.commands import Refusal
from bot.common.commands.gallery import PortraitPlan, plan_portrait
from bot.common.sources import GalleryPick, NamePick, resolve_cats
from bot.common.texts import t
from vae_core.gallery import load_gallery
from vae_core.gallery_views import PORTRAIT_SIDE


@pytest.fixture
def gallery(tiny_gallery, tiny_model):
    return load_gallery(tiny_gallery, tiny_model.model)


def test_one_cat_by_number_name_or_photo():
    assert plan_portrait(["12"]) == PortraitPlan((GalleryPick(12),), 0)
    assert plan_portrait(["#١٢"]) == PortraitPlan((GalleryPick(12),), 0)
    assert plan_portrait(["Luna"], is_name=lambda w: w == "Luna") == PortraitPlan((NamePick("Luna"),), 0)
    assert plan_portrait([], 1) == PortraitPlan((), 1)


@pytest.mark.parametrize("words, photos, count", [([], 0, 0), (["12", "47"], 0, 2), (["12"], 1, 2), ([], 2, 2)])
def test_anything_but_one_cat_is_refused_with_the_count(words, photos, count):
    assert plan_portrait(words, photos) == Refusal("need_one_cat", {"count": count}, usage="usage_cat")


def test_a_word_that_is_no_cat_says_so():
    assert plan_portrait(["Secret"]) == Refusal("unknown_cat_name", {"word": "Secret"})
    refusal = plan_portrait(["grid"])
    assert isinstance(refusal, Refusal) and refusal.key == "not_a_cat"
    assert refusal.text("es").endswith(t("usage_cat", "es"))


async def test_make_draws_the_gallery_cat_large_with_its_name(engine, gallery):
    plan = plan_portrait(["3"])
    sources = await resolve_cats(engine, [], plan.picks, gallery, "en")
    made = await plan.make(engine, sources, "en", gallery=gallery)
    image = Image.open(io.BytesIO(made.reply.data))
    assert made.reply.mime == "image/png" and image.size == (PORTRAIT_SIDE, PORTRAIT_SIDE)
    assert made.caption == t("portrait_caption", "en", name=f"#3 {gallery.name(3, 'en')}")
    other = await plan_portrait(["4"]).make(engine, await resolve_cats(engine, [], [GalleryPick(4)], gallery),
                                            "en", gallery=gallery)
    assert np.abs(np.asarray(image, dtype=int) - np.asarray(Image.open(io.BytesIO(other.reply.data)),
                                                            dtype=int)).mean() > 1  # another cat


async def test_make_shows_a_photo_as_the_bot_cut_it(engine, face_jpegs):
    made = await plan_portrait([], 1).make(engine, [face_jpegs[0]], "en")
    assert made.caption == t("portrait_caption", "en", name=t("source_photo", "en", n=1))
    assert made.reply.cats[0].photo is not None  # the user's own crop, not a drawing
