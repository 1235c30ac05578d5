"""The mix pictures (issue 11): they start and end on the user's own crops, carry real detail in
between, every option gives a valid file, grids fill their rows, 3-4 cats loop."""

import io
import itertools

import cv2
import imageio.v3 as iio
import numpy as np
import pytest
from image_factory import encode_image, synthetic_faces
from PIL import Image

from trainer.mix_metrics import ghosting, hf_power, psnr
from vae_core import compose
from vae_core.engine import Engine, EngineSettings, MixOptions, grid_columns

GAP = 4  # render.grid_png's gap between cells


def _gif(data: bytes) -> np.ndarray:
    return iio.imread(data, index=None)[..., :3]


def _cells(png: bytes, n: int, cell: int) -> list[np.ndarray]:
    sheet = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    cols = grid_columns(n)
    return [sheet[(i // cols) * (cell + GAP):(i // cols) * (cell + GAP) + cell,
                  (i % cols) * (cell + GAP):(i % cols) * (cell + GAP) + cell] for i in range(n)]


@pytest.fixture
async def cats(engine, face_jpegs):
    return await engine.cats(face_jpegs)


@pytest.mark.parametrize("size", [256, 384])
async def test_gif_starts_and_ends_on_the_users_crops_within_the_palettes_error(engine, cats, size):
    r = await engine.mix(cats, MixOptions(frames=12, size=size))
    g = _gif(r.data)
    assert g.shape == (12, size, size, 3)
    ends = [compose.fit_photo(c.photo, size) for c in cats]
    assert psnr(g[0], ends[0]) >= 30 and psnr(g[-1], ends[1]) >= 30
    # not a 64 px decode scaled up: that is far from the crop (the issue measured 21 dB)
    up = cv2.resize(engine.decode(cats[0].z[None])[0], (size, size), interpolation=cv2.INTER_CUBIC)
    assert psnr(up, ends[0]) < psnr(g[0], ends[0]) - 5


async def test_grid_ends_are_the_crops_and_its_middle_cells_are_the_gifs_frames(engine, cats):
    opts = MixOptions(frames=10, format="grid")
    r = await engine.mix(cats, opts)
    cell = opts.size // 2
    cells = _cells(r.data, 10, cell)
    assert np.array_equal(cells[0], compose.fit_photo(cats[0].photo, cell))  # PNG: exact
    assert np.array_equal(cells[-1], compose.fit_photo(cats[1].photo, cell))
    frames = engine.frames_sync(cats, opts, cell)  # the same pipeline as the GIF, at cell size
    assert all(np.array_equal(c, f) for c, f in zip(cells, frames, strict=True))


async def test_in_between_frames_carry_the_photos_fine_detail(engine, cats):
    opts = MixOptions(frames=11)
    frames = engine.frames_sync(cats, opts, 256)
    up = cv2.resize(engine.decode(engine.path(cats, opts))[5], (256, 256), interpolation=cv2.INTER_CUBIC)
    real = np.mean([hf_power(compose.fit_photo(c.photo, 256)) for c in cats])
    assert hf_power(frames[5]) > 0.3 * real > 10 * hf_power(up)


@pytest.mark.parametrize(("frames", "fmt", "path", "boomerang", "size"),
                         list(itertools.product([2, 3, 12], ["gif", "grid"], ["linear", "slerp"], [False, True],
                                                [256, 384])))
async def test_every_option_combination_gives_a_valid_file(engine, cats, frames, fmt, path, boomerang, size):
    r = await engine.mix(cats, MixOptions(frames=frames, format=fmt, path=path, boomerang=boomerang, size=size))
    if fmt == "gif":
        g = _gif(r.data)
        n = 2 * frames - 2 if boomerang and frames > 2 else frames
        assert r.mime == "image/gif" and g.shape == (n, size, size, 3) == (r.frames, size, size, 3)
        if boomerang:
            assert np.array_equal(g[1], g[-1])  # forward then back
    else:
        img = Image.open(io.BytesIO(r.data))
        cell, cols = size // 2, grid_columns(frames)
        rows = frames // cols
        assert r.mime == "image/png" and r.frames == frames
        assert img.size == (cols * cell + (cols - 1) * GAP, rows * cell + (rows - 1) * GAP)


def test_grid_columns_fill_every_row():
    for n in range(2, 130):
        cols = grid_columns(n)
        assert n % cols == 0, n  # no half-empty last row
    assert [grid_columns(n) for n in (4, 8, 9, 12, 16, 32)] == [4, 8, 3, 6, 8, 8]
    assert [grid_columns(n, aspect=1.0, one_row_up_to=0) for n in (4, 9, 16)] == [2, 3, 4]  # /random's sheet


async def test_three_and_four_cats_loop_through_every_photo_and_back(engine):
    photos = [encode_image(f, "JPEG", quality=90) for f in synthetic_faces(4, size=256, seed=3)]
    cats = await engine.cats(photos)
    for k in (3, 4):
        r = await engine.mix(cats[:k], MixOptions(frames=5))
        g = _gif(r.data)
        assert r.frames == k * 4 == len(g)
        ends = [compose.fit_photo(c.photo, 256) for c in cats[:k]]
        for i, end in zip(engine.anchors(k, 5), ends, strict=True):
            assert psnr(g[i], end) >= 30  # every cat shows as itself at its place in the loop

        def dist(a, b):
            return np.abs(a.astype(int) - b.astype(int)).mean()

        # the last frame is on its way back to the first cat, not still at the last one
        assert dist(g[-1], ends[0]) < dist(g[-1], ends[-1])
        grid = await engine.mix(cats[:k], MixOptions(frames=5, format="grid"))
        assert grid.frames == k * 4
        assert np.array_equal(_cells(grid.data, k * 4, 128)[0], compose.fit_photo(cats[0].photo, 128))


async def test_cats_without_a_photo_end_on_their_decode(engine, cats):
    lone = engine.cat_from_latent(cats[1].z)  # as a gallery or random cat: no photo
    r = await engine.mix([cats[0], lone], MixOptions(frames=6))
    g = _gif(r.data)
    up = cv2.resize(engine.decode(lone.z[None])[0], (256, 256), interpolation=cv2.INTER_CUBIC)
    assert psnr(g[-1], up) >= 30
    assert psnr(g[0], compose.fit_photo(cats[0].photo, 256)) >= 30


def test_compose_legs_and_weights():
    assert [(leg.a, leg.b) for leg in compose.legs_for(3, 3)] == [(0, 1), (0, 1), (1, 2), (1, 2), (2, 0), (2, 0)]
    assert [leg.t for leg in compose.legs_for(2, 3)] == [0.0, 0.5, 1.0]
    cfg = compose.DEFAULT
    assert compose.weights(0.0, cfg) == (1.0, 1.0, 0.0, 0.0)
    lo_a, hi_a, lo_b, hi_b = compose.weights(0.5, cfg)
    assert lo_a == lo_b == 0.0  # no low band mid-way: it carries the outlines that ghost
    assert hi_a == pytest.approx(hi_b) and hi_a ** 2 + hi_b ** 2 == pytest.approx(1.0)


def test_aligned_detail_ghosts_less_than_a_plain_cross_fade():
    """Two photos of one face shifted apart: a plain cross-fade shows both (double eyes); aligned
    residuals put the detail where the in-between decode has the face."""
    rng = np.random.default_rng(0)
    fur = cv2.GaussianBlur((rng.random((256, 256)) * 255).astype(np.float32), (0, 0), 0.8)
    yy, xx = np.mgrid[0:256, 0:256]

    def face(cx: float) -> np.ndarray:
        img = 0.6 * fur + 50
        for ex in (-40, 40):
            img[(xx - cx - ex) ** 2 + (yy - 110) ** 2 < 14 ** 2] = 240
        return np.repeat(np.clip(img, 0, 255).astype(np.uint8)[..., None], 3, -1)

    photos = [face(110.0), face(146.0)]
    decodes = np.stack([cv2.resize(cv2.resize(face(110 + 36 * t), (64, 64), interpolation=cv2.INTER_AREA),
                                   (64, 64)) for t in np.linspace(0, 1, 9)])
    legs, anchors = compose.legs_for(2, 9), [0, 8]
    aligned = compose.compose(decodes, legs, photos, anchors, 256)
    plain = compose.compose(decodes, legs, photos, anchors, 256,
                            compose.ComposeConfig(sigma=0.0, hi_curve="linear", align=False))
    assert np.array_equal(aligned[0], photos[0]) and np.array_equal(aligned[-1], photos[1])
    g_aligned = ghosting(aligned[4], decodes[4], photos, [decodes[0], decodes[-1]])
    g_plain = ghosting(plain[4], decodes[4], photos, [decodes[0], decodes[-1]])
    assert g_plain > 0.3 and g_aligned < 0.5 * g_plain


def test_real_photos_meet_the_issue_targets_with_the_shipped_model(cat_photos):
    """Two real sample photos through the shipped model: ends >= 30 dB with the palette, the middle
    frame keeps >= 0.45 of the real crops' fine detail and ghosts less than a plain cross-fade."""
    from trainer.evaluate_mix import VARIANTS, evaluate_pair

    eng = Engine(None, EngineSettings(workers=1, middle_without_face=True))
    try:
        a, b = eng.cats_sync(cat_photos[30:32])
        ours = evaluate_pair(eng, a, b, compose.DEFAULT)
        plain = evaluate_pair(eng, a, b, VARIANTS["transfer"])
    finally:
        eng.close()
    assert min(ours["psnr_a"], ours["psnr_b"]) >= 30
    assert ours["detail_mid"] >= 0.45
    assert ours["ghost_mid"] < 0.5 * plain["ghost_mid"]


@pytest.mark.parametrize("size", [64, 130, 512])
async def test_odd_and_extreme_sizes_still_give_valid_files(engine, cats, size):
    g = _gif((await engine.mix(cats, MixOptions(frames=4, size=size))).data)
    assert g.shape == (4, size, size, 3)
    assert psnr(g[0], compose.fit_photo(cats[0].photo, size)) >= 30
    grid = await engine.mix(cats, MixOptions(frames=4, size=size, format="grid"))
    assert Image.open(io.BytesIO(grid.data)).size == (4 * (size // 2) + 3 * GAP, size // 2)
