"""`kitten-mixer evaluate-mix` as a person runs it: a folder of photos in, a table, JSON and a figure out."""

import json

from image_factory import encode_image, synthetic_faces
from PIL import Image

from kitten_mixer.cli import main


def test_evaluate_mix_reports_every_variant_as_table_json_and_figure(tiny_weights, tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i, face in enumerate(synthetic_faces(8, size=256, seed=5)):
        (photos / f"cat{i}.jpg").write_bytes(encode_image(face, "JPEG", quality=92))
    out, fig = tmp_path / "mix.json", tmp_path / "mid.png"
    assert main(["evaluate-mix", "--photos", str(photos), "--split", "held", "--pairs", "5",
                 "--weights", str(tiny_weights), "--out", str(out), "--figure", str(fig)]) == 0
    text = capsys.readouterr().out
    assert "end PSNR dB" in text and "ghosting" in text and "photos:held" in text
    res = json.loads(out.read_text())["sets"]["photos:held"]
    assert len(res["pairs"]) == 5 and all(p[0].startswith("cat") for p in res["pairs"])  # 4 photos: 6 pairs
    naive, ours = res["naive"], res["shipped"]
    assert ours["psnr_end"] >= 30 > naive["psnr_end"]  # the ends are the photos, not decodes
    assert ours["detail_mid"] > naive["detail_mid"]
    assert len(ours["per_pair"]) == 5
    rows, used = 0, set()  # one row per pair that shares no cat with an earlier one
    for a, b in res["pairs"]:
        if a not in used and b not in used:
            rows, used = rows + 1, used | {a, b}
    assert rows >= 2 and Image.open(fig).size[1] == rows * 192 + (rows - 1) * 4


def test_evaluate_mix_without_inputs_is_a_clear_error(capsys):
    assert main(["evaluate-mix"]) == 2
    assert "--photos" in capsys.readouterr().err
