"""How well a cat-head finder does on photos as people take them: `kitten-mixer evaluate-finder`.

Everything is measured the way the bot meets a photo: the JPEG bytes are decoded by intake (so
the finder sees the same reduced image) and the time per photo counts decode + find. Figures:

- recall on the in-scene heads by head-size bucket, by the centre rule (box centre inside the true
  head box, width 0.5x-2x of it) and by IoU >= 0.5 (the crop the VAE sees depends on it);
- false finds: crops of the scene photos away from every labelled head (cat bodies, paws, sofas),
  counted when any detection clears the shipped threshold;
- AFHQ close-ups found, with the truth derived from the cats64 framing (the fixed 512 px face
  square x 62-444, y 102-484, inverted through `crop_square`), plus the loose middle-third rule;
- small heads (< 10% of the width), made by scaling held-out scenes onto larger canvases;
- ms per photo (p50, mean), one thread.

The split must match training: `trainer.finder_data.scene_split` decides which scenes are "test".
"""

from __future__ import annotations

import io
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from trainer.finder_data import scene_split
from vae_core.detection import CROP_PER_HEAD, CROP_SHIFT_Y, Detection, Finder
from vae_core.facecrop import iou
from vae_core.intake import IntakeLimits, decode_image

Box = tuple[float, float, float, float]

BUCKETS = ((0.0, 0.10), (0.10, 0.20), (0.20, 0.35), (0.35, 0.60), (0.60, 10.0))
# The cats64 framing of the 512 px AFHQ photos (see shared/data/README.md, afhq192).
AFHQ_CROP = (62.0, 102.0, 444.0, 484.0)
REGIONS_PER_PHOTO = 3
SMALL_FRACS = (0.05, 0.095)  # head width / canvas width for the made-up small heads
SMALL_CANVAS = (1024, 768)


def centre_hit(det: Detection, truth: Box) -> bool:
    """The issue's centre rule: the box centre inside the true head, the width 0.5x-2x of it."""
    cx, cy = det.center
    width = det.box[2] - det.box[0]
    true_w = truth[2] - truth[0]
    return truth[0] <= cx <= truth[2] and truth[1] <= cy <= truth[3] and 0.5 * true_w <= width <= 2.0 * true_w


def afhq_truth() -> Box:
    """The head box whose `crop_square` is the AFHQ face square (the framing the VAE trained on)."""
    x0, y0, x1, y1 = AFHQ_CROP
    head = (x1 - x0) / CROP_PER_HEAD
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2 - CROP_SHIFT_Y * head
    return cx - head / 2, cy - head / 2, cx + head / 2, cy + head / 2


def bucket_name(lo: float, hi: float) -> str:
    return f"<{hi:.0%}" if lo == 0 else f">={lo:.0%}" if hi > 1 else f"{lo:.0%}-{hi:.0%}"


@dataclass
class Timed:
    dets: list[Detection]
    ms: float
    scale: float  # decoded-image pixels per stored-image pixel


def run_finder(finder: Finder, data: bytes) -> Timed:
    """Decode like intake, find, and time both."""
    t0 = time.perf_counter()
    img, facts = decode_image(data, IntakeLimits())
    dets = finder.find(img)
    ms = (time.perf_counter() - t0) * 1000
    return Timed(dets, ms, max(img.size) / max(facts["source_size"]))


def _confident(finder: Finder, dets: list[Detection]) -> Detection | None:
    return dets[0] if dets and dets[0].score >= finder.threshold else None


def _scaled(box: Box, k: float) -> Box:
    return box[0] * k, box[1] * k, box[2] * k, box[3] * k


def _jpeg(img: Image.Image, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def load_manifest(root: Path, split: str) -> list[dict]:
    items = json.loads((root / "manifest.json").read_text())["items"]
    return [it for it in items if split == "all" or scene_split(it["file"]) == split]


def _score_heads(finder: Finder, det: Detection | None, truths: list[Box]) -> tuple[bool, bool]:
    if det is None:
        return False, False
    return any(centre_hit(det, t) for t in truths), any(iou(det.box, t) >= 0.5 for t in truths)


def free_regions(size: tuple[int, int], heads: list[Box], rng: np.random.Generator, n: int) -> list[Box]:
    """Up to n squares (25-60% of the shorter side) touching no labelled head (heads grown 15%)."""
    w, h = size
    grown = [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2, (b[2] - b[0]) * 0.65, (b[3] - b[1]) * 0.65) for b in heads]
    grown_boxes = [(cx - hw, cy - hh, cx + hw, cy + hh) for cx, cy, hw, hh in grown]
    out: list[Box] = []
    for _ in range(200):
        if len(out) == n:
            break
        side = rng.uniform(0.25, 0.6) * min(w, h)
        x, y = rng.uniform(0, w - side), rng.uniform(0, h - side)
        box = (x, y, x + side, y + side)
        clear = all(box[2] <= g[0] or box[0] >= g[2] or box[3] <= g[1] or box[1] >= g[3] for g in grown_boxes)
        if clear and all(iou(box, o) < 0.3 for o in out):
            out.append(box)
    return out


def small_head_canvas(img: Image.Image, head: Box, rng: np.random.Generator) -> tuple[Image.Image, Box]:
    """The photo shrunk so its head is 5-9.5% of a 1024 px canvas, placed at random on a smooth
    field of the photo's own colours (its 4x3 px thumbnail enlarged: no second cat, even a blurred one)."""
    cw, ch = SMALL_CANVAS
    frac = rng.uniform(*SMALL_FRACS)
    k = frac * cw / (head[2] - head[0])
    pw, ph = max(1, round(img.width * k)), max(1, round(img.height * k))
    canvas = img.resize((4, 3), Image.Resampling.BOX).resize((cw, ch), Image.Resampling.BICUBIC)
    x, y = int(rng.integers(0, max(1, cw - pw))), int(rng.integers(0, max(1, ch - ph)))
    canvas.paste(img.resize((pw, ph), Image.Resampling.LANCZOS), (x, y))
    return canvas, (head[0] * k + x, head[1] * k + y, head[2] * k + x, head[3] * k + y)


def evaluate_finder(finder: Finder, scenes: str | Path, split: str = "test", photos: str | Path | None = None,
                    small: bool = True, seed: int = 0, progress: bool = True, limit: int = 0,
                    draws: int = 1) -> dict:
    """All the figures as one dict (what `--json` writes).

    The cat-free regions and the made-up small-head canvases are random; `draws` > 1 repeats them
    with seeds seed, seed+1, ... and pools the counts. One draw of ~290 regions moves the false-find
    rate by about a percentage point either way (measured: 1.0-3.4% over five draws for one finder),
    so compare finders on several. Draw 0 is the same as a single draw with `seed`."""
    root = Path(scenes)
    items = load_manifest(root, split)
    if limit:
        items = items[:limit]
    rngs = [np.random.default_rng(seed + k) for k in range(max(1, draws))]
    per_bucket = {bucket_name(*b): [0, 0, 0] for b in BUCKETS}  # n, centre hits, iou hits
    ms: list[float] = []
    regions = false_finds = 0
    small_n = small_centre = small_iou = 0
    for it in tqdm(items, desc="scenes", unit="photo", disable=not progress):
        data = (root / "photos" / it["file"]).read_bytes()
        timed = run_finder(finder, data)
        ms.append(timed.ms)
        truths = [_scaled(tuple(b), timed.scale) for b in it.get("all_head_boxes") or [it["head_box"]]]
        centre, good = _score_heads(finder, _confident(finder, timed.dets), truths)
        frac = it["head_frac_w"]
        name = next(bucket_name(lo, hi) for lo, hi in BUCKETS if lo <= frac < hi)
        row = per_bucket[name]
        row[0] += 1
        row[1] += centre
        row[2] += good
        img = Image.open(io.BytesIO(data)).convert("RGB")
        heads = [tuple(b) for b in it.get("all_head_boxes") or [it["head_box"]]]
        for rng in rngs:
            for box in free_regions(img.size, heads, rng, REGIONS_PER_PHOTO):
                region = img.crop(tuple(round(v) for v in box))
                regions += 1
                false_finds += _confident(finder, run_finder(finder, _jpeg(region)).dets) is not None
            if small:
                canvas, head = small_head_canvas(img, tuple(it["head_box"]), rng)
                timed = run_finder(finder, _jpeg(canvas))
                c, g = _score_heads(finder, _confident(finder, timed.dets), [_scaled(head, timed.scale)])
                small_n, small_centre, small_iou = small_n + 1, small_centre + c, small_iou + g
    n = sum(r[0] for r in per_bucket.values())
    under20 = [per_bucket[bucket_name(*b)] for b in BUCKETS[:2]]
    n20 = sum(r[0] for r in under20)
    result = {
        "finder": type(finder).__name__,
        "threshold": finder.threshold,
        "split": split,
        "scenes": n,
        "centre_recall": _rate(sum(r[1] for r in per_bucket.values()), n),
        "iou50_recall": _rate(sum(r[2] for r in per_bucket.values()), n),
        "centre_recall_under_20pct": _rate(sum(r[1] for r in under20), n20),
        "iou50_recall_under_20pct": _rate(sum(r[2] for r in under20), n20),
        "buckets": {k: {"n": v[0], "centre_recall": _rate(v[1], v[0]), "iou50_recall": _rate(v[2], v[0])}
                    for k, v in per_bucket.items()},
        "false_finds": {"regions": regions, "found": false_finds, "rate": _rate(false_finds, regions),
                        "draws": len(rngs)},
        "ms_per_photo": {"p50": round(statistics.median(ms), 2) if ms else None,
                         "mean": round(statistics.fmean(ms), 2) if ms else None},
    }
    if small:
        result["small_heads"] = {"n": small_n, "head_frac_w": list(SMALL_FRACS),
                                 "centre_recall": _rate(small_centre, small_n),
                                 "iou50_recall": _rate(small_iou, small_n)}
    photo_dir = Path(photos) if photos else root.parent / "photos"
    if photo_dir.is_dir():
        result["afhq"] = evaluate_closeups(finder, photo_dir, progress)
    return result


def evaluate_closeups(finder: Finder, photo_dir: Path, progress: bool = True) -> dict:
    """AFHQ close-ups: the truth is the head box of the cats64 framing (512 px photos)."""
    files = sorted(p for p in photo_dir.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    truth = afhq_truth()
    centre = good = loose = 0
    for path in tqdm(files, desc="close-ups", unit="photo", disable=not progress):
        timed = run_finder(finder, path.read_bytes())
        det = _confident(finder, timed.dets)
        if det is None:
            continue
        k = 1 / timed.scale
        photo_det = Detection(_scaled(det.box, k), det.score, det.angle)
        t = _scaled(truth, Image.open(path).width / 512)
        centre += centre_hit(photo_det, t)
        good += iou(photo_det.box, t) >= 0.5
        w = Image.open(path).width
        cx, cy = photo_det.center
        loose += (w / 3 <= cx <= 2 * w / 3 and w / 3 <= cy <= 2 * w / 3
                  and 0.4 * w <= photo_det.box[2] - photo_det.box[0] <= 1.0 * w)
    n = len(files)
    return {"n": n, "centre_recall": _rate(centre, n), "iou50_recall": _rate(good, n),
            "middle_third_rule": _rate(loose, n)}


def _rate(k: int, n: int) -> float | None:
    return round(k / n, 4) if n else None


def format_table(r: dict) -> str:
    """The figures as a plain table for the terminal."""
    pct = lambda v: "  -  " if v is None else f"{v * 100:5.1f}%"  # noqa: E731
    lines = [f"finder {r['finder']} (threshold {r['threshold']}), {r['split']} scenes: {r['scenes']}",
             f"{'head width':>12} {'n':>4} {'centre':>7} {'IoU>=.5':>8}"]
    for name, b in r["buckets"].items():
        lines.append(f"{name:>12} {b['n']:>4} {pct(b['centre_recall']):>7} {pct(b['iou50_recall']):>8}")
    lines.append(f"{'all':>12} {r['scenes']:>4} {pct(r['centre_recall']):>7} {pct(r['iou50_recall']):>8}")
    lines.append(f"{'<20%':>12} {'':>4} {pct(r['centre_recall_under_20pct']):>7} "
                 f"{pct(r['iou50_recall_under_20pct']):>8}")
    if "small_heads" in r:
        s = r["small_heads"]
        lines.append(f"{'made <10%':>12} {s['n']:>4} {pct(s['centre_recall']):>7} {pct(s['iou50_recall']):>8}")
    f = r["false_finds"]
    draws = f" ({f['draws']} draws)" if f.get("draws", 1) > 1 else ""
    lines.append(f"false finds on cat-free regions{draws}: {f['found']}/{f['regions']} = {pct(f['rate']).strip()}")
    if "afhq" in r:
        a = r["afhq"]
        lines.append(f"AFHQ close-ups found: {pct(a['centre_recall']).strip()} centre rule, "
                     f"{pct(a['iou50_recall']).strip()} IoU>=.5, {pct(a['middle_third_rule']).strip()} middle-third "
                     f"rule (n={a['n']})")
    m = r["ms_per_photo"]
    lines.append(f"ms per photo (decode + find, one thread): p50 {m['p50']}, mean {m['mean']}")
    return "\n".join(lines)
