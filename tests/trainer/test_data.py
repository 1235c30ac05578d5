import io
import zipfile

import numpy as np
import pytest
from image_factory import encode_image, synthetic_faces
from PIL import Image

from trainer.data import load_images, split_of


def _files():
    faces = synthetic_faces(12, size=80)
    files = {f"cats/c{i}.png": encode_image(f) for i, f in enumerate(faces[:6])}
    files.update({f"cats/j{i}.jpg": encode_image(f, "JPEG") for i, f in enumerate(faces[6:])})
    files["cats/broken.jpg"] = encode_image(faces[0], "JPEG")[:100]  # truncated JPEG
    files["cats/notes.png"] = b"this is text pretending to be a png"
    files["cats/readme.txt"] = b"not an image, not even by name"
    return files


def test_zip_with_broken_and_non_image_files_loads_the_rest_and_counts_skips(tmp_path, caplog):
    path = tmp_path / "cats.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in _files().items():
            zf.writestr(name, data)
    s = load_images(path)
    assert s.images.shape == (12, 3, 64, 64) and s.images.dtype.is_floating_point is False
    assert s.skipped == 2  # broken.jpg and notes.png; readme.txt is not even tried
    assert "skipped 2 unreadable" in caplog.text


def test_folder_of_any_size_images_is_resized_to_64(tmp_path):
    for name, data in _files().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    Image.new("RGB", (300, 120), (200, 10, 10)).save(tmp_path / "cats" / "wide.png")
    s = load_images(tmp_path)
    assert len(s) == 13 and s.skipped == 2
    wide = s.images[s.names.index("cats/wide.png")]
    assert wide.shape == (3, 64, 64) and wide[0].float().mean() > 190


def test_npz_in_either_layout(tmp_path):
    faces = synthetic_faces(5)
    np.savez(tmp_path / "a.npz", images=faces)
    np.savez(tmp_path / "b.npz", faces.transpose(0, 3, 1, 2).astype(np.float32) / 255)
    a, b = load_images(tmp_path / "a.npz"), load_images(tmp_path / "b.npz")
    assert a.images.shape == b.images.shape == (5, 3, 64, 64)
    assert (a.images.int() - b.images.int()).abs().max() <= 1


def test_split_is_by_content_and_stable_when_files_are_added(tmp_path):
    faces = synthetic_faces(60)
    for i, f in enumerate(faces[:40]):
        (tmp_path / f"{i}.png").write_bytes(encode_image(f))
    before = {n: split_of(d) for n, d in zip(*_names_digests(load_images(tmp_path)))}
    for i, f in enumerate(faces[40:], start=40):
        (tmp_path / f"{i}.png").write_bytes(encode_image(f))
    after = {n: split_of(d) for n, d in zip(*_names_digests(load_images(tmp_path)))}
    assert all(after[n] == s for n, s in before.items())
    assert {"train"} <= set(after.values())
    s = load_images(tmp_path)
    assert sum(len(s.split(k)) for k in ("train", "val", "test")) == len(s)


def _names_digests(s):
    return s.names, s.digests


def test_missing_data_and_empty_folder_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_images(tmp_path / "nope.zip")
    (tmp_path / "x.jpg").write_bytes(b"junk")
    with pytest.raises(ValueError, match="no readable images"):
        load_images(tmp_path)


def test_pil_reads_back_what_the_helpers_write():
    assert Image.open(io.BytesIO(encode_image(synthetic_faces(1)[0]))).size == (64, 64)
