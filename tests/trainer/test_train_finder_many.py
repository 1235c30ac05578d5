"""Several heatmap nets trained on one stream of canvases: each variant is written as a whole finder
file (the base file's verifier, kind net and rules kept), a fine-tune starts from the base net, and
the nets learn from canvases made by a worker process."""

from __future__ import annotations

import pytest
import torch
from test_train_finder import TINY, _sources

from trainer.train_finder import FinderTrainOptions, train_finder
from trainer.train_finder_many import ManyOptions, Variant, parse_variant, train_many
from vae_core.finder_net import NetFinder


@pytest.fixture(scope="module")
def base_file(tmp_path_factory):
    """A tiny trained finder (heatmap net alone) to fine-tune from."""
    run = tmp_path_factory.mktemp("base")
    path = train_finder(FinderTrainOptions(out=str(run), steps=40, eval_every=10_000, checkpoint_every=10_000),
                        TINY, _sources(24, 0), [], progress=False)
    return path


def test_variants_parse_from_the_command_line():
    v = parse_variant("slim:0.002:w=8-16-16-24-24:neck=16")
    assert (v.name, v.lr, v.widths, v.neck, v.init) == ("slim", 0.002, (8, 16, 16, 24, 24), 16, False)
    assert parse_variant("ft:0.0005:init").init
    with pytest.raises(ValueError):
        parse_variant("x:0.1:bogus")


def test_each_variant_is_a_whole_finder_file_and_a_fine_tune_starts_from_the_base(base_file, tmp_path):
    base = NetFinder.load(base_file)
    opts = ManyOptions(base=str(base_file), out=str(tmp_path / "many"), minutes=0, max_steps=30, batch_size=8,
                       workers=1, save_every=1000, device="cpu", warmup=5,
                       variants=[Variant("ft", 1e-3, TINY.widths, TINY.neck, init=True),
                                 Variant("thin", 2e-3, (8, 8, 16, 16, 24), 8)])
    paths = train_many(opts, sources=_sources(24, 1), progress=False)
    ft, thin = NetFinder.load(paths["ft"]), NetFinder.load(paths["thin"])
    assert thin.config.widths == (8, 8, 16, 16, 24) and thin.config.neck == 8
    for f in (ft, thin):  # the base file's rules travel with every variant
        assert f.threshold == base.threshold and f.config.input_side == base.config.input_side
    # the fine-tune moved away from the base net, but not far: it started from it
    b = {k: v for k, v in base.net.state_dict().items() if v.is_floating_point()}
    moved = [float((ft.net.state_dict()[k].float() - v.float()).norm() / (v.float().norm() + 1e-6))
             for k, v in b.items() if k.endswith("weight") and v.dim() == 4]
    assert 0 < max(moved) < 0.5
    history = (tmp_path / "many" / "history.csv").read_text().strip().splitlines()
    assert len(history) == 0  # under 50 steps: no averaged line yet
    assert (tmp_path / "many" / "options.json").is_file()


def test_the_shared_stream_teaches_every_variant(base_file, tmp_path):
    """Every variant's loss is averaged into the history, and the net from scratch learns from the
    shared batches."""
    opts = ManyOptions(base=str(base_file), out=str(tmp_path / "many"), minutes=0, max_steps=150, batch_size=8,
                       workers=1, save_every=1000, device="cpu", warmup=5,
                       variants=[Variant("ft", 1e-3, TINY.widths, TINY.neck, init=True),
                                 Variant("scratch", 3e-3, TINY.widths, TINY.neck)])
    torch.manual_seed(0)
    train_many(opts, sources=_sources(24, 2), progress=False)
    rows = [line.split(",") for line in (tmp_path / "many" / "history.csv").read_text().strip().splitlines()]
    assert len(rows) == 3  # one averaged line every 50 steps
    assert all(r[2].split()[0::2] == ["ft", "scratch"] for r in rows)
    scratch = [float(r[2].split()[3]) for r in rows]
    assert scratch[-1] < scratch[0]


def test_distillation_variants_parse_and_the_loss_measures_the_gap_to_the_teacher(base_file):
    from trainer.finder_data import CANVAS
    from trainer.train_finder import distil_loss, make_batch

    v = parse_variant("d:0.002:w=8-8-16-16-24:neck=8:distil=2.5:from=runs/x/d.safetensors")
    assert (v.distil, v.start) == (2.5, "runs/x/d.safetensors")
    teacher = NetFinder.load(base_file).net.eval()
    x, _ = make_batch(_sources(24, 3), 4)
    assert x.shape[-1] == CANVAS
    with torch.no_grad():
        taught = teacher(x)
    assert abs(float(distil_loss(taught, taught))) < 1e-4  # a perfect copy costs nothing
    student = type(teacher)(TINY).train()
    first = distil_loss(student(x), taught).item()
    assert first > 0.1
    opt = torch.optim.Adam(student.parameters(), lr=3e-3)
    for _ in range(40):  # its gradient leads a fresh net towards the teacher's answers
        loss = distil_loss(student(x), taught)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert distil_loss(student(x), taught).item() < 0.5 * first


def test_a_distilled_variant_trains_beside_the_others(base_file, tmp_path):
    opts = ManyOptions(base=str(base_file), out=str(tmp_path / "many"), minutes=0, max_steps=60, batch_size=8,
                       workers=1, save_every=1000, device="cpu", warmup=5,
                       variants=[Variant("plain", 3e-3, (8, 8, 16, 16, 24), 8),
                                 Variant("taught", 3e-3, (8, 8, 16, 16, 24), 8, distil=1.0)])
    torch.manual_seed(0)
    paths = train_many(opts, sources=_sources(24, 4), progress=False)
    row = (tmp_path / "many" / "history.csv").read_text().strip().splitlines()[0].split(",")
    names, losses = row[2].split()[0::2], [float(v) for v in row[2].split()[1::2]]
    assert names == ["plain", "taught"]
    assert losses[1] > losses[0]  # the same labels' loss, plus the gap to the teacher
    assert NetFinder.load(paths["taught"]).config.widths == (8, 8, 16, 16, 24)
