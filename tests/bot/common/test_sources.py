"""Which words after a command name cats, and resolving them to engine sources."""

from __future__ import annotations

import pytest
import torch

from bot.common.sources import GalleryPick, NamePick, SourceProblem, hash_number, resolve_cats, split_cat_words
from vae_core.engine import Cat
from vae_core.gallery import load_gallery


@pytest.mark.parametrize(("words", "photos", "picks", "rest"), [
    (["12", "47"], 0, [12, 47], []),  # two gallery cats
    (["16", "grid"], 0, [], ["16", "grid"]),  # one number alone can't make a mix: frames, as always
    (["12", "47", "16"], 0, [12, 47], ["16"]),  # the third number is the frame count
    (["12"], 1, [12], []),  # a photo plus a number
    (["16"], 2, [], ["16"]),  # two photos: the number is frames
    (["#3", "16"], 1, [3], ["16"]),  # #N is always a cat, so the bare number stays an option
    (["#3", "#4", "#5"], 0, [3, 4, 5], []),  # three gallery cats need the #
    (["#3", "grid", "12"], 0, [3, 12], ["grid"]),
    (["#x", "#"], 0, [], ["#x", "#"]),  # not numbers: left for the option parser to refuse
    (["١٢", "47"], 0, [12, 47], []),  # any script's digits are numbers (bot/common/numbers.py)
])
def test_split(words, photos, picks, rest):
    got = split_cat_words(words, photos)
    assert [p.number for p in got.picks] == picks
    assert got.rest == rest


def test_blend_numbers_are_weights_and_names_come_from_the_chat():
    got = split_cat_words(["#12", "70", "30"], 1, bare_numbers=False)
    assert got.picks == [GalleryPick(12)] and got.rest == ["70", "30"]
    names = {"luna", "tom"}
    got = split_cat_words(["Luna", "tom", "grid"], 0, is_name=lambda w: w.lower() in names)
    assert got.picks == [NamePick("Luna"), NamePick("tom")] and got.rest == ["grid"]
    got = split_cat_words(["Luna", "12"], 0, is_name=lambda w: w.lower() in names)
    assert got.picks == [NamePick("Luna"), GalleryPick(12)] and got.rest == []


def test_hash_number():
    assert hash_number("#12") == 12 and hash_number(" #7 ") == 7
    assert hash_number("12") is None and hash_number("#") is None and hash_number("#1a") is None


async def test_resolve_keeps_photos_first_then_picks_in_order(engine, tiny_gallery, tiny_model, face_jpegs):
    gallery = load_gallery(tiny_gallery, tiny_model.model)
    latent = torch.zeros(gallery.latent_dim)

    async def named(names):
        return [latent for _ in names]

    out = await resolve_cats(engine, face_jpegs[:1], [GalleryPick(7), NamePick("Luna")], gallery, "es", named)
    assert out[0] == face_jpegs[0]
    assert isinstance(out[1], Cat) and out[1].label == f"#7 {gallery.name(7, 'es')}"
    assert torch.equal(out[1].z, gallery.latent(7))
    assert isinstance(out[2], Cat) and out[2].label == "Luna" and torch.equal(out[2].z, latent)


async def test_resolve_problems(engine, tiny_gallery, tiny_model):
    gallery = load_gallery(tiny_gallery, tiny_model.model)
    with pytest.raises(SourceProblem) as e:
        await resolve_cats(engine, [], [GalleryPick(99), GalleryPick(1)], gallery)
    assert e.value.key == "no_such_cat" and e.value.params == {"number": 99, "count": 32}
    with pytest.raises(SourceProblem) as e:
        await resolve_cats(engine, [], [GalleryPick(1), GalleryPick(2)], None)
    assert e.value.key == "no_gallery"
    with pytest.raises(SourceProblem) as e:
        await resolve_cats(engine, [], [NamePick("Luna"), GalleryPick(2)], gallery)
    assert e.value.key == "unknown_cat"


def test_all_numbers_are_cats_where_an_option_holds_only_cats():
    got = split_cat_words(["7"], 0, bare_numbers="all")
    assert got.picks == [GalleryPick(7)] and got.rest == []
