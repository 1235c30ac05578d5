"""Gallery pages, the map (with a mix's path) and weighted blends, through the engine's pool."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from vae_core import gallery_views as gv
from vae_core.errors import BadRequest
from vae_core.gallery import load_gallery


@pytest.fixture
def gallery(tiny_gallery, tiny_model):
    return load_gallery(tiny_gallery, tiny_model.model)


def _img(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


async def test_pages_differ_and_out_of_range_pages_are_refused(engine, gallery):
    p1 = await gv.gallery_page(engine, gallery, 1, "en", "Cats 1-16")
    p2 = await gv.gallery_page(engine, gallery, 2, "es")
    assert p1.mime == "image/png" and p1.frames == 16 and p2.frames == 16
    assert p1.data != p2.data
    w, h = Image.open(io.BytesIO(p1.data)).size
    assert 600 <= w <= 1200 and h > w  # 4 x 4 with a label under each face
    with pytest.raises(BadRequest):
        await gv.gallery_page(engine, gallery, 3)


async def test_gallery_cat_is_labelled_in_the_users_language(engine, gallery):
    cat = gv.gallery_cat(engine, gallery, 5, "es")
    assert cat.label == f"#5 {gallery.name(5, 'es')}" and cat.photo is None
    assert np.array_equal(cat.z.numpy(), gallery.latent(5).numpy())
    with pytest.raises(BadRequest):
        gv.gallery_cat(engine, gallery, 33)


async def test_map_with_a_path_draws_over_the_plain_map(engine, gallery, face_jpegs):
    plain = _img((await gv.gallery_map(engine, gallery)).data)
    reply = await gv.gallery_map(engine, gallery, [gv.gallery_cat(engine, gallery, 2),
                                                   gv.gallery_cat(engine, gallery, 30)])
    with_path = _img(reply.data)
    assert plain.shape == with_path.shape
    orange = (np.abs(with_path.astype(int) - (235, 140, 30)).sum(-1) < 40).sum()
    orange_plain = (np.abs(plain.astype(int) - (235, 140, 30)).sum(-1) < 40).sum()
    assert orange > orange_plain + 500  # the path line
    assert len(reply.cats) == 2
    three = await gv.gallery_map(engine, gallery, [face_jpegs[0], gv.gallery_cat(engine, gallery, 9), face_jpegs[1]])
    assert len(three.cats) == 3 and three.cats[0].photo is not None
    with pytest.raises(BadRequest):
        await gv.gallery_map(engine, gallery, [face_jpegs[0]])


async def test_blend_weights_move_the_result_towards_the_heavier_cat(engine, gallery, face_jpegs):
    a, b = gv.gallery_cat(engine, gallery, 1), gv.gallery_cat(engine, gallery, 20)
    only_a = _img((await gv.blend(engine, [a, b], [100, 0])).data).astype(float)
    only_b = _img((await gv.blend(engine, [a, b], [0, 100])).data).astype(float)
    mostly_a = _img((await gv.blend(engine, [a, b], [70, 30])).data).astype(float)
    assert np.abs(mostly_a - only_a).mean() < np.abs(mostly_a - only_b).mean()
    mixed = await gv.blend(engine, [face_jpegs[0], b], [1, 1])
    assert mixed.mime == "image/png" and len(mixed.cats) == 2
    for bad in ([1], [0, 0], [-1, 2], [float("nan"), 1], [float("inf"), 1], [1e308, 1e308]):
        with pytest.raises(BadRequest):
            await gv.blend(engine, [a, b], bad)
    with pytest.raises(BadRequest):
        await gv.blend(engine, [a], [1])


async def test_engine_run_shares_the_admission_limit(tiny_model):
    """Gallery work goes through the same bounded pool as mixes: a full engine says busy."""
    import asyncio
    import threading

    from vae_core.engine import Engine, EngineSettings
    from vae_core.errors import EngineBusy

    eng = Engine(tiny_model, EngineSettings(workers=1, max_pending=1, timeout_s=5))
    gate = threading.Event()
    try:
        first = asyncio.ensure_future(eng.run(gate.wait, 5))
        await asyncio.sleep(0.05)
        with pytest.raises(EngineBusy):
            await eng.run(lambda: 1)
        gate.set()
        assert await first is True
        assert await eng.run(lambda x: x + 1, 1) == 2
    finally:
        gate.set()
        eng.close()
