"""evaluate-finder: the rules it scores by, and whole runs on a generated scene set and on real scenes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from generated_finder import GeneratedFaceFinder
from image_factory import synthetic_faces
from PIL import Image

from kitten_mixer.cli import main
from trainer.evaluate_finder import (
    AFHQ_CROP,
    afhq_truth,
    centre_hit,
    evaluate_finder,
    format_table,
    free_regions,
    small_head_canvas,
)
from trainer.finder_data import scene_split
from vae_core.facecrop import iou
from vae_core.finder import Detection, HaarFinder, crop_square

SCENES = Path(__file__).resolve().parents[3] / "shared" / "data" / "scenes"


def test_the_centre_rule():
    truth = (100, 100, 200, 200)
    assert centre_hit(Detection((110, 90, 210, 190), 1), truth)
    assert not centre_hit(Detection((180, 100, 280, 200), 1), truth)  # centre outside the head
    assert not centre_hit(Detection((130, 130, 170, 170), 1), truth)  # 0.4x as wide
    assert centre_hit(Detection((60, 60, 240, 240), 1), truth)  # 1.8x
    assert not centre_hit(Detection((40, 40, 260, 260), 1), truth)  # 2.2x


def test_afhq_truth_is_the_head_whose_crop_is_the_training_framing():
    assert crop_square(Detection(afhq_truth(), 1)) == pytest.approx(AFHQ_CROP)


def test_cat_free_regions_stay_away_from_every_head():
    rng = np.random.default_rng(0)
    heads = [(100, 100, 300, 300), (500, 50, 600, 150)]
    regions = free_regions((800, 600), heads, rng, 5)
    assert regions
    for r in regions:
        assert all(iou(r, h) == 0 for h in heads)


def test_small_head_canvases_put_the_head_under_a_tenth_of_the_width():
    img = Image.new("RGB", (500, 400), (200, 100, 50))
    canvas, head = small_head_canvas(img, (100, 100, 300, 300), np.random.default_rng(1))
    assert canvas.size == (1024, 768)
    assert 0.05 <= (head[2] - head[0]) / 1024 < 0.10
    x0, y0 = int(head[0]) + 2, int(head[1]) + 2
    assert np.abs(np.asarray(canvas)[y0, x0].astype(int) - [200, 100, 50]).max() < 8  # the photo is there


def make_scenes(root: Path, n: int = 6) -> None:
    """Generated cats on plain rooms, with their head boxes: a scene set whose answers we know."""
    (root / "photos").mkdir(parents=True)
    items = []
    rng = np.random.default_rng(5)
    for i, face in enumerate(synthetic_faces(n, size=160, seed=21)):
        w, h = 640, 480
        room = np.zeros((h, w, 3), np.uint8)
        room[:] = rng.integers(60, 200, 3)
        x, y = int(rng.integers(0, w - 160)), int(rng.integers(0, h - 160))
        room[y:y + 160, x:x + 160] = face
        name = f"gen_{i}.jpg"
        Image.fromarray(room).save(root / "photos" / name, quality=92)
        head = [x + 24.0, y + 24.0, x + 136.0, y + 136.0]
        items.append({"file": name, "size": [w, h], "head_box": head, "all_head_boxes": [head],
                      "head_frac_w": round(112 / w, 4)})
    (root / "manifest.json").write_text(json.dumps({"items": items}))


def test_a_whole_run_on_generated_scenes_scores_what_we_know(tmp_path):
    make_scenes(tmp_path / "scenes")
    r = evaluate_finder(GeneratedFaceFinder(), tmp_path / "scenes", split="all", progress=False)
    assert r["scenes"] == 6 and r["buckets"]["10%-20%"]["n"] == 6
    found = [GeneratedFaceFinder().find(Image.open(p)) for p in sorted((tmp_path / "scenes" / "photos").iterdir())]
    assert r["centre_recall"] == pytest.approx(sum(bool(f) for f in found) / 6, abs=1e-3)
    assert r["false_finds"]["rate"] == 0.0 and r["false_finds"]["regions"] > 0
    assert r["small_heads"]["n"] == 6 and r["ms_per_photo"]["p50"] > 0
    assert "afhq" not in r  # no photos/ folder next to these scenes
    table = format_table(r)
    assert "false finds on cat-free regions: 0/" in table and "10%-20%" in table
    # several draws pool new random regions and canvases; the first draw is the single draw itself
    r3 = evaluate_finder(GeneratedFaceFinder(), tmp_path / "scenes", split="all", progress=False, draws=3)
    assert r3["false_finds"]["draws"] == 3 and r3["small_heads"]["n"] == 18
    assert r["false_finds"]["regions"] < r3["false_finds"]["regions"] <= 3 * r["false_finds"]["regions"] + 6
    assert r3["centre_recall"] == r["centre_recall"]  # the scenes themselves are not random
    assert "(3 draws)" in format_table(r3)


def test_the_cli_writes_json_and_uses_the_training_split(tmp_path, capsys):
    if not SCENES.is_dir():
        pytest.skip("../shared/data/scenes is not available on this machine")
    out = tmp_path / "finder.json"
    assert main(["evaluate-finder", "--data", str(SCENES), "--haar", "--limit", "4", "--no-small",
                 "--json", str(out)]) == 0
    r = json.loads(out.read_text())
    assert r["finder"] == "HaarFinder" and r["split"] == "test" and r["scenes"] == 4
    assert "small_heads" not in r and 0 <= r["false_finds"]["rate"] <= 1
    assert "ms per photo" in capsys.readouterr().out
    items = json.loads((SCENES / "manifest.json").read_text())["items"]
    held_out = [it for it in items if scene_split(it["file"]) == "test"]
    assert 0.2 < len(held_out) / len(items) < 0.4  # ~30% held out of the finder's training


def test_the_old_finder_on_a_few_real_scenes():
    if not SCENES.is_dir():
        pytest.skip("../shared/data/scenes is not available on this machine")
    r = evaluate_finder(HaarFinder(), SCENES, split="test", small=False, progress=False, limit=12)
    assert r["scenes"] == 12
    for v in (r["centre_recall"], r["iou50_recall"], r["false_finds"]["rate"]):
        assert 0 <= v <= 1
    assert r["afhq"]["n"] == 48 and r["afhq"]["centre_recall"] > 0.7  # measured 87.5% on all 48
