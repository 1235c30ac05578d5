"""The litter measurement runs end to end and reports sane numbers (tiny model, generated faces)."""

from __future__ import annotations

import json

from image_factory import encode_image, synthetic_faces
from PIL import Image

from trainer.litter_metrics import run_litter_metrics


def test_litter_metrics_report_and_figure(tiny_weights, tmp_path):
    data = tmp_path / "faces"
    data.mkdir()
    for i, face in enumerate(synthetic_faces(240, seed=9)):
        (data / f"f{i}.png").write_bytes(encode_image(face, "PNG"))
    out, fig = tmp_path / "litter.json", tmp_path / "litter.png"
    r = run_litter_metrics(tiny_weights, data, out, fig, pairs=12, n_train=120, progress=False)
    assert json.loads(out.read_text())["kittens"] == r["kittens"] == 12 * 6
    for key in ("c2st_kittens", "c2st_slerp_midpoints", "lat_both_nearer", "pix_both_nearer", "lat_pct_a"):
        assert 0.0 <= r[key] <= 1.0, key
    # a kitten is built from its parents, so it sits closer to them than the typical random cat
    assert r["lat_a"] < r["lat_rand_median"] and r["lat_b"] < r["lat_rand_median"]
    assert Image.open(fig).size[0] == 1200
