"""`kitten-mixer` usage mistakes get one clear line, and the defaults are the engine's (issue 12)."""

from __future__ import annotations

import asyncio
import re

import pytest
from image_factory import encode_image, synthetic_faces
from PIL import Image

from kitten_mixer.cli import build_parser, main
from vae_core.engine import Engine, EngineSettings, MixOptions


@pytest.fixture
def two_photos(tmp_path):
    paths = []
    for i, face in enumerate(synthetic_faces(2, size=200, seed=11)):
        p = tmp_path / f"cat{i}.jpg"
        p.write_bytes(encode_image(face, "JPEG"))
        paths.append(p)
    return paths


def _engine_mix(weights, photos, options: MixOptions) -> bytes:
    eng = Engine(str(weights), EngineSettings(workers=1, middle_without_face=True))  # as the CLI does
    try:
        return asyncio.run(eng.mix([p.read_bytes() for p in photos], options)).data
    finally:
        eng.close()


def _one_clear_line(err: str) -> str:
    assert "Traceback" not in err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def test_mix_defaults_are_the_engines_slerp_and_12_frames(tiny_weights, two_photos, tmp_path, capsys):
    out = tmp_path / "mix.gif"
    assert main(["mix", *map(str, two_photos), "-o", str(out), "--weights", str(tiny_weights)]) == 0
    assert out.read_bytes() == _engine_mix(tiny_weights, two_photos, MixOptions())
    assert out.read_bytes() != _engine_mix(tiny_weights, two_photos, MixOptions(path="linear"))
    assert "12 frames" in capsys.readouterr().out and MixOptions().path == "slerp"


def test_output_that_is_a_folder_is_one_clear_line(tiny_weights, two_photos, tmp_path, capsys):
    folder = tmp_path / "results.gif"
    folder.mkdir()
    assert main(["mix", *map(str, two_photos), "-o", str(folder), "--weights", str(tiny_weights)]) == 2
    assert "is a folder" in _one_clear_line(capsys.readouterr().err)
    assert main(["random", "-o", str(tmp_path), "--weights", str(tiny_weights)]) == 2
    assert "must end in .png" in _one_clear_line(capsys.readouterr().err)
    png_folder = tmp_path / "cats.png"
    png_folder.mkdir()
    assert main(["random", "-o", str(png_folder), "--weights", str(tiny_weights)]) == 2
    assert "is a folder" in _one_clear_line(capsys.readouterr().err)


def test_unwritable_output_is_one_clear_line(tiny_weights, two_photos, tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    assert main(["random", "-o", str(blocker / "cats.png"), "--weights", str(tiny_weights)]) == 2
    assert "can't create the folder" in _one_clear_line(capsys.readouterr().err)
    assert main(["mix", *map(str, two_photos), "-o", str(blocker / "m.gif"), "--weights", str(tiny_weights)]) == 2
    assert "can't create the folder" in _one_clear_line(capsys.readouterr().err)


def test_photo_that_is_a_folder_is_one_clear_line(tiny_weights, two_photos, tmp_path, capsys):
    assert main(["mix", str(two_photos[0]), str(tmp_path), "-o", str(tmp_path / "m.gif"),
                 "--weights", str(tiny_weights)]) == 2
    assert "is a folder" in _one_clear_line(capsys.readouterr().err)


@pytest.mark.parametrize("seed", ["-1", str(2**63), "abc"])
def test_seed_out_of_range_is_refused_clearly(seed, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["random", "--seed", seed])
    assert stop.value.code == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert "argument --seed" in last and ("0 to 9223372036854775807" in last or "not a whole number" in last)


def test_frames_out_of_range_says_the_limit(capsys):
    with pytest.raises(SystemExit):
        main(["mix", "a.jpg", "b.jpg", "--frames", "33"])
    assert capsys.readouterr().err.splitlines()[-1].endswith("33 is more than 32 frames")


def test_random_without_seed_prints_one_that_draws_the_same_cats(tiny_weights, tmp_path, capsys):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    assert main(["random", "-n", "4", "-o", str(a), "--weights", str(tiny_weights)]) == 0
    seed = re.search(r"seed (\d+)", capsys.readouterr().out).group(1)
    assert main(["random", "-n", "4", "-o", str(b), "--seed", seed, "--weights", str(tiny_weights)]) == 0
    assert a.read_bytes() == b.read_bytes()


def test_extension_and_format_must_agree(tiny_weights, two_photos, tmp_path, capsys):
    args = [*map(str, two_photos), "--frames", "3", "--weights", str(tiny_weights)]
    assert main(["mix", *args, "-o", str(tmp_path / "m.png"), "--format", "gif"]) == 2
    assert "name it m.gif" in _one_clear_line(capsys.readouterr().err)
    assert main(["mix", *args, "-o", str(tmp_path / "m.jpg")]) == 2
    assert "must end in .gif" in _one_clear_line(capsys.readouterr().err)
    assert not list(tmp_path.glob("m.*"))
    assert main(["mix", *args, "-o", str(tmp_path / "m.png")]) == 0  # the format follows the extension
    assert Image.open(tmp_path / "m.png").format == "PNG"


def test_grid_without_o_writes_a_png_in_the_current_folder(tiny_weights, two_photos, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["mix", *map(str, two_photos), "--frames", "3", "--format", "grid",
                 "--weights", str(tiny_weights)]) == 0
    assert Image.open(tmp_path / "mix.png").format == "PNG"


@pytest.mark.parametrize("command", ["mix", "random"])
def test_help_gives_every_options_meaning_range_and_default(command):
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[command]
    text = sub.format_help()
    for action in sub._actions:
        assert action.help, f"{action.dest} has no help"
    if command == "mix":
        assert re.search(r"2-32\s+\(default: 12\)", text) and "(default: slerp)" in text
        assert "default: from the -o extension" in text
    else:
        assert "1-16 (default: 16)" in text and "0-9223372036854775807" in text


def test_every_option_of_every_command_says_what_it_is():
    parser = build_parser()
    assert all(a.help for a in parser._actions)
    sub = next(a for a in parser._actions if a.dest == "command")
    missing = {name: [a.dest for a in p._actions if not a.help] for name, p in sub.choices.items()}
    assert not {name: dests for name, dests in missing.items() if dests}
