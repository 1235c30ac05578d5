"""Drawing-stage benchmark: what the sharp, critic-ranked cats cost, against today's path in the same run.

Prints, on one core (one torch thread), p50/p95 over interleaved rounds so background load hits both alike:
- nine cats as `/random 9` makes them: latents drawn (x4 candidates ranked by the latent critic), decoded,
  dressed at 192 px in fur from the detail bank, and the grid PNG; and the same with the drawing stage off
  (64 px decodes, 128 px cells);
- a two-photo `/mix` (12 frames, 256 px GIF), which the drawing stage must not slow by more than 10%;
- a mix of a photo with a gallery cat, whose end frame is now the drawing stage's picture.
Targets: nine cats <= 150 ms p50; the photo mix within 10% of the path without the drawing stage.
Run it on a quiet machine (pause training first): `python -m benchmarks.bench_drawing` (`--quick`: CI-sized).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch
from tqdm import tqdm

from benchmarks.bench_engine import PHOTOS, generated_photos
from vae_core.engine import (
    DEFAULT_DETAIL_BANK,
    DEFAULT_LATENT_CRITIC,
    DEFAULT_WEIGHTS,
    Engine,
    EngineSettings,
    MixOptions,
)
from vae_core.samples import sample_photos

TARGET_NINE_MS, TARGET_MIX_RATIO = 150.0, 1.10


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q * 100))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--quick", action="store_true", help="a few rounds (CI)")
    a = p.parse_args(argv)
    rounds = 3 if a.quick else a.rounds
    torch.set_num_threads(1)
    if not (DEFAULT_DETAIL_BANK.is_file() and DEFAULT_LATENT_CRITIC.is_file()):
        print("the drawing stage is not shipped (weights/detail-bank.safetensors, weights/latent-critic.safetensors)",
              file=sys.stderr)
        return 1
    settings = EngineSettings(workers=1, threads_per_worker=1, middle_without_face=True)
    old = Engine(DEFAULT_WEIGHTS, settings, refiner=False, latent_critic=False, detail_bank=False)
    new = Engine(DEFAULT_WEIGHTS, settings)
    photos = sample_photos() if not PHOTOS.is_dir() else [f.read_bytes() for f in sorted(PHOTOS.glob("*.jpg"))[:2]]
    photos = photos or generated_photos()
    times: dict[str, list[float]] = {}
    options = MixOptions(frames=12)

    def timed(name: str, fn) -> None:
        t = time.perf_counter()
        fn()
        times.setdefault(name, []).append((time.perf_counter() - t) * 1000)

    for eng in (old, new):  # warm up: first calls allocate
        eng.random_sync(9, 0)
        eng.mix_sync(photos, options)
    for r in tqdm(range(rounds), desc="rounds", unit="round"):
        for tag, eng in (("today", old), ("drawing stage", new)):
            timed(f"nine cats ({tag})", lambda eng=eng, r=r: eng.random_sync(9, r))
            timed(f"draw nine, no PNG ({tag})", lambda eng=eng, r=r: eng.draw(eng.sample(9, r)))
            timed(f"mix two photos ({tag})", lambda eng=eng: eng.mix_sync(photos, options))
            gallery_cat = eng.cat_from_latent(eng.sample(1, 1000 + r)[0], "#1")
            timed(f"mix photo + gallery cat ({tag})", lambda eng=eng, c=gallery_cat: eng.mix_sync([photos[0], c],
                                                                                               options))
    old.close()
    new.close()
    print(f"\none core, {rounds} interleaved rounds (ms)          p50      p95")
    for name, xs in times.items():
        print(f"  {name:<44} {_pct(xs, .5):7.1f}  {_pct(xs, .95):7.1f}")
    nine = _pct(times["nine cats (drawing stage)"], .5)
    ratio = _pct(times["mix two photos (drawing stage)"], .5) / _pct(times["mix two photos (today)"], .5)
    ok_nine, ok_mix = nine <= TARGET_NINE_MS, ratio <= TARGET_MIX_RATIO
    print(f"\nnine cats p50 {nine:.1f} ms (target <= {TARGET_NINE_MS:.0f}): {'met' if ok_nine else 'MISSED'}")
    print(f"photo mix {ratio:.2f}x today's p50 (target <= {TARGET_MIX_RATIO:.2f}x): {'met' if ok_mix else 'MISSED'}")
    return 0 if ok_nine and ok_mix else 1


if __name__ == "__main__":
    sys.exit(main())
