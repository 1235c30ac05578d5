import csv

import torch
from image_factory import synthetic_faces

from trainer.data import ImageSet
from trainer.train import STATE_FILE, TrainOptions, train
from vae_core.checkpoint import load_checkpoint


def _data(n=192):
    faces = torch.from_numpy(synthetic_faces(n, seed=3)).permute(0, 3, 1, 2).contiguous()
    digests = [f"{(i * 2654435761) % 2**32:08x}" for i in range(n)]
    return ImageSet(faces, [f"f{i}" for i in range(n)], digests)


def _history(out):
    with open(out / "history.csv") as f:
        return list(csv.DictReader(f))


def test_training_really_lowers_the_loss_and_writes_checkpoint_and_history(tmp_path):
    data = _data()
    out = tmp_path / "run"
    path = train(TrainOptions("tiny", "(mem)", str(out), epochs=4, batch_size=32, threads=1, progress=False), data)
    rows = _history(out)
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    assert float(rows[-1]["val_loss"]) < float(rows[0]["val_loss"])
    assert float(rows[-1]["train_loss"]) < float(rows[0]["train_loss"])
    loaded = load_checkpoint(path)
    assert loaded.info["epochs"] == 4 and loaded.info["preset"] == "tiny"
    assert (out / STATE_FILE).exists()


def test_resume_after_interrupt_continues_from_the_saved_position(tmp_path):
    data = _data()
    full = tmp_path / "full"
    train(TrainOptions("tiny", "(mem)", str(full), epochs=3, batch_size=32, threads=1, seed=5, progress=False), data)
    split = tmp_path / "split"
    # stop in the middle of epoch 2 (steps_per_epoch = ceil(train/32)), as Ctrl-C would
    steps = -(-len(data.split("train")) // 32)
    train(TrainOptions("tiny", "(mem)", str(split), epochs=3, batch_size=32, threads=1, seed=5, progress=False,
                       max_steps=steps + 2), data)
    state = torch.load(split / STATE_FILE, weights_only=True)
    assert (state["epoch"], state["step_in_epoch"]) == (1, 2)
    train(TrainOptions("tiny", "(mem)", str(split), epochs=3, batch_size=32, threads=1, seed=5, progress=False,
                       resume=True), data)
    a, b = _history(full), _history(split)
    assert [r["epoch"] for r in b] == ["1", "2", "3"]
    # same seed, same thread count: the resumed run matches the uninterrupted one
    for ra, rb in zip(a, b):
        assert abs(float(ra["val_loss"]) - float(rb["val_loss"])) < 1e-3 * abs(float(ra["val_loss"]))
    wa = load_checkpoint(full / "model.safetensors").model.state_dict()
    wb = load_checkpoint(split / "model.safetensors").model.state_dict()
    assert all(torch.allclose(wa[k], wb[k], atol=1e-5) for k in wa)


def test_a_diverging_run_stops_with_a_clear_error_and_keeps_its_checkpoint(tmp_path):
    import pytest

    data = _data(96)
    out = tmp_path / "run"
    train(TrainOptions("tiny", "(mem)", str(out), epochs=1, batch_size=32, threads=1, progress=False), data)
    with pytest.raises(FloatingPointError, match="Try a lower --lr"):
        train(TrainOptions("tiny", "(mem)", str(out), epochs=30, batch_size=32, threads=1, progress=False,
                           lr=1e12, resume=True), data)
    assert load_checkpoint(out / "model.safetensors").info["epochs"] >= 1


def test_warm_restart_starts_from_the_given_weights_and_counts_all_epochs(tmp_path):
    data = _data(128)
    first = train(TrainOptions("tiny", "(mem)", str(tmp_path / "a"), epochs=3, batch_size=32, threads=1,
                               progress=False), data)
    fresh = train(TrainOptions("tiny", "(mem)", str(tmp_path / "b"), epochs=1, batch_size=32, threads=1,
                               progress=False), data)
    warm = train(TrainOptions("tiny", "(mem)", str(tmp_path / "c"), epochs=1, batch_size=32, threads=1,
                              progress=False, init_from=str(first)), data)
    assert load_checkpoint(warm).info["epochs"] == 4
    assert float(_history(tmp_path / "c")[0]["val_loss"]) < float(_history(tmp_path / "b")[0]["val_loss"])
    assert fresh.exists()
