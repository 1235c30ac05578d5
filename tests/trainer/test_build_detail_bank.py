"""Building the detail bank from a folder of faces: no evaluation face enters it, and it stays small."""

import hashlib
import json

import pytest
from image_factory import encode_image, synthetic_faces
from safetensors import safe_open

from trainer.build_detail_bank import build_detail_bank
from trainer.train_refiner import held_out
from vae_core.detail_bank import load_bank


@pytest.fixture(scope="module")
def face_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faces")
    for i, face in enumerate(synthetic_faces(40, size=192, seed=12)):
        (folder / f"face{i:02d}.png").write_bytes(encode_image(face, "PNG"))
    return folder


def test_the_bank_holds_only_faces_outside_the_evaluation_bucket(face_folder, tiny_weights, tmp_path):
    path = build_detail_bank(str(face_folder), str(tiny_weights), tmp_path / "bank.safetensors", count=6,
                             progress=False)
    bank = load_bank(path)
    assert len(bank) == 6 and bank.faces.shape[1:] == (192, 192, 3)
    with safe_open(str(path), "pt") as f:
        names = json.loads(f.metadata()["info"])["names"]
    digests = [hashlib.sha1((face_folder / n).read_bytes()).hexdigest() for n in names]
    assert len(set(names)) == 6 and not any(held_out(d) for d in digests)


def test_too_many_faces_or_too_many_bytes_are_refused(face_folder, tiny_weights, tmp_path):
    with pytest.raises(ValueError, match="fewer than"):
        build_detail_bank(str(face_folder), str(tiny_weights), tmp_path / "b.safetensors", count=40, progress=False)
    with pytest.raises(ValueError, match="MB a shipped bank"):
        build_detail_bank(str(face_folder), str(tiny_weights), tmp_path / "c.safetensors", count=5, progress=False,
                          max_bytes=1000)
    assert not (tmp_path / "c.safetensors").exists()
