"""Train the finder's third look (KindNet: a cat's head, a dog's head, or not a head) on the shipped
finder's own verified candidates, resumably, on one CPU thread.

Examples (`collect`, cached in OUT/crops.npz):
- cat: candidates on the train scenes that overlap a labelled head (IoU >= 0.45), jittered labelled
  heads, and face crops from cats64 (Kaggle, fferlito) and afhq192 as close-ups;
- dog: the verified candidates scoring at least DOG_MIN_SCORE on the train dog photos (they have no
  boxes: what the cat finder takes for a head on a dog photo is the dog's head, or a part of the dog),
  and jittered copies of the best one;
- none: candidates on the train scenes away from every head, candidates that are a part of a labelled
  head (centre inside it, under 0.6 of its side: an eye, a muzzle, an ear), and every candidate on the
  train scenes' cat-free strips (finder_sets.widest_strip and the other strips).
Each crop is stored at 80 px for 2.0x the head, so training can jitter the box (scale, shift), rotate
and flip before cutting the 64 px, 1.6x crop the net sees.
"""

from __future__ import annotations

import io
import logging
import math
import time
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from trainer.finder_sets import dog_files, heads_of, load_scene_items, widest_strip
from vae_core.detection import CROP_PER_HEAD, Detection
from vae_core.facecrop import iou
from vae_core.finder_net import KINDS, MEAN, STD, KindConfig, KindNet, NetFinder, VerifierConfig, crops_for
from vae_core.intake import IntakeLimits, decode_image

log = logging.getLogger(__name__)
STORE, STORE_CONTEXT = 80, 2.0
DOG_MIN_SCORE = 0.2
CAT, DOG, NONE = (KINDS.index(k) for k in KINDS)


@dataclass
class KindTrainOptions:
    data: str = "../shared/data"
    finder: str = "weights/finder.safetensors"  # whose candidates are judged; the output adds KindNet to it
    out: str = "runs/kinds"
    steps: int = 3000
    minutes: float = 0.0
    batch_size: int = 96
    lr: float = 2e-3
    seed: int = 0
    threads: int = 1
    checkpoint_every: int = 200
    faces: int = 1500  # cats64 + afhq192 close-ups among the cat examples
    widths: str = "16,32,48,64"  # KindNet's channels per stage
    cat_weight: float = 1.0  # loss weight of the cat examples (a cat called a dog costs a user more)
    head_jitters: int = 3  # jittered copies of each labelled train-scene head (cat examples)
    turn_share: float = 0.2  # share of crops turned by any angle (the rest by a few degrees)
    turn_max: float = 90.0  # degrees, either way
    grey_share: float = 0.08  # share of crops made grey (a grey cat must not look like "not a cat")
    pale_share: float = 0.0  # share washed out towards white (white cats vs the white bulldogs)
    init: str = ""  # a finder file whose kind net the training starts from (a fine-tune); "" = from scratch


@torch.inference_mode()
def all_heads(finder: NetFinder, img: Image.Image) -> list[Detection]:
    """The verified candidates of every look find() may take (plain, zoomed, framed), unfiltered."""
    c = finder.config
    out = finder._verified(img, finder.candidates(img), 0.0)
    out += finder._verified(img, finder.candidates(img, c.zoom_side), 0.0)
    framed, b = finder.framed(img)
    out += [Detection((d.box[0] - b, d.box[1] - b, d.box[2] - b, d.box[3] - b), d.score, d.angle)
            for d in finder._verified(framed, finder.candidates(framed), 0.0)]
    return out


def store_crops(img: Image.Image, dets: list[Detection]) -> np.ndarray:
    """N x STORE x STORE x 3 uint8 crops of STORE_CONTEXT x each head (grey past the photo's edges)."""
    if not dets:
        return np.zeros((0, STORE, STORE, 3), np.uint8)
    x = crops_for(img, dets, VerifierConfig(crop=STORE, context=STORE_CONTEXT))
    x = x.permute(0, 2, 3, 1) * (255.0 * STD) + 255.0 * MEAN
    return x.round().clamp(0, 255).to(torch.uint8).numpy()


def _box(cx: float, cy: float, side: float) -> tuple[float, float, float, float]:
    return cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2


def _jitter(box, rng: np.random.Generator, n: int, shift: float = 0.08, scale: float = 0.12) -> list[Detection]:
    cx, cy, s = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, max(box[2] - box[0], box[3] - box[1])
    return [Detection(_box(cx + rng.normal(0, shift) * s, cy + rng.normal(0, shift) * s,
                           s * math.exp(rng.normal(0, scale))), 1.0) for _ in range(n)]


def label_scene(d: Detection, heads: list) -> int | None:
    best = max((iou(d.box, h) for h in heads), default=0.0)
    if best >= 0.45:
        return CAT
    cx, cy = d.center
    for h in heads:
        if h[0] <= cx <= h[2] and h[1] <= cy <= h[3]:
            return NONE if d.side < 0.6 * (h[2] - h[0]) else None  # a part of the head, or a loose box
    return NONE if best < 0.2 else None


def _decoded(path: Path) -> tuple[Image.Image, float]:
    img, facts = decode_image(path.read_bytes(), IntakeLimits())
    return img, max(img.size) / max(facts["source_size"])


def collect(opts: KindTrainOptions, progress: bool = True) -> dict[str, np.ndarray]:
    from tqdm import tqdm

    rng = np.random.default_rng(opts.seed)
    finder = NetFinder.load(opts.finder)
    finder.kinds = None
    root = Path(opts.data)
    crops, labels, origin = [], [], []

    def add(img, dets, lab, where):
        if dets:
            crops.append(store_crops(img, dets))
            labels.extend([lab] * len(dets))
            origin.extend([where] * len(dets))

    for it in tqdm(load_scene_items(root / "scenes", "train"), desc="scenes", disable=not progress):
        img, k = _decoded(root / "scenes" / "photos" / it["file"])
        heads = [tuple(v * k for v in b) for b in heads_of(it)]
        by_label: dict[int, list[Detection]] = {CAT: [], NONE: []}
        for d in all_heads(finder, img):
            lab = label_scene(d, heads)
            if lab is not None:
                by_label[lab].append(d)
        for h in heads:
            by_label[CAT] += _jitter(h, rng, opts.head_jitters, scale=0.12 if opts.head_jitters <= 3 else 0.2)
        add(img, by_label[CAT], CAT, "scene")
        add(img, by_label[NONE], NONE, "scene")
        # cat-free strips at the photo's resolution: every candidate is a false find
        full = Image.open(root / "scenes" / "photos" / it["file"]).convert("RGB")
        w, h = full.size
        hb = heads_of(it)
        x0, y0 = max(0, min(b[0] for b in hb)), max(0, min(b[1] for b in hb))
        x1, y1 = min(w, max(b[2] for b in hb)), min(h, max(b[3] for b in hb))
        strips = [(0, 0, int(x0), h), (int(x1) + 1, 0, w, h), (0, 0, w, int(y0)), (0, int(y1) + 1, w, h)]
        wide = widest_strip(full.size, hb)
        for s in strips:
            if min(s[2] - s[0], s[3] - s[1]) < 48:
                continue
            strip, _ = decode_image(_jpeg(full.crop(s)), IntakeLimits())
            dets = [d for d in all_heads(finder, strip) if d.score >= 0.1]
            add(strip, dets, NONE, "strip" if s == wide else "strip-other")
    for path in tqdm(dog_files(root / "dogs", "train"), desc="dogs", disable=not progress):
        img, _ = _decoded(path)
        dets = sorted([d for d in all_heads(finder, img) if d.score >= DOG_MIN_SCORE], key=lambda d: -d.score)
        if dets:
            add(img, dets + _jitter(dets[0].box, rng, 6), DOG, "dog")
    add_faces(root, opts.faces, rng, add)
    return {"crops": np.concatenate(crops), "labels": np.array(labels, np.int64), "origin": np.array(origin)}


def add_faces(root: Path, n: int, rng: np.random.Generator, add) -> None:
    """Close-ups: face crops (the cats64 framing) as photos of their own, the head box derived from it."""
    for zip_name, size, skip in (("cats64.zip", 64, ("afhq_",)), ("afhq192.zip", 192, ())):
        with zipfile.ZipFile(root / zip_name) as z:
            names = [m for m in z.namelist() if m.lower().endswith((".jpg", ".png"))
                     and not m.rsplit("/", 1)[-1].startswith(skip)]
            for m in rng.choice(names, size=min(n // 2, len(names)), replace=False):
                img = Image.open(io.BytesIO(z.read(m))).convert("RGB")
                head = size / CROP_PER_HEAD
                c = size / 2
                add(img, [Detection(_box(c, c - 0.1 * head, head), 1.0)], CAT, "face")


def _jpeg(img: Image.Image, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def augment(stored: np.ndarray, rng: np.random.Generator, kc: KindConfig, turn_share: float = 0.2,
            turn_max: float = 90.0, grey_share: float = 0.08, pale_share: float = 0.0) -> torch.Tensor:
    """Stored 80 px crops -> jittered, rotated, flipped, recoloured kc.crop px crops of kc.context.

    Every kind gets the same recolouring, so colour alone cannot tell them apart: the train dogs are
    white and brindle bulldogs, and a kind net that learned "white face = dog" rejects white cats."""
    out = np.empty((len(stored), kc.crop, kc.crop, 3), np.uint8)
    base = STORE * kc.context / STORE_CONTEXT  # the head's 1.6x square in stored pixels
    for i, a in enumerate(stored):
        side = base * math.exp(rng.normal(0, 0.08))
        cx = STORE / 2 + rng.normal(0, 0.05) * side
        cy = STORE / 2 + rng.normal(0, 0.05) * side
        ang = rng.normal(0, 12) if rng.random() >= turn_share else rng.uniform(-turn_max, turn_max)
        m = cv2.getRotationMatrix2D((cx, cy), ang, kc.crop / side)
        m[0, 2] += kc.crop / 2 - cx
        m[1, 2] += kc.crop / 2 - cy
        grey = int(round(255 * MEAN))
        img = cv2.warpAffine(a, m, (kc.crop, kc.crop), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                             borderValue=(grey, grey, grey))
        if rng.random() < 0.5:
            img = img[:, ::-1]
        x = img.astype(np.float32) * rng.uniform(0.7, 1.3) + rng.uniform(-25, 25)
        g = x.mean(2, keepdims=True)
        x = g + (x - g) * (0.0 if rng.random() < grey_share else rng.uniform(0.6, 1.4))
        if rng.random() < pale_share:  # washed out towards white: a white or cream coat
            k = rng.uniform(0.5, 0.85)
            x = x * k + 255.0 * (1 - k)
        if rng.random() < 0.2:
            x = cv2.GaussianBlur(x, (3, 3), 0)
        elif rng.random() < 0.2:  # a small, soft photo: down and back up
            k = int(rng.integers(20, 44))
            x = cv2.resize(cv2.resize(x, (k, k), interpolation=cv2.INTER_AREA), (kc.crop, kc.crop),
                           interpolation=cv2.INTER_LINEAR)
        out[i] = np.clip(x, 0, 255)
    t = torch.from_numpy(out).float().sub_(255.0 * MEAN).div_(255.0 * STD)
    return t.permute(0, 3, 1, 2).contiguous()


def train_kinds(opts: KindTrainOptions, progress: bool = True) -> Path:
    from tqdm import tqdm

    torch.set_num_threads(max(1, opts.threads))
    cv2.setNumThreads(1)
    torch.manual_seed(opts.seed)
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    cache = out / "crops.npz"
    if not cache.exists():
        data = collect(opts, progress)
        np.savez(cache, **data)
    data = dict(np.load(cache))
    x_all, y_all = data["crops"], data["labels"]
    log.info("examples: %s", {k: int((y_all == i).sum()) for i, k in enumerate(KINDS)})
    kc = KindConfig(widths=tuple(int(v) for v in opts.widths.split(",")))
    net = KindNet(kc)
    if opts.init:
        start_from = NetFinder.load(opts.init).kinds
        if start_from is None:
            raise ValueError(f"{opts.init} has no kind net to start from")
        net.load_state_dict(start_from.state_dict())
    opt = torch.optim.AdamW(net.parameters(), lr=opts.lr, weight_decay=1e-4)
    state_path = out / "state.pt"
    step = 0
    if state_path.exists():
        st = torch.load(state_path, weights_only=False)
        net.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step = st["step"]
    rng = np.random.default_rng(opts.seed + step)
    # balanced batches: a third of each kind, whatever the counts
    by_kind = [np.flatnonzero(y_all == i) for i in range(len(KINDS))]
    start = time.time()

    def save() -> None:
        torch.save({"model": net.state_dict(), "opt": opt.state_dict(), "step": step, "options": asdict(opts)},
                   state_path.with_suffix(".tmp"))
        state_path.with_suffix(".tmp").replace(state_path)

    bar = tqdm(total=opts.steps, initial=step, desc="kinds", unit="step", disable=not progress, mininterval=10)
    history = (out / "history.csv").open("a")
    try:
        while step < opts.steps and not (opts.minutes and time.time() - start > opts.minutes * 60):
            per = opts.batch_size // len(KINDS)
            idx = np.concatenate([rng.choice(ix, per) for ix in by_kind])
            x = augment(x_all[idx], rng, kc, opts.turn_share, opts.turn_max, opts.grey_share, opts.pale_share)
            y = torch.from_numpy(y_all[idx])
            lr = opts.lr * 0.5 * (1 + math.cos(math.pi * step / opts.steps))
            for g in opt.param_groups:
                g["lr"] = lr
            net.train()
            o = net(x)
            weight = torch.tensor([opts.cat_weight, 1.0, 1.0])
            loss = F.cross_entropy(o, y, weight=weight, label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            acc = (o.argmax(1) == y).float().mean().item()
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}", acc=f"{acc:.3f}")
            history.write(f"{step},{time.time() - start:.1f},{loss.item():.4f},{acc:.4f}\n")
            if step % opts.checkpoint_every == 0:
                save()
                history.flush()
    finally:
        bar.close()
        history.close()
    save()
    finder = NetFinder.load(opts.finder)
    finder.kinds = net.eval()
    path = out / "finder.safetensors"
    finder.save(path)
    return path


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description="train the finder's kind net (cat / dog / not a head)")
    for k, v in asdict(KindTrainOptions()).items():
        p.add_argument(f"--{k.replace('_', '-')}", type=type(v), default=v)
    p.add_argument("--collect-only", action="store_true")
    a = p.parse_args()
    logging.basicConfig(level=logging.INFO)
    opts = KindTrainOptions(**{k: v for k, v in vars(a).items() if k != "collect_only"})
    if a.collect_only:
        out = Path(opts.out)
        out.mkdir(parents=True, exist_ok=True)
        np.savez(out / "crops.npz", **collect(opts))
        return
    print(train_kinds(opts))


if __name__ == "__main__":
    main()
