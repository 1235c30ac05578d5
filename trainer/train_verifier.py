"""Train the finder's second stage (VerifierNet) on the heatmap net's own candidates.

The examples that matter are the heatmap's mistakes: paws, tail tips, spotted fur, a toy. So each
training canvas (trainer/finder_data.py, larger than the heatmap's so small heads keep their pixels)
is run through the trained heatmap net, and its peaks become the verifier's examples: a peak on a head
(IoU >= 0.45) is a positive whose box correction is learned, a peak away from every head (IoU < 0.2)
a negative. Jittered boxes around each head and random squares fill in the rest.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from trainer.finder_data import Head, Sources, load_sources, make_example
from vae_core.detection import Detection
from vae_core.facecrop import iou
from vae_core.finder_net import NetFinder, VerifierConfig, VerifierNet, crops_for

log = logging.getLogger(__name__)
POS_IOU, NEG_IOU = 0.45, 0.2


@dataclass
class VerifierTrainOptions:
    data: str = "../shared/data"
    finder: str = "runs/finder/finder.safetensors"  # the trained heatmap net whose candidates are checked
    out: str = "runs/verifier"
    steps: int = 3000
    minutes: float = 0.0
    canvases: int = 8  # per step
    canvas_side: int = 384
    lr: float = 2e-3
    seed: int = 0
    threads: int = 1
    checkpoint_every: int = 200
    init_from: str = ""  # a finder file whose verifier weights to start from (a warm restart)
    cat_free: float = 0.0  # share of canvases with no head (scene parts beside the heads): all negatives
    free_regions: int = 0  # per step: small cat-free squares of scene photos, seen as find() sees them
    max_tilt: float = 45.0  # largest head tilt in the made examples (degrees)


def _box(cx: float, cy: float, side: float) -> tuple[float, float, float, float]:
    return cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2


def _label(det: Detection, heads: list[Head]) -> tuple[float, tuple[float, float, float]] | None:
    """1 with the box correction towards the best-overlapping head, 0 for none, None in between."""
    best, best_iou = None, 0.0
    for h in heads:
        v = iou(det.box, _box(h.cx, h.cy, h.side))
        if v > best_iou:
            best, best_iou = h, v
    if best is not None and best_iou >= POS_IOU:
        cx, cy = det.center
        return 1.0, ((best.cx - cx) / det.side, (best.cy - cy) / det.side, math.log(best.side / det.side))
    if best_iou < NEG_IOU:
        return 0.0, (0.0, 0.0, 0.0)
    return None


def make_batch(src: Sources, finder: NetFinder, opts: VerifierTrainOptions, vc: VerifierConfig):
    rng = src.rng
    crops, labels, regs = [], [], []
    for _ in range(opts.canvases):
        img, heads = make_example(src, opts.canvas_side, opts.cat_free)
        pil = Image.fromarray(img)
        side = opts.canvas_side
        # the peaks of both looks find() takes: the 256 px pass and the zoomed one
        dets = finder.candidates(pil)[:6] + finder.candidates(pil, finder.config.zoom_side)[:4]
        for h in heads:
            for _ in range(2):
                s = h.side * math.exp(rng.normal(0, 0.18))
                dets.append(Detection(_box(h.cx + rng.normal(0, 0.1) * h.side, h.cy + rng.normal(0, 0.1) * h.side,
                                           s), 1.0))
        for _ in range(2):
            s = math.exp(rng.uniform(math.log(0.04), math.log(0.6))) * side
            dets.append(Detection(_box(rng.uniform(0, side), rng.uniform(0, side), s), 1.0))
        keep, lab = [], []
        for d in dets:
            r = _label(d, heads)
            if r is not None:
                keep.append(d)
                lab.append(r)
        if keep:
            crops.append(crops_for(pil, keep, vc))
            labels += [r[0] for r in lab]
            regs += [r[1] for r in lab]
    for _ in range(opts.free_regions):
        for look, dets in _free_region_looks(src, finder):
            crops.append(crops_for(look, dets, vc))
            labels += [0.0] * len(dets)
            regs += [(0.0, 0.0, 0.0)] * len(dets)
    return torch.cat(crops), torch.tensor(labels), torch.tensor(regs, dtype=torch.float32)


def _free_region_looks(src: Sources, finder: NetFinder) -> list[tuple[Image.Image, list[Detection]]]:
    """A square of a training scene clear of its heads (fur, paws, toys, people: the false finds that
    are left), and the heatmap's peaks on it in each look find() takes: as it is, zoomed, and framed
    on a border as small photos are. Every peak is a negative."""
    from trainer.evaluate_finder import free_regions

    sc = src.scenes[src.rng.integers(len(src.scenes))]
    img = Image.fromarray(sc.image)
    boxes = free_regions(img.size, sc.heads, src.rng, 1)
    if not boxes:
        return []
    region = img.crop(tuple(round(v) for v in boxes[0]))
    if src.rng.random() < 0.5:
        region = region.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    framed, _ = finder.framed(region)
    looks = [(region, finder.candidates(region)[:4]), (region, finder.candidates(region, finder.config.zoom_side)[:3]),
             (framed, finder.candidates(framed)[:4])]
    return [(im, [d for d in dets if d.score >= finder.config.verify_min]) for im, dets in looks
            if any(d.score >= finder.config.verify_min for d in dets)]


def train_verifier(opts: VerifierTrainOptions, sources: Sources | None = None, progress: bool = True) -> Path:
    torch.set_num_threads(max(1, opts.threads))
    torch.manual_seed(opts.seed)
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    finder = NetFinder.load(opts.finder)
    finder.verifier = None
    vc = VerifierConfig()
    net = VerifierNet(vc)
    if opts.init_from:
        net.load_state_dict(NetFinder.load(opts.init_from).verifier.state_dict())
    opt = torch.optim.AdamW(net.parameters(), lr=opts.lr, weight_decay=1e-4)
    state_path = out / "state.pt"
    step, elapsed = 0, 0.0
    if state_path.exists():
        st = torch.load(state_path, weights_only=False)
        net.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step, elapsed = st["step"], st["elapsed"]
    src = sources or load_sources(opts.data, seed=opts.seed + 1000 + step)
    src.max_tilt = opts.max_tilt
    start = time.time() - elapsed

    def save() -> None:
        torch.save({"model": net.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed": elapsed,
                    "options": asdict(opts)}, state_path.with_suffix(".tmp"))
        state_path.with_suffix(".tmp").replace(state_path)

    bar = tqdm(total=opts.steps, initial=step, desc="verifier", unit="step", disable=not progress)
    history = (out / "history.csv").open("a")
    try:
        while step < opts.steps and not (opts.minutes and time.time() - start > opts.minutes * 60):
            x, y, reg = make_batch(src, finder, opts, vc)
            if torch.rand(()) < 0.5:  # flips: the box correction's x flips with the picture
                x, reg = x.flip(3), reg * torch.tensor([-1.0, 1.0, 1.0])
            lr = opts.lr * 0.5 * (1 + math.cos(math.pi * step / opts.steps))
            for g in opt.param_groups:
                g["lr"] = lr
            net.train()
            o = net(x)
            cls = F.binary_cross_entropy_with_logits(o[:, 0], y)
            pos = y > 0.5
            box = F.smooth_l1_loss(o[pos, 1:], reg[pos], beta=0.05) if pos.any() else o.sum() * 0
            loss = cls + 2.0 * box
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            elapsed = time.time() - start
            acc = ((o[:, 0] > 0).float() == y).float().mean().item()
            bar.update(1)
            bar.set_postfix(cls=f"{cls.item():.3f}", box=f"{box.item():.3f}", acc=f"{acc:.3f}", pos=int(pos.sum()))
            history.write(f"{step},{elapsed:.1f},{cls.item():.4f},{box.item():.4f},{acc:.4f}\n")
            if step % opts.checkpoint_every == 0:
                save()
    except KeyboardInterrupt:
        save()
        raise
    finally:
        bar.close()
        history.close()
    save()
    finder.verifier = net.eval()
    path = out / "finder.safetensors"
    finder.save(path)
    return path


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description="train the cat-head finder's verifier stage")
    for k, v in asdict(VerifierTrainOptions()).items():
        p.add_argument(f"--{k.replace('_', '-')}", type=type(v), default=v)
    logging.basicConfig(level=logging.INFO)
    print(train_verifier(VerifierTrainOptions(**vars(p.parse_args()))))


if __name__ == "__main__":
    main()
