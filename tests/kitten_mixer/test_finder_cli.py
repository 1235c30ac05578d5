"""`train-finder` and `evaluate-finder` are wired to the trainer's and evaluator's own options."""

from __future__ import annotations

import dataclasses

from kitten_mixer.cli import build_parser
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
