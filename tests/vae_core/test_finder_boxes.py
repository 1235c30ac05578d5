"""Issue 22, follow-up 2: the finder's box calibration (`FinderConfig.box_scale`, `box_shift`) moves boxes
and nothing else, older files keep their boxes, and the human-face cascade is skipped only on heads whose
outcome it cannot change (`people_skip_sure`), on real photos with the shipped finder."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from shipped_finder import shipped, with_config

from trainer.evaluate_finder import PORTRAITS, people_composite
from trainer.finder_sets import heads_of, load_scene_items
from vae_core.detection import Detection
from vae_core.finder import FINDER_WEIGHTS
from vae_core.finder_net import FinderConfig, NetFinder

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
PEOPLE = Path("/tmp/people")  # where the portraits were unpacked from the wheels' sample data, if anywhere


def _scenes(n: int) -> list[tuple[dict, Image.Image]]:
    if not (DATA / "scenes").is_dir():
        pytest.skip("../shared/data/scenes is not available on this machine")
    root = DATA / "scenes"
    return [(it, Image.open(root / "photos" / it["file"]).convert("RGB"))
            for it in load_scene_items(root, "test")[:n]]


def test_the_calibration_scales_and_moves_every_box_and_nothing_else():
    finder = shipped()
    plain = with_config(finder, box_scale=1.0, box_shift=0.0)
    bent = with_config(finder, box_scale=0.9, box_shift=0.1)
    seen = 0
    for _, img in _scenes(8):
        a, b = plain.look(img), bent.look(img)
        assert [(d.score, d.kind, d.angle) for d in a] == [(d.score, d.kind, d.angle) for d in b]
        for d, e in zip(a, b):
            seen += 1
            assert e.side == pytest.approx(0.9 * d.side)
            roll = math.radians(d.angle)  # moved down the head, along its roll
            assert e.center[0] == pytest.approx(d.center[0] - math.sin(roll) * 0.1 * d.side)
            assert e.center[1] == pytest.approx(d.center[1] + math.cos(roll) * 0.1 * d.side)
    assert seen >= 8


def test_a_file_without_the_calibration_keeps_its_boxes(tmp_path):
    assert (FinderConfig().box_scale, FinderConfig().box_shift) == (1.0, 0.0)
    if not Path(FINDER_WEIGHTS).is_file():
        pytest.skip("no learned finder weights")
    with safe_open(str(FINDER_WEIGHTS), "pt") as f:
        meta = f.metadata()
    cfg = json.loads(meta["config"])
    for key in ("box_scale", "box_shift", "people_skip_sure"):
        cfg.pop(key, None)
    old = tmp_path / "old-finder.safetensors"
    save_file(load_file(str(FINDER_WEIGHTS)), str(old), metadata={**meta, "config": json.dumps(cfg)})
    loaded = NetFinder.load(old)
    assert (loaded.config.box_scale, loaded.config.box_shift) == (1.0, 0.0)
    uncalibrated = with_config(shipped(), box_scale=1.0, box_shift=0.0)
    for _, img in _scenes(4):
        assert loaded.look(img) == uncalibrated.look(img)


class CountingFaces:
    """OpenCV's cascade as if it called every head a person's, counting the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def is_person(self, img, det):
        self.calls += 1
        return True


def test_the_cascade_is_skipped_only_where_the_penalty_cannot_change_the_outcome():
    finder = with_config(shipped(), people_penalty=0.3, people_cat_min=0.7, people_penalty_unsure=0.4)
    finder._people = faces = CountingFaces()
    img = Image.new("RGB", (640, 480), (120, 110, 100))
    alone = Detection((0, 0, 50, 50), 0.9)  # 0.54 after the largest penalty: still sure, still first
    assert finder._people_checked(img, [alone], {alone: 0.9}) == [alone] and faces.calls == 0
    rival = Detection((300, 0, 350, 50), 0.6)  # 0.9 at the largest penalty (0.54) could fall under it: asked
    out = finder._people_checked(img, [alone, rival], {alone: 0.9, rival: 0.9})
    assert faces.calls == 2 and [round(d.score, 2) for d in out] == [0.63, 0.42]
    faces.calls = 0
    weak = Detection((0, 0, 50, 50), 0.5)  # 0.3 after the penalty: under the threshold, so asked
    assert finder._people_checked(img, [weak], {weak: 0.9})[0].score == pytest.approx(0.35)
    assert faces.calls == 1
    above = Detection((300, 0, 350, 50), 0.95)  # a surer head that its own penalty could drop below `alone`
    faces.calls = 0
    finder._people_checked(img, [above, alone], {above: 0.9, alone: 0.9})
    assert faces.calls == 2


def test_skipping_the_cascade_changes_no_answer_on_real_photos_with_people():
    """Scenes and people pasted beside their cats: the chosen head, its kind and box, which heads are
    sure and their order are the same with the skip as without it, with fewer cascade calls."""
    if not all((PEOPLE / n).is_file() for n in PORTRAITS):
        pytest.skip("no portraits (matplotlib's grace_hopper.jpg, scikit-image's astronaut.png) in /tmp/people")
    import numpy as np

    finder = shipped()
    skip, full = with_config(finder, people_skip_sure=True), with_config(finder, people_skip_sure=False)
    calls = {"skip": 0, "full": 0}
    for name, f in (("skip", skip), ("full", full)):
        inner = f._human_faces()

        class Counted:
            def is_person(self, img, det, _inner=inner, _name=name):
                calls[_name] += 1
                return _inner.is_person(img, det)

        f._people = Counted()
    rng = np.random.default_rng(0)
    portraits = [(Image.open(PEOPLE / n).convert("RGB"), face) for n, face in PORTRAITS.items()]
    photos = []
    for it, img in _scenes(12):
        photos.append(img)
        for portrait, face in portraits:
            made = people_composite(img, heads_of(it), portrait, face, rng)
            if made is not None:
                photos.append(made[0])
    for img in photos:
        a, b = skip.look(img), full.look(img)
        assert [(d.box, d.kind, d.score >= finder.threshold) for d in a] == \
            [(d.box, d.kind, d.score >= finder.threshold) for d in b]
    assert len(photos) >= 20 and calls["skip"] < calls["full"]


def test_the_lean_runners_give_exactly_the_folded_nets_outputs():
    """`find` runs the nets as flat lists of torch calls (no nn.Module machinery): bit for bit the
    folded modules' outputs, on a real photo and on real candidate crops."""
    import torch

    from vae_core.finder_net import crops_for, to_input

    finder = shipped()
    (_, img), = _scenes(1)
    nets, lean = finder._folded(), finder._lean()
    x, _ = to_input(img, finder.config.input_side)
    x = x.contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        assert torch.equal(nets[0](x), lean[0](x))
        dets = finder.candidates(img)[:3]
        assert dets
        for i, cfg in ((1, finder.verifier.config), (2, finder.kinds.config)):
            crops = crops_for(img, dets, cfg).contiguous(memory_format=torch.channels_last)
            assert torch.equal(nets[i](crops), lean[i](crops))
