"""`train-finder` and `evaluate-finder` are wired to the trainer's and evaluator's own options; `crop` and
`mix` say a dog is a dog and take `--anyway` (issue 22)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from kitten_mixer.cli import build_parser, main
from trainer.train_finder import FinderTrainOptions


def test_train_finder_offers_every_trainer_option_with_its_default():
    a = build_parser().parse_args(["train-finder", "--steps", "5", "--minutes", "1.5", "--resume"])
    assert a.steps == 5 and a.minutes == 1.5 and a.resume is True
    defaults = FinderTrainOptions()
    for f in dataclasses.fields(FinderTrainOptions):
        if f.name not in ("steps", "minutes", "resume"):
            assert getattr(a, f.name) == getattr(defaults, f.name), f.name
    assert a.func.__name__ == "_run_train_finder"


def test_evaluate_finder_defaults_to_the_held_out_split_on_one_thread():
    a = build_parser().parse_args(["evaluate-finder", "--data", "scenes"])
    assert a.split == "test" and a.threads == 1 and a.json is None and not a.haar


# ---- issue 22: a dog photo is said to be a dog, and mixed only with --anyway ------------------------------
ROOT = Path(__file__).resolve().parents[2]
DOGS = ROOT.parent / "shared" / "data" / "dogs"
CAT = ROOT / "vae_core" / "demo_photos" / "pixabay_cat_000119.jpg"
DOG = "american_bulldog_100.jpg"  # a train-split dog the shipped finder answers "a dog" for


def _dog() -> Path:
    from vae_core.finder import load_finder
    from vae_core.finder_net import NetFinder

    finder = load_finder()
    if not isinstance(finder, NetFinder) or finder.kinds is None:
        pytest.skip("the shipped finder has no kind net")
    if not (DOGS / DOG).is_file():
        pytest.skip("../shared/data/dogs is not available on this machine")
    return DOGS / DOG


def test_crop_says_a_dog_is_a_dog(capsys):
    dog = _dog()
    assert main(["crop", str(dog), "--json"]) == 0
    out = capsys.readouterr()
    line = json.loads(out.out)
    assert line["dog"] is True and line["found"] is False and line["box"] is not None
    assert "looks like a dog" in out.err
    assert main(["crop", str(dog), "--json", "--anyway"]) == 0
    assert json.loads(capsys.readouterr().out)["found"] is True


def test_mix_refuses_a_dog_unless_anyway(tmp_path, capsys):
    dog = _dog()
    out = tmp_path / "mix.gif"
    assert main(["mix", str(CAT), str(dog), "-o", str(out), "--frames", "3"]) == 1
    err = capsys.readouterr().err
    assert f"{dog} looks like a dog" in err and "--anyway" in err and not out.exists()
    assert main(["mix", str(CAT), str(dog), "-o", str(out), "--frames", "3", "--anyway"]) == 0
    assert out.stat().st_size > 0 and "mixed anyway" in capsys.readouterr().err
