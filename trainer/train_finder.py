"""Train the cat-head finder (vae_core/finder_net.py) on the CPU, resumably.

Examples are generated on the fly (trainer/finder_data.py), so there are no epochs: a run is a number
of steps or a wall-clock budget, whichever ends first. State is saved every `checkpoint_every` steps and
on Ctrl-C; `resume=True` continues from it. Progress shows the loss and, every `eval_every` steps, the
held-out scenes' recall (centre rule and IoU >= 0.5), so a run can be judged while it goes.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from trainer.finder_data import CANVAS, Sources, encode_targets, load_scenes, load_sources, make_example
from vae_core.detection import Detection
from vae_core.finder_net import MEAN, STD, STRIDE, FinderConfig, FinderNet, NetFinder

log = logging.getLogger(__name__)


@dataclass
class FinderTrainOptions:
    data: str = "../shared/data"  # holds scenes/, cats64.zip, afhq192.zip
    out: str = "runs/finder"
    steps: int = 6000
    minutes: float = 0.0  # stop after this wall-clock budget (0: no limit)
    batch_size: int = 24
    lr: float = 2e-3
    seed: int = 0
    threads: int = 1
    checkpoint_every: int = 100
    eval_every: int = 500
    resume: bool = False
    init_from: str = ""  # a finder file whose heatmap net to start from (a fine-tune at a lower lr)
    warmup: int = 200
    cat_free: float = 0.0  # share of canvases with no head: scene parts beside the heads
    max_tilt: float = 45.0  # largest head tilt in the made examples (degrees; issue 22 used 90)


def focal_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss: cells near a centre are only mildly negative."""
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    pos_loss = -torch.log(p) * (1 - p) ** 2 * pos
    neg_loss = -torch.log(1 - p) * p**2 * (1 - target) ** 4 * (1 - pos)
    return (pos_loss.sum() + neg_loss.sum()) / pos.sum().clamp(min=1)


def distil_loss(out: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """How far a student's six maps are from a teacher's on the same canvases. The heatmap: the
    cross-entropy towards the teacher's probabilities (the teacher's own entropy taken off, so a
    perfect copy scores 0), summed over each canvas's cells like the focal loss's negatives. The
    offset, size and roll: L1, weighted by the teacher's heat, so they are copied where the teacher
    sees a head and left free elsewhere (its maps there mean nothing)."""
    p = torch.sigmoid(teacher[:, 0])
    ce = F.binary_cross_entropy_with_logits(out[:, 0], p, reduction="none")
    ce = ce - F.binary_cross_entropy_with_logits(teacher[:, 0], p, reduction="none")
    heat = ce.sum() / len(out)
    reg = (F.l1_loss(out[:, 1:6], teacher[:, 1:6], reduction="none").sum(1) * p).sum() / p.sum().clamp(min=1)
    return heat + reg


def batch_loss(net: FinderNet, x: torch.Tensor, t: dict[str, torch.Tensor], teacher: torch.Tensor | None = None,
               distil: float = 0.0) -> tuple[torch.Tensor, dict]:
    """The labels' loss, plus `distil` times `distil_loss` towards `teacher` (another net's output on
    `x`) when given: a smaller net learns the shipped one's answers, not only the labels."""
    out = net(x)
    heat = focal_loss(out[:, 0], t["heat"])
    m = t["reg_mask"]
    n = m.sum().clamp(min=1)
    off = (F.l1_loss(out[:, 1:3], t["reg"][:, 0:2], reduction="none").sum(1) * m).sum() / n
    size = (F.smooth_l1_loss(out[:, 3], t["reg"][:, 2], reduction="none", beta=0.1) * m).sum() / n
    am = t["ang_mask"]
    ang = (F.l1_loss(out[:, 4:6], t["reg"][:, 3:5], reduction="none").sum(1) * am).sum() / am.sum().clamp(min=1)
    total = heat + off + 2.0 * size + 0.5 * ang
    parts = {"heat": heat.item(), "off": off.item(), "size": size.item(), "ang": ang.item()}
    if teacher is not None and distil > 0:
        d = distil_loss(out, teacher)
        total = total + distil * d
        parts["distil"] = d.item()
    return total, parts


def optimise(net: FinderNet, opt: torch.optim.Optimizer, x: torch.Tensor, t: dict[str, torch.Tensor],
             what: str, step: int, teacher: torch.Tensor | None = None,
             distil: float = 0.0) -> tuple[torch.Tensor, dict]:
    """One clipped optimiser step on one batch. A non-finite loss stops the run: a step taken on it
    would write NaNs into every weight and the next checkpoint."""
    loss, parts = batch_loss(net, x, t, teacher, distil)
    if not torch.isfinite(loss):
        raise FloatingPointError(f"{what} loss is {loss.item()} at step {step}")
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
    opt.step()
    return loss, parts


def make_batch(src: Sources, n: int, cat_free: float = 0.0) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    imgs, targets = [], []
    for _ in range(n):
        img, heads = make_example(src, cat_free=cat_free)
        imgs.append(img)
        targets.append(encode_targets(heads, (CANVAS // STRIDE, CANVAS // STRIDE), STRIDE))
    x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float().div_(255.0).sub_(MEAN).div_(STD)
    t = {k: torch.from_numpy(np.stack([tt[k] for tt in targets])) for k in targets[0]}
    return x, t


# ---- quick held-out check (the full evaluation is trainer/evaluate_finder.py) --------------------------
def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def centre_hit(det: Detection, truth: tuple[float, ...]) -> bool:
    cx, cy = det.center
    side = truth[2] - truth[0]
    return truth[0] <= cx <= truth[2] and truth[1] <= cy <= truth[3] and 0.5 * side <= det.side <= 2 * side


def quick_eval(finder: NetFinder, scenes: list) -> dict[str, float]:
    centre = good_iou = n = 0
    for _, sc in scenes:
        img = Image.fromarray(sc.image)
        dets = [d for d in finder.find(img) if d.score >= finder.threshold]
        if not dets:
            n += 1
            continue
        best = dets[0]
        truths = sc.heads
        n += 1
        centre += any(centre_hit(best, t) for t in truths)
        good_iou += any(iou(best.box, t) >= 0.5 for t in truths)
    return {"centre": centre / max(n, 1), "iou50": good_iou / max(n, 1)}


def train_finder(opts: FinderTrainOptions, config: FinderConfig | None = None, sources: Sources | None = None,
                 held_out: list | None = None, progress: bool = True) -> Path:
    """Train (or resume) and write `out/finder.safetensors`. `config`, `sources` and `held_out` let tests
    train a tiny net on generated scenes instead of the shared data."""
    torch.set_num_threads(max(1, opts.threads))
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    state_path = out / "state.pt"
    torch.manual_seed(opts.seed)
    net = FinderNet(config or FinderConfig())
    opt = torch.optim.AdamW(net.parameters(), lr=opts.lr, weight_decay=1e-4)
    step, elapsed = 0, 0.0
    if opts.init_from:
        net.load_state_dict(NetFinder.load(opts.init_from).net.state_dict())
    if opts.resume and state_path.exists():
        st = torch.load(state_path, weights_only=False)
        net.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step, elapsed = st["step"], st["elapsed"]
        log.info("resuming at step %d (%.0f s trained)", step, elapsed)
    src = sources or load_sources(opts.data, seed=opts.seed + step)
    src.max_tilt = opts.max_tilt
    if held_out is None:
        held_out = load_scenes(Path(opts.data) / "scenes", "test")[:60]
    (out / "options.json").write_text(json.dumps(asdict(opts), indent=1))

    def lr_at(s: int) -> float:
        warm = opts.warmup
        if s < warm:
            return opts.lr * (s + 1) / warm
        return opts.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, (s - warm) / max(1, opts.steps - warm))))

    def save() -> None:
        tmp = state_path.with_suffix(".tmp")
        torch.save({"model": net.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed": elapsed}, tmp)
        tmp.replace(state_path)

    start = time.time() - elapsed
    bar = tqdm(total=opts.steps, initial=step, desc="finder", unit="step", disable=not progress)
    with open(out / "history.csv", "a") as history:
        try:
            while step < opts.steps and not (opts.minutes and time.time() - start > opts.minutes * 60):
                net.train()
                x, t = make_batch(src, opts.batch_size, opts.cat_free)
                for g in opt.param_groups:
                    g["lr"] = lr_at(step)
                loss, parts = optimise(net, opt, x, t, "finder", step)
                step += 1
                elapsed = time.time() - start
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}", **{k: f"{v:.3f}" for k, v in parts.items()})
                history.write(f"{step},{elapsed:.1f},{loss.item():.4f},{parts['heat']:.4f},{parts['size']:.4f}\n")
                if step % opts.checkpoint_every == 0:
                    save()
                if step % opts.eval_every == 0:
                    q = quick_eval(NetFinder(net), held_out)
                    net.train()
                    tqdm.write(f"step {step}: held-out scenes centre {q['centre']:.3f} iou50 {q['iou50']:.3f}")
                    NetFinder(net).save(out / "finder.safetensors")
        except KeyboardInterrupt:
            save()
            raise
        finally:
            bar.close()
    save()
    path = out / "finder.safetensors"
    NetFinder(net).save(path)
    return path


def main() -> None:
    import argparse

    p = argparse.ArgumentParser()
    for k, v in asdict(FinderTrainOptions()).items():
        if isinstance(v, bool):
            p.add_argument(f"--{k.replace('_', '-')}", action="store_true")
        else:
            p.add_argument(f"--{k.replace('_', '-')}", type=type(v), default=v)
    logging.basicConfig(level=logging.INFO)
    print(train_finder(FinderTrainOptions(**vars(p.parse_args()))))


if __name__ == "__main__":
    main()
