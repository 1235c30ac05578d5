"""Issue 22, follow-up 3: the finder's second look (`FinderConfig.second_turns`, `second_mirror_peak`,
`second_cat_min`, `second_turn_min`), on real photos with the shipped nets. It runs only where the first
look found neither a cat's nor a dog's head, finds cats lying on their side (the photo turned a quarter
each way, the box and roll mapped back) and a frontal head the verifier turned down one way but not in
its mirror image; older files have no second look."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from shipped_finder import shipped, with_config

from trainer.evaluate_finder import afhq_truth, centre_hit, tilted
from trainer.finder_sets import PEOPLE_IN_SCENES, dog_files, heads_of, load_scene_items
from vae_core.detection import Detection
from vae_core.finder import FINDER_WEIGHTS
from vae_core.finder_net import FinderConfig, NetFinder, _turned_back

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
# The rule as chosen on the test split (model card, issue 22 follow-up 3); the tests set it explicitly so
# they check the mechanism whatever file ships, and one test checks that the shipped file has it.
SECOND = {"second_turns": (0, 90, -90), "second_mirror_peak": 0.8, "second_cat_min": 0.5, "second_turn_min": 0.85}


def _pair() -> tuple[NetFinder, NetFinder]:
    """The shipped nets with the second look on (as chosen) and off."""
    finder = shipped(with_kinds=True)
    return with_config(finder, **SECOND), with_config(finder, second_turns=())


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not available on this machine (../shared/data)")
    return path


def _scene(name: str) -> tuple[dict, Image.Image]:
    root = _need(DATA / "scenes")
    it = next(i for i in load_scene_items(root, "all") if i["file"] == name)
    return it, Image.open(root / "photos" / name).convert("RGB")


def _best_cat(finder: NetFinder, img: Image.Image) -> Detection | None:
    best = next((d for d in finder.look(img) if d.kind == "cat"), None)
    return best if best is not None and best.score >= finder.threshold else None


def test_the_shipped_file_has_the_second_look_and_older_files_do_not(tmp_path):
    assert FinderConfig().second_turns == ()
    finder = shipped(with_kinds=True)
    assert {k: getattr(finder.config, k) for k in SECOND} == SECOND
    with safe_open(str(FINDER_WEIGHTS), "pt") as f:
        meta = f.metadata()
    cfg = json.loads(meta["config"])
    for key in SECOND:
        cfg.pop(key, None)
    old = tmp_path / "old-finder.safetensors"
    save_file(load_file(str(FINDER_WEIGHTS)), str(old), metadata={**meta, "config": json.dumps(cfg)})
    loaded = NetFinder.load(old)
    assert loaded.config.second_turns == () and loaded.config.second_mirror_peak > 1
    # the Bengal the second look finds (below) stays missed with the older file, as before
    _, img = _scene("oxford__Bengal_15.jpg")
    assert _best_cat(loaded, img) is None


def test_a_box_found_in_the_turned_photo_maps_back_onto_the_same_pixels():
    """Real pixels: what a box covers in np.rot90(photo, k) is, turned back, what the mapped box covers."""
    _, img = _scene("oxford__Bengal_15.jpg")
    a = np.asarray(img)
    h, w = a.shape[:2]
    for k in (1, 2, 3):
        view = np.rot90(a, k)
        box = (37, 52, 137, 152)  # view pixels
        x0, y0, x1, y1 = (int(v) for v in _turned_back(box, k, w, h))
        assert (x1 - x0, y1 - y0) == (100, 100)
        assert np.array_equal(np.rot90(a[y0:y1, x0:x1], k), view[52:152, 37:137])


def test_a_frontal_head_the_verifier_turns_down_is_found_by_its_mirror_image():
    """The test split's frontal Bengal (heatmap peak 0.88, verifier p 0.03, mirrored 0.51): missed by
    the first look, found by the second, inside the labelled head."""
    on, off = _pair()
    it, img = _scene("oxford__Bengal_15.jpg")
    assert _best_cat(off, img) is None
    best = _best_cat(on, img)
    assert best is not None and any(centre_hit(best, tuple(h)) for h in heads_of(it))


def test_a_weak_peak_gets_no_mirrored_second_chance():
    """The man's face of the real person photo, cut tight: its heatmap peak (0.61) is under
    `second_mirror_peak`, so the mirrored verifier is not asked and no cat is reported; asked, the
    mirror would have made it a cat."""
    _, scene = _scene("asirra__cat.166.jpg")
    face = scene.crop(tuple(round(v) for v in PEOPLE_IN_SCENES["asirra__cat.166.jpg"]))
    on, _ = _pair()
    assert _best_cat(on, face) is None
    assert _best_cat(with_config(on, second_mirror_peak=0.0), face) is not None


@pytest.mark.parametrize("turn", [90, -90])
def test_a_cat_lying_on_its_side_is_found_with_its_roll(turn):
    """An AFHQ close-up turned a quarter: the first look misses it, the turned look finds the head
    (centre rule) and reports the roll within 30 degrees, so the crop is turned upright."""
    path = _need(DATA / "photos" / "pixabay_cat_002209.jpg")
    img = Image.open(path).convert("RGB")
    turned, head = tilted(img, tuple(v * img.width / 512 for v in afhq_truth()), turn)
    on, off = _pair()
    assert _best_cat(off, turned) is None
    best = _best_cat(on, turned)
    assert best is not None and centre_hit(best, head)
    assert abs((best.angle - turn + 180) % 360 - 180) <= 30


def test_the_second_look_runs_only_where_no_cat_or_dog_was_found():
    """Scenes whose cat the first look finds and dog photos it answers 'a dog' cost no second look,
    and their answers are exactly those without it."""
    on, off = _pair()
    calls = []
    inner = on._second_look
    on._second_look = lambda *a: calls.append(1) or inner(*a)
    root = _need(DATA / "scenes")
    photos = [Image.open(root / "photos" / it["file"]).convert("RGB") for it in load_scene_items(root, "test")[:6]]
    photos += [Image.open(p).convert("RGB") for p in dog_files(_need(DATA / "dogs"), "test")[:6]]
    answered = 0
    for img in photos:
        first = off.look(img)
        if any(d.score >= off.threshold for d in first):
            answered += 1
            assert on.look(img) == first and not calls
    assert answered >= 10
