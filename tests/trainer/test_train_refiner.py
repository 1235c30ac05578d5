"""Training the drawing stage: a smoke run on generated faces, resumed once from its checkpoint."""

import csv

import pytest
import torch
from image_factory import synthetic_faces

from trainer.data import ImageSet
from trainer.train_refiner import LOG_FILE, MODEL_FILE, STATE_FILE, RefinerTrainOptions, held_out, train_refiner
from vae_core.checkpoint import load_refiner

TINY = {"width": 8, "blocks": 1, "fine": 4}


def _faces(n: int = 24, held: bool = False) -> ImageSet:
    faces = torch.from_numpy(synthetic_faces(n, size=192, seed=4)).permute(0, 3, 1, 2).contiguous()
    digests, k = [], 0
    while len(digests) < n:  # digests on the chosen side of the evaluation bucket
        d = f"{(k * 2654435761) % 2**32:08x}{(k * 40503) % 2**32:08x}"
        if held_out(d) == held:
            digests.append(d)
        k += 1
    return ImageSet(faces, [f"f{i}" for i in range(n)], digests)


def _opts(out, tiny_weights, steps):
    return RefinerTrainOptions(data="(mem)", out=str(out), vae=str(tiny_weights), steps=steps, batch_size=4,
                               window=48, config=TINY, log_every=2, sample_every=3, resume=True, progress=False)


def _log(out):
    with open(out / LOG_FILE) as f:
        return list(csv.DictReader(f))


def test_a_run_trains_saves_and_resumes_where_it_stopped(tmp_path, tiny_weights):
    data = _faces()
    out = tmp_path / "run"
    path = train_refiner(_opts(out, tiny_weights, 4), data)
    first, info = load_refiner(path)
    assert info["steps"] == 4 and info["train_faces"] == 24
    assert torch.load(out / STATE_FILE, weights_only=True)["step"] == 4
    assert [int(r["step"]) for r in _log(out)] == [2, 4]
    assert (out / "samples.png").is_file()
    untouched = torch.zeros(())
    for p in first.out.parameters():  # the zero-initialised output layer has learned something
        untouched += p.abs().sum()
    assert untouched > 0

    path = train_refiner(_opts(out, tiny_weights, 8), data)  # resumed: 4 more steps, not 8
    second, info = load_refiner(path)
    assert info["steps"] == 8 and (out / MODEL_FILE) == path
    assert [int(r["step"]) for r in _log(out)] == [2, 4, 6, 8]
    assert any(not torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))
    x = torch.rand(1, 3, 64, 64)
    assert second(x).shape == (1, 3, 192, 192)

    resumed = _opts(out, tiny_weights, 10)
    resumed.config = None  # as `kitten-mixer train-refiner --resume` does: the saved net's own shape
    third, info = load_refiner(train_refiner(resumed, data))
    assert info["steps"] == 10 and third.config == second.config


def test_faces_in_the_evaluation_bucket_never_train(tmp_path, tiny_weights):
    with pytest.raises(ValueError, match="evaluation bucket"):
        train_refiner(_opts(tmp_path / "r", tiny_weights, 2), _faces(8, held=True))
