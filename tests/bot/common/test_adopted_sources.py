"""Adopted names in the shared source resolver: `/mix Luna 12` and `/kittens Luna Tom` find the
chat's own cats (and only this chat's), with the real engine and a real SQLite file."""

from __future__ import annotations

import pytest
import torch

from bot.common.adoption import AdoptedCats, name_source, scope_for
from bot.common.cat_names import could_be_name
from bot.common.sources import GalleryPick, NamePick, SourceProblem, resolve_cats, split_cat_words
from bot.common.storage import open_storage
from vae_core.engine import Cat, MixOptions


def test_names_are_picked_out_of_the_command_words():
    words = split_cat_words(["Luna", "#3", "16", "grid", "Tom"], photos=0, is_name=could_be_name)
    assert words.picks == [NamePick("Luna"), GalleryPick(3), NamePick("Tom")]
    assert words.rest == ["16", "grid"]  # still options: the names and #3 make the set complete


async def test_adopted_cats_resolve_mix_and_stay_in_their_chat(tmp_path, engine):
    storage = await open_storage(tmp_path / "k.db")
    try:
        adopted = AdoptedCats(storage.cats, engine.model.config.latent_dim)
        dim = engine.model.config.latent_dim
        luna, tom = torch.linspace(-1, 1, dim), torch.linspace(1, -1, dim)
        here = scope_for("telegram", -5)
        await adopted.adopt(here, "Luna", luna, 1)
        await adopted.adopt(here, "Tom", tom, 1)
        picks = split_cat_words(["tom", "LUNA"], is_name=could_be_name).picks
        cats = await resolve_cats(engine, [], picks, None, named=name_source(adopted, here))
        assert all(isinstance(c, Cat) and c.photo is None for c in cats)
        assert torch.equal(cats[0].z, tom) and torch.equal(cats[1].z, luna)
        reply = await engine.mix(cats, MixOptions(frames=3))
        assert reply.mime == "image/gif" and reply.frames == 3

        with pytest.raises(SourceProblem) as e:
            await resolve_cats(engine, [], picks, None, named=name_source(adopted, scope_for("telegram", -6)))
        assert e.value.key == "unknown_cat" and e.value.params == {"name": "tom"}
    finally:
        await storage.close()
