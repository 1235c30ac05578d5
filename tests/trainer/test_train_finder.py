"""The finder's trainer on generated scenes: it learns, saves, resumes, and the saved net finds heads."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from image_factory import synthetic_faces
from PIL import Image

from trainer.finder_data import CANVAS, Scene, Sources, encode_targets, make_example
from trainer.train_finder import FinderTrainOptions, centre_hit, train_finder
from trainer.train_verifier import VerifierTrainOptions, _free_region_looks, make_batch, train_verifier
from vae_core.finder_net import STRIDE, FinderConfig, NetFinder, VerifierConfig, VerifierNet

TINY = FinderConfig(widths=(8, 16, 16, 24, 24), neck=16, threshold=0.3)


def _scene(rng: np.random.Generator, face: np.ndarray, w: int = 320, h: int = 240) -> Scene:
    """A noisy room-like background with one generated face pasted at a random place and size."""
    img = rng.integers(0, 255, (h // 8, w // 8, 3), dtype=np.uint8)
    img = np.asarray(Image.fromarray(img).resize((w, h), Image.Resampling.BILINEAR)).copy()
    side = int(rng.integers(40, 110))
    x, y = int(rng.integers(0, w - side)), int(rng.integers(0, h - side))
    img[y:y + side, x:x + side] = np.asarray(Image.fromarray(face).resize((side, side)))
    return Scene(img, [(x, y, x + side, y + side)])


def _sources(n: int, seed: int) -> Sources:
    rng = np.random.default_rng(seed)
    faces = synthetic_faces(n, size=64, seed=seed)
    scenes = [_scene(rng, f) for f in faces]
    big = np.stack([np.asarray(Image.fromarray(f).resize((192, 192))) for f in faces[:8]])
    return Sources(scenes, faces, big, np.random.default_rng(seed))


def test_examples_and_targets_are_consistent():
    src = _sources(8, seed=1)
    for _ in range(10):
        img, heads = make_example(src)
        assert img.shape == (CANVAS, CANVAS, 3) and img.dtype == np.uint8
        t = encode_targets(heads, (CANVAS // STRIDE, CANVAS // STRIDE), STRIDE)
        assert t["heat"].max() <= 1.0
        assert int((t["heat"] == 1.0).sum()) == len({(int(h.cy // STRIDE), int(h.cx // STRIDE)) for h in heads})
        for h in heads:  # the size target at each centre cell is the head's log side
            iy, ix = int(h.cy // STRIDE), int(h.cx // STRIDE)
            assert t["reg_mask"][iy, ix] == 1.0
            assert abs(np.exp(t["reg"][2, iy, ix]) * STRIDE - h.side) < 1e-3 * h.side or len(heads) > 1


def test_cat_free_canvases_have_no_heads_and_show_only_what_lies_beside_them():
    src = _sources(8, seed=2)
    for sc in src.scenes:  # make every head pure white: a cat-free canvas must never show one
        x0, y0, x1, y1 = (int(v) for v in sc.heads[0])
        sc.image[y0:y1, x0:x1] = 255
    for _ in range(20):
        img, heads = make_example(src, cat_free=1.0)
        assert heads == [] and img.shape == (CANVAS, CANVAS, 3)
        assert (img.min(axis=2) >= 250).mean() < 0.02  # (colour noise may whiten a few pixels)
    kinds = [len(make_example(src, cat_free=0.5)[1]) == 0 for _ in range(60)]
    assert 0.25 < np.mean(kinds) < 0.75  # about the asked share; the rest have their heads


@pytest.fixture(scope="module")
def tiny_finder(tmp_path_factory):
    """A tiny heatmap net trained in two halves (the second resumes the first) on generated scenes."""
    run = tmp_path_factory.mktemp("finder")
    opts = FinderTrainOptions(out=str(run), steps=240, batch_size=8, lr=3e-3, eval_every=10_000,
                              checkpoint_every=120)
    train_finder(FinderTrainOptions(**{**opts.__dict__, "steps": 120}), TINY, _sources(48, 0), [], progress=False)
    return train_finder(FinderTrainOptions(**{**opts.__dict__, "resume": True}), TINY, _sources(48, 0), [],
                        progress=False)


def _test_scenes() -> list[Scene]:
    rng = np.random.default_rng(99)
    return [_scene(rng, f) for f in synthetic_faces(12, size=64, seed=99)]


def test_tiny_finder_learns_to_find_generated_heads_and_resumes(tiny_finder):
    finder = NetFinder.load(tiny_finder)
    assert finder.config == TINY
    test = _test_scenes()
    hits = sum(bool(d := finder.find(Image.fromarray(s.image))) and centre_hit(d[0], s.heads[0]) for s in test)
    assert hits >= 9, f"the tiny finder found {hits}/12 generated heads"
    # an image with nothing in it gives no confident detection
    blank = Image.fromarray(np.full((240, 320, 3), 128, np.uint8))
    assert all(d.score < finder.threshold for d in finder.find(blank))


def test_verifier_batches_are_learnable_and_the_verifier_ships_in_the_finders_file(tiny_finder, tmp_path):
    opts = VerifierTrainOptions(finder=str(tiny_finder), out=str(tmp_path / "v"), steps=5, canvases=6,
                                canvas_side=256)
    # the labels made from the heatmap's candidates, jittered heads and random squares are consistent
    # with the crops: a fresh verifier fits one batch of them
    src = _sources(48, 1)
    finder = NetFinder.load(tiny_finder)
    x, y, reg = make_batch(src, finder, opts, VerifierConfig())
    assert 0 < y.mean() < 1 and len(x) == len(y) == len(reg)
    # small cat-free squares add only negatives, seen in find()'s looks (plain, zoomed, framed)
    looks = [lk for _ in range(10) for lk in _free_region_looks(src, finder)]
    assert looks and all(dets and all(d.score >= finder.config.verify_min for d in dets) for _, dets in looks)
    only_free = VerifierTrainOptions(**{**opts.__dict__, "canvases": 0, "free_regions": 8})
    x2, y2, _ = make_batch(src, finder, only_free, VerifierConfig())
    assert len(x2) == len(y2) > 0 and (y2 == 0).all()
    torch.manual_seed(0)
    net = VerifierNet(VerifierConfig())
    opt = torch.optim.Adam(net.parameters(), 3e-3)
    for _ in range(60):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x)[:, 0], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        assert ((net(x)[:, 0] > 0).float() == y).float().mean() > 0.9
    # the trainer writes heatmap net + verifier into one file that loads back and is used by find()
    path = train_verifier(opts, src, progress=False)
    shipped = NetFinder.load(path)
    assert shipped.verifier is not None and shipped.config == TINY
    img = Image.fromarray(_test_scenes()[0].image)
    raw = [d.score for d in shipped.candidates(img)]
    found = shipped.find(img)
    assert len(found) <= shipped.config.verify_top
    assert all(d.score <= max(raw) + 1e-6 for d in found)  # sqrt(peak * p) never exceeds the peak
