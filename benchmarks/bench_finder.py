"""Finder benchmark: ms per photo (decode + find, as intake does it) on one core, the learned finder
and the old Haar finder side by side in the same run, on the same photos, alternating.

Photos: the in-scene photos in ../shared/data/scenes when present (real JPEGs of the sizes people
send), else generated 1024x768 JPEGs (same decode cost, no cats). Both finders are measured
photo by photo in turn, so background load hits them alike.

Run it on a quiet machine: `python -m benchmarks.bench_finder` (`--quick` for CI).
Target (issue 10): the learned finder at most 12 ms per photo p50 on one core, decode included.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from vae_core.finder import FINDER_WEIGHTS, Finder, HaarFinder, load_finder
from vae_core.intake import IntakeLimits, decode_image

SCENES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "scenes" / "photos"
TARGET_P50_MS = 12.0


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def load_photos(n: int) -> tuple[list[bytes], str]:
    files = sorted(SCENES.glob("*.jpg")) if SCENES.is_dir() else []
    if files:
        step = max(1, len(files) // n)
        return [f.read_bytes() for f in files[::step][:n]], f"{min(n, len(files))} scene photos"
    rng = np.random.default_rng(0)
    out = []
    for _ in range(n):
        small = (rng.random((6, 8, 3)) * 255).astype(np.uint8)
        img = Image.fromarray(small).resize((1024, 768), Image.Resampling.BICUBIC)
        noisy = np.clip(np.asarray(img, dtype=np.int16) + rng.integers(-20, 20, (768, 1024, 3)), 0, 255)
        buf = io.BytesIO()
        Image.fromarray(noisy.astype(np.uint8)).save(buf, format="JPEG", quality=90)
        out.append(buf.getvalue())
    return out, f"{n} generated 1024x768 JPEGs (no scenes folder here)"


def time_one(finder: Finder, data: bytes) -> float:
    t0 = time.perf_counter()
    img, _ = decode_image(data, IntakeLimits())
    finder.find(img)
    return (time.perf_counter() - t0) * 1000


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a few photos, one pass (CI)")
    p.add_argument("--photos", type=int, default=0, help="how many photos (default 120, quick 12)")
    p.add_argument("--repeats", type=int, default=0, help="passes over the photos (default 3, quick 1)")
    p.add_argument("--weights", default=None, help="finder weights (default: weights/finder.safetensors)")
    p.add_argument("--compare", action="append", default=[], metavar="WEIGHTS",
                   help="another finder file measured in the same run, photo by photo in turn (repeatable): "
                        "on a shared machine, only figures from one run compare")
    p.add_argument("--phone", type=int, default=0, metavar="SIDE",
                   help="re-encode the photos at this longest side (e.g. 4032, a phone's) to see the decode cost")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    photos, what = load_photos(a.photos or (12 if a.quick else 120))
    if a.phone:
        photos = [_enlarged(d, a.phone) for d in photos]
        what += f", enlarged to {a.phone} px JPEGs"
    repeats = a.repeats or (1 if a.quick else 3)
    new = load_finder(a.weights or FINDER_WEIGHTS)
    finders: dict[str, Finder] = {"new": new, "old (Haar)": HaarFinder()}
    for path in a.compare:
        finders[Path(path).stem] = load_finder(path)
    if isinstance(new, HaarFinder):
        print(f"(no finder weights at {a.weights or FINDER_WEIGHTS}: 'new' is the Haar fallback)")
    for f in finders.values():  # warm-up: lazy loads, first-call allocations
        time_one(f, photos[0])
    times: dict[str, list[float]] = {k: [] for k in finders}
    for _ in range(repeats):
        for data in tqdm(photos, desc="photos", unit="photo", leave=False):
            for name, f in finders.items():
                times[name].append(time_one(f, data))
    decode = [_decode_ms(d) for d in photos]
    print(f"{what}, {repeats} pass(es), one thread; ms per photo, decode included")
    print(f"{'finder':>12} {'p50':>7} {'p95':>7} {'mean':>7}  ({type(new).__name__} vs HaarFinder)")
    for name, xs in times.items():
        print(f"{name:>12} {statistics.median(xs):7.1f} {_pct(xs, 0.95):7.1f} {statistics.fmean(xs):7.1f}")
    print(f"{'decode only':>12} {statistics.median(decode):7.1f} {_pct(decode, 0.95):7.1f} "
          f"{statistics.fmean(decode):7.1f}")
    p50_new, p50_old = statistics.median(times["new"]), statistics.median(times["old (Haar)"])
    print(f"new / old p50: {p50_new / p50_old:.2f}x; target: new p50 <= {TARGET_P50_MS:.0f} ms -> "
          f"{'met' if p50_new <= TARGET_P50_MS else 'NOT met'}")
    return 0


def _enlarged(data: bytes, side: int) -> bytes:
    img = Image.open(io.BytesIO(data)).convert("RGB")
    k = side / max(img.size)
    buf = io.BytesIO()
    img.resize((round(img.width * k), round(img.height * k)), Image.Resampling.BICUBIC).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _decode_ms(data: bytes) -> float:
    t0 = time.perf_counter()
    decode_image(data, IntakeLimits())
    return (time.perf_counter() - t0) * 1000


if __name__ == "__main__":
    sys.exit(main())
