"""The drawing stage in the engine: wherever the model draws a cat alone, it is the refiner's picture
at 3x the decode's side, the same latent always draws the same cat, and photos are left alone."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from generated_finder import GeneratedFaceFinder
from PIL import Image

from vae_core import compose
from vae_core.engine import Engine, EngineSettings, MixOptions
from vae_core.litter import litter
from vae_core.refiner import Refiner, RefinerConfig
from vae_core.samples import DEMO_FILES, DEMO_PHOTOS, sample_photos


@pytest.fixture
def refiner() -> Refiner:
    torch.manual_seed(0)
    net = Refiner(RefinerConfig(width=8, blocks=1, fine=4))
    for p in net.parameters():
        p.data.add_(torch.randn_like(p) * 0.05)  # not the identity-like untrained net
    return net.eval()


@pytest.fixture
async def drawing_engine(tiny_model, refiner):
    eng = Engine(tiny_model, EngineSettings(workers=1), finder=GeneratedFaceFinder(), refiner=refiner,
                 latent_critic=False)
    yield eng
    eng.close()


def test_engines_without_the_stage_draw_decodes(tiny_model):
    eng = Engine(tiny_model, EngineSettings(workers=1), finder=GeneratedFaceFinder())  # not the shipped VAE
    try:
        assert eng.refiner is None and eng.latent_critic is None
        z = eng.sample(2, 0)
        assert np.array_equal(eng.draw(z), eng.decode(z))
    finally:
        eng.close()


async def test_random_cats_are_drawn_at_three_times_the_decode_and_repeat_for_a_seed(drawing_engine):
    side = 3 * drawing_engine.image_size
    a, b, c = [await drawing_engine.random(4, seed=s) for s in (9, 9, 10)]
    assert [p.shape for p in a.pictures] == [(side, side, 3)] * 4
    assert all(np.array_equal(x, y) for x, y in zip(a.pictures, b.pictures, strict=True))
    assert a.data == b.data and a.data != c.data
    grid = Image.open(io.BytesIO(a.data))
    assert grid.size == (2 * side + 4, 2 * side + 4)  # 2 x 2 cells of the drawn size, 4 px gaps
    # a drawn cat is not its decode upscaled: the refiner added something
    up = np.asarray(Image.fromarray(drawing_engine.decode(a.cats[0].z[None])[0]).resize((side, side)))
    assert np.abs(a.pictures[0].astype(int) - up.astype(int)).mean() > 1


async def test_a_mix_with_a_drawn_cat_ends_on_its_picture_and_photos_stay_exact(drawing_engine, face_jpegs):
    photo_cat = (await drawing_engine.cats(face_jpegs[:1]))[0]
    drawn = drawing_engine.cat_from_latent(drawing_engine.sample(1, 3)[0], "#3")
    reply = await drawing_engine.mix([photo_cat, drawn], MixOptions(frames=4, format="grid"))
    frames = drawing_engine.frames_sync(reply.cats, MixOptions(frames=4), 256)
    assert np.array_equal(frames[0], compose.fit_photo(photo_cat.photo, 256))
    assert np.array_equal(frames[-1], compose.fit_photo(drawing_engine.picture(drawn), 256))
    assert np.array_equal(drawing_engine.picture(photo_cat), photo_cat.photo)


async def test_litters_and_blends_use_the_drawing_stage(drawing_engine):
    from vae_core.gallery_views import blend

    side = 3 * drawing_engine.image_size
    a, b = (drawing_engine.cat_from_latent(z) for z in drawing_engine.sample(2, 5))
    reply, seed = await litter(drawing_engine, [a, b], seed=1, n=3)
    assert seed == 1 and [p.shape[0] for p in reply.pictures] == [side] * 3
    blended = Image.open(io.BytesIO((await blend(drawing_engine, [a, b], [1, 1])).data))
    assert blended.size == (256, 256)


def test_the_demo_mixes_the_two_shipped_photos_and_falls_back_to_drawn_cats(drawing_engine, tmp_path):
    shipped = sample_photos()
    assert shipped == [(DEMO_PHOTOS / n).read_bytes() for n in DEMO_FILES]
    assert all(Image.open(io.BytesIO(b)).size == (512, 512) for b in shipped)
    assert (DEMO_PHOTOS / "README.md").read_text().count("Pixabay") >= 2  # source and licence beside them
    drawn = sample_photos(drawing_engine, seed=2, folder=tmp_path)  # a trimmed install without the photos
    side = 3 * drawing_engine.image_size
    assert [Image.open(io.BytesIO(b)).size for b in drawn] == [(side, side)] * 2
    with pytest.raises(FileNotFoundError):
        sample_photos(None, folder=tmp_path)
