"""The shipped gallery matches the shipped model; a built gallery loads, pages, places new cats."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from vae_core.checkpoint import load_checkpoint
from vae_core.engine import DEFAULT_WEIGHTS
from vae_core.gallery import DEFAULT_GALLERY, PAGE_SIZE, GalleryError, load_gallery, model_fingerprint, names_path


@pytest.fixture(scope="module")
def shipped():
    model = load_checkpoint(DEFAULT_WEIGHTS).model
    return load_gallery(DEFAULT_GALLERY, model), model


def test_shipped_gallery_matches_its_config_and_the_shipped_model(shipped):
    g, model = shipped
    meta = json.loads(names_path(DEFAULT_GALLERY).read_text(encoding="utf-8"))
    assert len(g) == meta["count"] >= 96
    assert g.latent_dim == meta["latent_dim"] == model.config.latent_dim
    assert g.info["model_fingerprint"] == model_fingerprint(model)
    assert g.latents.shape == (len(g), model.config.latent_dim) and torch.isfinite(g.latents).all()
    for lang in ("en", "es"):
        names = [g.name(i, lang) for i in range(1, len(g) + 1)]
        assert all(n.strip() for n in names)
        assert len(set(names)) >= len(g) - 2  # a few names are the same word in both languages only
    assert len({g.name(i, "en") for i in range(1, len(g) + 1)}) == len(g)
    # the map: one spot per cat inside the picture, no two cats on the same spot
    xy = g.coords.numpy()
    assert xy.shape == (len(g), 2) and (xy > 0).all() and (xy < 1).all()
    assert len({(round(a, 4), round(b, 4)) for a, b in xy}) == len(g)
    size = DEFAULT_GALLERY.stat().st_size + names_path(DEFAULT_GALLERY).stat().st_size
    assert size < 400_000  # latents, not photos


def test_shipped_gallery_cats_are_distinct_and_spread(shipped):
    g, _ = shipped
    d = torch.cdist(g.latents, g.latents) + torch.eye(len(g)) * 1e9
    assert d.min() > 1.0  # no cat twice
    cov = g.info["coverage"]  # measured at build time: k-means picks span better than random picks
    assert cov["mean_nn_distance"] < cov["mean_nn_distance_random_pick"]


def test_pages_and_numbers(shipped):
    g, _ = shipped
    assert g.pages == -(-len(g) // PAGE_SIZE)
    assert list(g.page_numbers(1)) == list(range(1, PAGE_SIZE + 1))
    assert list(g.page_numbers(g.pages))[-1] == len(g)
    with pytest.raises(IndexError):
        g.page_numbers(g.pages + 1)
    assert torch.equal(g.latent(1), g.latents[0])
    with pytest.raises(IndexError):
        g.latent(len(g) + 1)
    with pytest.raises(IndexError):
        g.latent(0)


def test_placing_a_gallery_cat_puts_it_on_its_own_spot_and_a_blend_between(shipped):
    g, _ = shipped
    own = g.place(g.latents[[4, 40]])
    assert torch.allclose(own, g.coords[[4, 40]], atol=1e-3)
    a, b = g.coords[4], g.coords[40]
    mid = g.place(0.5 * (g.latents[4] + g.latents[40]))[0]
    lo, hi = torch.minimum(a, b) - 0.25, torch.maximum(a, b) + 0.25
    assert ((mid >= lo) & (mid <= hi)).all()


def test_built_gallery_loads_for_its_model_and_is_refused_by_another(tiny_gallery, tiny_model, shipped):
    g = load_gallery(tiny_gallery, tiny_model.model)
    assert len(g) == 32 and g.pages == 2 and g.latent_dim == tiny_model.model.config.latent_dim
    assert all(e["en"] and e["es"] for e in g.names)
    with pytest.raises(GalleryError, match="latent"):
        load_gallery(tiny_gallery, shipped[1])


def test_gallery_for_a_retrained_model_of_the_same_size_is_refused(tiny_gallery, tiny_model):
    model = copy.deepcopy(tiny_model.model)
    with torch.no_grad():
        next(model.parameters()).add_(0.01)  # same shapes, other weights: the latents mean other cats
    with pytest.raises(GalleryError, match="another model"):
        load_gallery(tiny_gallery, model)


def test_broken_gallery_files_are_refused_with_a_clear_error(tiny_gallery, tmp_path):
    target = tmp_path / "g.safetensors"
    shutil.copy(tiny_gallery, target)
    with pytest.raises(GalleryError, match="not found"):
        load_gallery(target)  # the names file is missing
    meta = json.loads(names_path(tiny_gallery).read_text(encoding="utf-8"))
    meta["names"][3] = {"en": "Tom"}  # no Spanish name
    names_path(target).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(GalleryError, match="en and es"):
        load_gallery(target)
    meta["names"] = meta["names"][:-1]
    names_path(target).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(GalleryError, match="does not match"):
        load_gallery(target)
    target.write_bytes(b"not a safetensors file")
    with pytest.raises(GalleryError, match="not a readable"):
        load_gallery(target)


def test_thumbnails_are_decoded_once(tiny_gallery, tiny_model):
    g = load_gallery(tiny_gallery, tiny_model.model)
    calls = []

    def decode(z):
        calls.append(len(z))
        return np.zeros((len(z), 8, 8, 3), np.uint8)

    assert g.thumbnails(decode).shape[0] == len(g)
    g.thumbnails(decode)
    assert calls == [len(g)]


def test_gallery_path_default_is_inside_the_repo():
    assert DEFAULT_GALLERY.parent == Path(DEFAULT_WEIGHTS).parent
