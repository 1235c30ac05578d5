"""Train several heatmap nets (FinderNet variants) at once, on one stream of generated canvases.

Why: making a training canvas (trainer/finder_data.py) costs about 6 ms of CPU, the nets themselves
next to nothing on a GPU, so on a lent GPU machine the canvases are the budget. Worker processes make
one stream of canvases and every variant (a fine-tune of the shipped net, nets from scratch, a slimmer
net) learns from the same batches: a comparison of variants costs no more canvases than one run.

The learning rate follows a cosine over the wall-clock budget (`--minutes`), so a run stopped by its
budget has finished its schedule. Each variant is written as a whole finder file (the heatmap net with
the verifier, kind net and rules of `--base`) every `--save-every` steps and at the end, so the result
is evaluated with `kitten-mixer evaluate-finder --weights FILE` as it is. Runs on the CPU too (tests,
and a look at the first steps before a GPU is asked for).

A variant with `distil` also learns the answers of a teacher (`--teacher`, by default `--base`'s heatmap
net) on every canvas: the way to a slimmer, faster net that keeps the shipped one's behaviour, where a
slim net trained on the labels alone lost accuracy (model card, issue 22 follow-ups 4 and 5). `from=`
continues an earlier run's variant.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from trainer.finder_data import CANVAS, Sources, encode_targets, load_sources, make_example
from trainer.train_finder import optimise
from vae_core.finder_net import MEAN, STD, STRIDE, FinderConfig, FinderNet, NetFinder


@dataclass
class Variant:
    """One net to train: its name (the output file's stem), shape, and where it starts from."""

    name: str
    lr: float = 2e-3
    widths: tuple[int, ...] = FinderConfig.widths
    neck: int = FinderConfig.neck
    init: bool = False  # start from `--base`'s heatmap net (a fine-tune) instead of from scratch
    # weight of the distillation loss towards the teacher's heatmap net (trainer.train_finder.distil_loss):
    # a slimmer, faster net learning the shipped net's answers on every canvas, not only the labels
    distil: float = 0.0
    start: str = ""  # a finder file whose heatmap net (of this shape) to start from, e.g. an earlier run's


@dataclass
class ManyOptions:
    data: str = "../shared/data"
    base: str = "weights/finder.safetensors"  # verifier, kind net and rules of every written file
    teacher: str = ""  # the finder file whose heatmap net distilled variants learn from ("": `base`)
    out: str = "runs/finder-many"
    variants: list[Variant] = field(default_factory=list)
    minutes: float = 7.0
    max_steps: int = 0  # 0: the budget alone ends the run
    batch_size: int = 64
    workers: int = 0
    seed: int = 0
    cat_free: float = 0.25
    max_tilt: float = 180.0
    warmup: int = 100
    save_every: int = 500
    device: str = "auto"


class Canvases(IterableDataset):
    """An endless stream of batches of (canvases, targets) as numpy arrays; each worker draws from its
    own seed. The batch is stacked with numpy and becomes tensors in the trainer (no torch in workers)."""

    def __init__(self, src: Sources, seed: int, cat_free: float, batch_size: int):
        self.src, self.seed, self.cat_free, self.batch_size = src, seed, cat_free, batch_size

    def __iter__(self):
        info = get_worker_info()
        wid = info.id if info is not None else 0
        cv2.setNumThreads(1)
        src = dataclasses.replace(self.src, rng=np.random.default_rng([self.seed, wid]))
        grid = (CANVAS // STRIDE, CANVAS // STRIDE)
        while True:
            imgs, targets = [], []
            for _ in range(self.batch_size):
                img, heads = make_example(src, cat_free=self.cat_free)
                imgs.append(img)
                targets.append(encode_targets(heads, grid, STRIDE))
            yield np.stack(imgs), {k: np.stack([t[k] for t in targets]) for k in targets[0]}


def _as_is(batch):
    """The DataLoader's collate step: the worker already made the batch (numpy, see `Canvases`)."""
    return batch


def _finder_file(net: FinderNet, base: NetFinder, path: Path) -> None:
    """`net` (a CPU copy in eval mode) with `base`'s verifier, kind net and rules, as one finder file."""
    cfg = dataclasses.replace(base.config, widths=net.config.widths, neck=net.config.neck)
    cpu = FinderNet(cfg)
    cpu.load_state_dict({k: v.detach().float().cpu() for k, v in net.state_dict().items()})
    NetFinder(cpu, base.verifier, base.kinds).save(path)


def train_many(opts: ManyOptions, sources: Sources | None = None, progress: bool = True) -> dict[str, Path]:
    device = torch.device("cuda" if opts.device == "auto" and torch.cuda.is_available()
                          else "cpu" if opts.device == "auto" else opts.device)
    torch.manual_seed(opts.seed)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    base = NetFinder.load(opts.base)
    src = sources or load_sources(opts.data, seed=opts.seed)
    src.max_tilt = opts.max_tilt
    teacher = None
    if any(v.distil > 0 for v in opts.variants):
        source = NetFinder.load(opts.teacher).net if opts.teacher else copy.deepcopy(base.net)
        teacher = source.to(device).to(memory_format=torch.channels_last).eval()
        for p in teacher.parameters():
            p.requires_grad_(False)
    nets, optims = {}, {}
    for v in opts.variants:
        net = FinderNet(dataclasses.replace(base.config, widths=tuple(v.widths), neck=v.neck))
        if v.init:
            net.load_state_dict(base.net.state_dict())
        elif v.start:
            net.load_state_dict(NetFinder.load(v.start).net.state_dict())
        nets[v.name] = net.to(device).to(memory_format=torch.channels_last).train()
        optims[v.name] = torch.optim.AdamW(net.parameters(), lr=v.lr, weight_decay=1e-4)
    (out / "options.json").write_text(json.dumps(dataclasses.asdict(opts), indent=1))
    loader = DataLoader(Canvases(src, opts.seed, opts.cat_free, opts.batch_size), batch_size=None,
                        collate_fn=_as_is, num_workers=opts.workers, persistent_workers=opts.workers > 0,
                        prefetch_factor=4 if opts.workers else None,
                        # not forked: a child forked after OpenCV or torch ran their thread pools can hang
                        # in its first call (seen in the tests, whose fixture trains first)
                        multiprocessing_context="forkserver" if opts.workers else None)
    budget = opts.minutes * 60
    start = time.time()
    paths = {v.name: out / f"{v.name}.safetensors" for v in opts.variants}

    def save(step: int) -> None:
        for v in opts.variants:
            nets[v.name].eval()
            _finder_file(nets[v.name], base, paths[v.name])
            nets[v.name].train()
        print(f"step {step}: saved {len(paths)} finder files ({time.time() - start:.0f} s)", flush=True)

    step, seen = 0, 0
    sums = {v.name: 0.0 for v in opts.variants}
    with open(out / "history.csv", "a") as history:
        for imgs, t in loader:
            elapsed = time.time() - start
            if (budget and elapsed > budget) or (opts.max_steps and step >= opts.max_steps):
                break
            frac = elapsed / budget if budget else step / max(1, opts.max_steps)
            x = torch.from_numpy(imgs).to(device).permute(0, 3, 1, 2).float()
            x = x.div_(255.0).sub_(MEAN).div_(STD).contiguous(memory_format=torch.channels_last)
            t = {k: torch.from_numpy(v).to(device) for k, v in t.items()}
            taught = None
            if teacher is not None:
                with torch.no_grad():
                    taught = teacher(x)
            for v in opts.variants:
                net, opt = nets[v.name], optims[v.name]
                warm = min(1.0, (step + 1) / opts.warmup)
                for g in opt.param_groups:
                    g["lr"] = v.lr * warm * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))
                loss, _ = optimise(net, opt, x, t, v.name, step, taught, v.distil)
                sums[v.name] += loss.item()
            step += 1
            seen += len(imgs)
            if step % 50 == 0:
                line = " ".join(f"{k} {s / 50:.3f}" for k, s in sums.items())
                history.write(f"{step},{time.time() - start:.1f},{line}\n")
                history.flush()
                if progress:
                    rate = seen / (time.time() - start)
                    print(f"step {step} ({time.time() - start:.0f}/{budget:.0f} s, {rate:.0f} canvases/s): {line}",
                          flush=True)
                sums = dict.fromkeys(sums, 0.0)
            if step % opts.save_every == 0:
                save(step)
    if step % opts.save_every:
        save(step)
    return paths


def parse_variant(text: str) -> Variant:
    """name:lr[:init][:w=16-32-64-128-192][:neck=64][:distil=1][:from=FILE], e.g. `ft:0.0005:init` or
    `slim:0.002:w=16-24-48-96-160:neck=48:distil=1` (`from`: start from that file's heatmap net)."""
    name, lr, *rest = text.split(":")
    v = Variant(name, float(lr))
    for r in rest:
        if r == "init":
            v.init = True
        elif r.startswith("w="):
            v.widths = tuple(int(w) for w in r[2:].split("-"))
        elif r.startswith("neck="):
            v.neck = int(r[5:])
        elif r.startswith("distil="):
            v.distil = float(r[7:])
        elif r.startswith("from="):
            v.start = r[5:]
        else:
            raise ValueError(f"unknown variant part {r!r}")
    return v


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--variant", action="append", type=parse_variant, required=True, help=parse_variant.__doc__)
    for f in dataclasses.fields(ManyOptions):
        if f.name != "variants":
            p.add_argument(f"--{f.name.replace('_', '-')}", type=type(f.default), default=f.default)
    a = vars(p.parse_args())
    variants = a.pop("variant")
    print(train_many(ManyOptions(variants=variants, **a)))


if __name__ == "__main__":
    main()
