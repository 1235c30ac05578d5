"""The `kitten-mixer` command end to end, as a person runs it: real files in, real files out."""

import subprocess
import sys

import imageio.v3 as iio
import numpy as np
import pytest
from image_factory import encode_image, synthetic_faces
from PIL import Image

from kitten_mixer.cli import main


@pytest.fixture
def two_photos(tmp_path):
    paths = []
    for i, face in enumerate(synthetic_faces(2, size=200, seed=11)):
        p = tmp_path / f"cat{i}.jpg"
        p.write_bytes(encode_image(face, "JPEG"))
        paths.append(str(p))
    return paths


def test_mix_writes_a_gif_with_the_asked_frames(tiny_weights, two_photos, tmp_path, capsys):
    out = tmp_path / "mix.gif"
    assert main(["mix", *two_photos, "-o", str(out), "--frames", "7", "--weights", str(tiny_weights)]) == 0
    frames = iio.imread(out, index=None)
    assert frames.shape[0] == 7 and frames.shape[1:3] == (256, 256)
    assert "wrote" in capsys.readouterr().out


def test_mix_grid_format_writes_a_png(tiny_weights, two_photos, tmp_path):
    out = tmp_path / "mix.png"
    assert main(["mix", *two_photos, "-o", str(out), "--frames", "4", "--format", "grid",
                 "--weights", str(tiny_weights)]) == 0
    img = Image.open(out)
    assert img.format == "PNG" and img.size == (4 * 128 + 3 * 4, 128)


def test_mix_size_384_writes_larger_frames_and_other_sizes_are_refused(tiny_weights, two_photos, tmp_path):
    out = tmp_path / "big.gif"
    assert main(["mix", *two_photos, "-o", str(out), "--frames", "3", "--size", "384",
                 "--weights", str(tiny_weights)]) == 0
    assert iio.imread(out, index=None).shape[1:3] == (384, 384)
    with pytest.raises(SystemExit):
        main(["mix", *two_photos, "-o", str(out), "--size", "300", "--weights", str(tiny_weights)])


def test_random_writes_a_png_grid_and_the_seed_repeats(tiny_weights, tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    for p in (a, b):
        assert main(["random", "-n", "9", "-o", str(p), "--seed", "3", "--weights", str(tiny_weights)]) == 0
    img = np.asarray(Image.open(a))
    assert img.shape == (3 * 128 + 2 * 4, 3 * 128 + 2 * 4, 3)
    assert a.read_bytes() == b.read_bytes()


def test_bad_input_is_a_clear_error_not_a_traceback(tiny_weights, two_photos, tmp_path, capsys):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a cat")
    assert main(["mix", two_photos[0], str(junk), "-o", str(tmp_path / "x.gif"), "--weights", str(tiny_weights)]) == 2
    assert "isn't an image" in capsys.readouterr().err
    assert main(["random", "--weights", str(tmp_path / "missing.safetensors")]) == 2
    assert "checkpoint not found" in capsys.readouterr().err


def test_console_script_entry_point_runs(tiny_weights, tmp_path):
    out = tmp_path / "r.png"
    r = subprocess.run([sys.executable, "-m", "kitten_mixer", "random", "-n", "2", "-o", str(out),
                        "--weights", str(tiny_weights)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert Image.open(out).format == "PNG"


def test_demo_without_tokens_writes_gif_and_grid(tiny_weights, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("DISCORD_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    assert main(["demo", "--out", str(tmp_path / "out"), "--weights", str(tiny_weights)]) == 0
    printed = capsys.readouterr().out
    assert "offline demo" in printed
    assert len(iio.imread(tmp_path / "out" / "mix.gif", index=None)) == 22  # 12 frames, boomerang
    assert Image.open(tmp_path / "out" / "mix-grid.png").format == "PNG"
    assert str(tmp_path / "out" / "mix.gif") in printed


def test_train_command_writes_checkpoint_and_history_with_progress(tmp_path, capsys):
    data = tmp_path / "cats"
    data.mkdir()
    for i, face in enumerate(synthetic_faces(40, size=72, seed=2)):
        (data / f"{i}.png").write_bytes(encode_image(face))
    out = tmp_path / "run"
    assert main(["train", "--preset", "tiny", "--data", str(data), "--epochs", "2", "--out", str(out),
                 "--batch-size", "8", "--threads", "1"]) == 0
    assert (out / "model.safetensors").exists() and (out / "state.pt").exists()
    assert len((out / "history.csv").read_text().splitlines()) == 3
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "batch" in err  # the tqdm progress bar
