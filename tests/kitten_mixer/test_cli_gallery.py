"""The gallery commands of `kitten-mixer`, and '#12' wherever a photo is accepted (issue 13)."""

from __future__ import annotations

import io

import pytest
from image_factory import encode_image, synthetic_faces
from PIL import Image

from kitten_mixer.cli import main
from vae_core.gallery import load_gallery


@pytest.fixture
def opts(tiny_weights, tiny_gallery):
    return ["--weights", str(tiny_weights), "--gallery", str(tiny_gallery)]


@pytest.fixture
def photo(tmp_path):
    p = tmp_path / "cat.jpg"
    p.write_bytes(encode_image(synthetic_faces(1, size=200, seed=5)[0], "JPEG"))
    return p


def _frames(path) -> int:
    return getattr(Image.open(path), "n_frames", 1)


def _last_line(err: str) -> str:
    assert "Traceback" not in err
    return [x for x in err.splitlines() if x.strip()][-1]


def test_gallery_pages(opts, tmp_path, capsys):
    out = tmp_path / "cats.png"
    assert main(["gallery", "-o", str(out), "--page", "2", "--lang", "es", *opts]) == 0
    assert "cats 17-32" in capsys.readouterr().out
    first = tmp_path / "first.png"
    assert main(["gallery", "-o", str(first), *opts]) == 0
    assert Image.open(out).size == Image.open(first).size and out.read_bytes() != first.read_bytes()
    assert main(["gallery", "-o", str(out), "--page", "3", *opts]) == 2
    assert "pages 1 to 2" in _last_line(capsys.readouterr().err)


def test_mix_takes_gallery_numbers_and_three_or_four_cats(tiny_weights, tiny_gallery, photo, tmp_path, capsys,
                                                          monkeypatch):
    monkeypatch.setattr("vae_core.gallery.DEFAULT_GALLERY", tiny_gallery)  # `mix` has no --gallery
    monkeypatch.setattr("kitten_mixer.sources.DEFAULT_GALLERY", tiny_gallery)
    w = ["--weights", str(tiny_weights)]
    two = tmp_path / "two.gif"
    assert main(["mix", "#12", "#30", "-o", str(two), *w]) == 0
    assert _frames(two) == 12
    loop = tmp_path / "loop.gif"
    assert main(["mix", str(photo), "#3", "#9", "-o", str(loop), "--frames", "6", *w]) == 0
    assert _frames(loop) == 3 * 5  # three legs of 6 frames sharing their ends: A->B->C->A
    four = tmp_path / "four.png"
    assert main(["mix", "#1", "#2", "#3", "#4", "-o", str(four), "--frames", "4", *w]) == 0
    capsys.readouterr()
    assert main(["mix", "#1", "-o", str(two), *w]) == 2
    assert "2 to 4 cats" in _last_line(capsys.readouterr().err)
    assert main(["mix", "#1", "#99", "-o", str(two), *w]) == 2
    assert "#1 to #32" in _last_line(capsys.readouterr().err)
    assert main(["mix", "#1", str(tmp_path / "nope.jpg"), "-o", str(two), *w]) == 2
    assert "no such file" in _last_line(capsys.readouterr().err)


def test_map_alone_and_with_a_path(opts, photo, tmp_path, capsys):
    plain, path = tmp_path / "map.png", tmp_path / "path.png"
    assert main(["map", "-o", str(plain), *opts]) == 0
    assert main(["map", "#2", str(photo), "-o", str(path), *opts]) == 0
    out = capsys.readouterr().out
    assert "with the path #2" in out
    assert Image.open(plain).size == Image.open(path).size and plain.read_bytes() != path.read_bytes()
    assert main(["map", "#2", "-o", str(path), *opts]) == 2
    assert "2 to 4" in _last_line(capsys.readouterr().err)


def test_kittens_are_seeded(opts, photo, tmp_path, capsys):
    a, b, c = (tmp_path / f"{x}.png" for x in "abc")
    assert main(["kittens", "#4", str(photo), "-o", str(a), "--seed", "7", *opts]) == 0
    assert "seed 7" in capsys.readouterr().out
    assert main(["kittens", "#4", str(photo), "-o", str(b), "--seed", "7", *opts]) == 0
    assert main(["kittens", "#4", str(photo), "-o", str(c), "--seed", "8", *opts]) == 0
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    assert main(["kittens", "#4", "#5", "-o", str(a), "-n", "3", *opts]) == 0
    assert "3 kittens" in capsys.readouterr().out
    assert main(["kittens", "#4", "#5", "-o", str(tmp_path / "l.gif"), *opts]) == 2
    assert "must end in .png" in _last_line(capsys.readouterr().err)


def test_blend_weights(opts, photo, tmp_path, capsys):
    """Issue 20: `--weights` is the model file here too; the blend's weights are `--shares`, read
    as the bots read them (bot/common/commands/gallery.py), with the bots' refusals."""
    out = tmp_path / "b.png"
    assert main(["blend", "#1", str(photo), "--shares", "70%", "30%", "-o", str(out), *opts]) == 0
    assert "#1 70% + " in capsys.readouterr().out
    img = Image.open(io.BytesIO(out.read_bytes()))
    assert img.size == (256, 256)
    assert main(["blend", "#1", "#2", "--shares", "70,5/29,5", "-o", str(out), *opts]) == 0
    assert "#1 70.5% + #2 29.5%" in capsys.readouterr().out
    assert main(["blend", "#1", "#2", "--shares", "70", "-o", str(out), *opts]) == 2
    assert "2 cats and 1 weights" in _last_line(capsys.readouterr().err)
    assert main(["blend", "#1", "#2", "--shares", "nan", "30", "-o", str(out), *opts]) == 2
    assert "“nan” isn't a weight" in _last_line(capsys.readouterr().err)
    assert main(["blend", "#1", "#2", "--shares", "0", "0", "-o", str(out), *opts]) == 2
    assert "can't all be zero" in _last_line(capsys.readouterr().err)


def test_build_gallery_command(tiny_weights, tmp_path, capsys):
    data = tmp_path / "faces"
    data.mkdir()
    for i, face in enumerate(synthetic_faces(60, seed=2)):
        (data / f"f{i}.png").write_bytes(encode_image(face, "PNG"))
    out = tmp_path / "g" / "mine.safetensors"
    assert main(["build-gallery", "--data", str(data), "--weights", str(tiny_weights), "--count", "16",
                 "-o", str(out)]) == 0
    assert "16 cats" in capsys.readouterr().out
    g = load_gallery(out)
    assert len(g) == 16 and out.with_suffix(".json").is_file()


def test_gallery_of_another_model_is_one_clear_line(tiny_weights, tmp_path, capsys):
    # the shipped gallery belongs to the shipped model, not to the tiny one
    assert main(["gallery", "-o", str(tmp_path / "c.png"), "--weights", str(tiny_weights)]) == 2
    assert "build-gallery" in _last_line(capsys.readouterr().err)
