"""/cats, /map, /kittens and /blend planned once for every front end (bot/common/commands/gallery.py):
each check and message is tested here; the platforms' end-to-end tests only show they use it."""

from __future__ import annotations

import pytest

from bot.common.commands import Refusal
from bot.common.commands.gallery import (
    MAX_SEED,
    BlendPlan,
    KittensPlan,
    MapPlan,
    PagePlan,
    percent,
    plan_blend,
    plan_cats,
    plan_kittens,
    plan_map,
    read_weights,
)
from bot.common.sources import GalleryPick, NamePick
from bot.common.texts import t
from vae_core import gallery_views
from vae_core.gallery import load_gallery


@pytest.fixture
def gallery(tiny_gallery, tiny_model):
    return load_gallery(tiny_gallery, tiny_model.model)


def _luna(word: str) -> bool:
    return word == "Luna"


# ---- /cats ----------------------------------------------------------------------------------------

def test_pages_in_any_script_and_the_usage_line_for_the_rest(gallery):
    assert plan_cats([], gallery) == PagePlan(1, 2)
    assert plan_cats(["2"], gallery) == plan_cats(["٢"], gallery) == PagePlan(2, 2)
    for bad in (["3"], ["0"], ["dos"], ["-1"], ["1", "2"], ["1e0"]):
        assert plan_cats(bad, gallery) == Refusal("usage_cats", {"pages": 2}), bad
    assert plan_cats([], None) == Refusal("no_gallery")
    assert PagePlan(1, 2).turns("en") == [(t("cats_next", "en"), 2)]
    assert PagePlan(2, 2).turns("es") == [(t("cats_prev", "es"), 1)]


# ---- /map -----------------------------------------------------------------------------------------

def test_map_says_what_was_wrong_not_only_the_usage_line():
    assert plan_map([]) == MapPlan((), 0)
    assert plan_map(["12", "#47"]) == MapPlan((GalleryPick(12), GalleryPick(47)), 0)
    assert plan_map(["١٢"], 1) == MapPlan((GalleryPick(12),), 1)  # digits of any script
    five = plan_map(["1", "2", "3", "4", "5"])
    assert five == Refusal("map_counts", {"count": 5}, usage="usage_map")
    assert five.text("en") == f"A path on the map needs 2 to 4 cats; I got 5.\n{t('usage_map', 'en')}"
    assert plan_map([], 1) == Refusal("map_counts", {"count": 1}, usage="usage_map")
    assert plan_map(["2", "grid"]) == Refusal("not_a_cat", {"word": "grid"}, usage="usage_map")
    assert plan_map(["Secret", "12"], is_name=_luna) == Refusal("unknown_cat_name", {"word": "Secret"})
    assert plan_map(["Luna", "12"], is_name=_luna) == MapPlan((NamePick("Luna"), GalleryPick(12)), 0)
    assert plan_map(["12", "47"], gallery_ready=False) == Refusal("no_gallery")


# ---- /kittens -------------------------------------------------------------------------------------

def test_kittens_parents_and_seed_from_one_line():
    assert plan_kittens(["4", "11", "77"]) == KittensPlan((GalleryPick(4), GalleryPick(11)), 0, 77)
    assert plan_kittens(["#4", "#11", "٧٧"]) == KittensPlan((GalleryPick(4), GalleryPick(11)), 0, 77)
    assert plan_kittens([], 2) == KittensPlan((), 2, None)
    for seed in ("six", "-5", "1e3", "4.5"):
        assert plan_kittens(["4", "5", seed]) == Refusal("kittens_bad_seed", {"word": seed}, usage="usage_kittens")
    assert plan_kittens(["4", "5", "6", "7"]) == Refusal("kittens_bad_seed", {"word": "6 7"}, usage="usage_kittens")
    assert plan_kittens(["4", "5", str(MAX_SEED + 1)]) == Refusal("opt_seed_too_big", {"limit": MAX_SEED})
    assert plan_kittens(["#4", "Secret"]) == Refusal("unknown_cat_name", {"word": "Secret"})
    assert plan_kittens(["4"]) == Refusal("need_two_parents", {"count": 0})  # "4" alone is read as the seed
    assert plan_kittens(["#4"], 2) == Refusal("need_two_parents", {"count": 3})
    text = plan_kittens(["4", "5", "six"]).text("es")
    assert "«six»" in text and text.endswith(t("usage_kittens", "es"))


def test_kittens_with_the_seed_given_apart_read_every_number_as_a_cat():
    assert plan_kittens(["7"], 1, cats_only=True, seed=5) == KittensPlan((GalleryPick(7),), 1, 5)
    assert plan_kittens(["7", "40"], cats_only=True) == KittensPlan((GalleryPick(7), GalleryPick(40)), 0, None)
    assert plan_kittens(["7", "x"], cats_only=True) == Refusal("not_a_cat", {"word": "x"}, usage="usage_kittens")


# ---- /blend ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("words", [["70", "30"], ["70/30"], ["70%", "30%"], ["70%/30%"], ["70,", "30"],
                                   ["٧٠", "٣٠"], ["70.0", "30"], ["7", "3"], ["0,7", ",3"]])
def test_weights_as_people_type_them_become_the_same_shares(words):
    plan = plan_blend(["#12", "#47", *words])
    assert isinstance(plan, BlendPlan) and plan.picks == (GalleryPick(12), GalleryPick(47))
    assert plan.shares == pytest.approx((0.7, 0.3))


def test_a_decimal_comma_is_a_decimal():
    assert read_weights(["70,5", "29,5"]) == [70.5, 29.5]
    plan = plan_blend([], 2, weights="70,5 29,5")
    assert plan.shares == pytest.approx((0.705, 0.295))
    assert [percent(s) for s in plan.shares] == ["70.5%", "29.5%"]
    assert percent(0.7) == "70%" and percent(1 / 3) == "33.3%"


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "-10", "−10", "1e2", "1E2", "0x10", "1_0", "70.5.1", "²",
                                 "seventy", "+70"])
def test_every_unusable_weight_gets_the_same_refusal_about_the_weights(bad):
    expected = Refusal("blend_bad_weight", {"word": bad}, usage="usage_blend")
    assert plan_blend(["#12", "#47", bad, "30"]) == expected  # Telegram: one line
    assert plan_blend(["12", "47"], weights=f"{bad} 30") == expected  # Discord: the weights option apart
    assert "weight" in expected.text("en") and "peso" in expected.text("es")


def test_all_zero_weights_say_so():
    for words in (["0", "0"], ["0%", "0,0"]):
        refusal = plan_blend(["#12", "#47", *words])
        assert refusal == Refusal("blend_zero_weights")
        assert "zero" in refusal.text("en") and "cero" in refusal.text("es")


def test_counts_names_and_the_usage_line():
    assert plan_blend(["#3", "70", "30"]) == Refusal("blend_counts", {"cats": 1, "weights": 2})
    assert plan_blend(["#3", "#4", "70"]) == Refusal("blend_counts", {"cats": 2, "weights": 1})
    assert plan_blend([], 5, weights="1 1 1 1 1") == Refusal("blend_counts", {"cats": 5, "weights": 5})
    assert plan_blend(["#3", "#4"]) == Refusal("usage_blend")
    assert plan_blend(["Secret", "#12", "50", "50"]) == Refusal("unknown_cat_name", {"word": "Secret"})
    assert plan_blend(["Luna", "#12", "50", "50"], is_name=_luna).picks == (NamePick("Luna"), GalleryPick(12))
    assert plan_blend(["Secret", "12"], weights="50 50") == Refusal("unknown_cat_name", {"word": "Secret"})
    assert plan_blend(["12", "47"], 1, weights="1 1 1").picks == (GalleryPick(12), GalleryPick(47))


# ---- what the plans make --------------------------------------------------------------------------

async def test_plans_make_the_picture_and_one_caption(engine, gallery, face_jpegs):
    page = await plan_cats(["2"], gallery).make(engine, gallery, "en", "Yours: Luna\n\n")
    assert page.caption == "Yours: Luna\n\n" + t("cats_caption", "en", first=17, last=32, count=32, page=2, pages=2)
    assert page.reply.frames == 16

    one, two = gallery_views.gallery_cat(engine, gallery, 3), gallery_views.gallery_cat(engine, gallery, 8)
    blend = await plan_blend([], 2, weights="70% 30%").make(engine, [face_jpegs[0], two], "es", files=["tom.jpg"],
                                                              strong=lambda n: f"**{n}**")
    assert blend.caption == t("blend_caption", "es", parts=f"**tom.jpg** 70% + **{two.label}** 30%")
    plain = await plan_blend([], 2, weights="1 1").make(engine, face_jpegs, "es")
    assert plain.caption == t("blend_caption", "es", parts="foto 1 50% + foto 2 50%")

    litter = await plan_kittens(["3", "8", "5"]).make(engine, [one, two], "en")
    assert litter.caption == t("kittens_caption", "en", count=6, first=one.label, second=two.label, seed=5)

    plan = plan_map([])
    bare = await plan.make(engine, [], "en", gallery=gallery)
    assert bare.caption == t("map_caption", "en") and not bare.reply.cats
    last = await plan.make(engine, [], "en", gallery=gallery, last=[one, two])  # the chat's last mix
    assert last.caption == t("map_path_caption", "en", names=f"{one.label} → {two.label}")
