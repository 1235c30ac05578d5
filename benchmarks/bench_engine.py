"""Engine benchmark: two real 512 px JPEG photos -> a 12-frame 256 px GIF.

Prints, in one run on this machine:
- p50/p95 latency of one request end to end (bytes in -> GIF bytes out) and per stage;
- throughput with 1, 4 and 16 concurrent requests through the async engine;
- the same for a naive baseline (one request at a time, frames decoded one by one, Pillow's
  default median-cut GIF palette), and the ratios;
- whether coalescing concurrent requests into one decode batch would pay.

Run it on a quiet machine (pause training first): `python -m benchmarks.bench_engine`.
Targets (issue 4): p50 end to end < 80 ms on one core; >= 5x the naive throughput at 16 concurrent.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import torch
from tqdm import tqdm

from vae_core import render
from vae_core.checkpoint import LoadedModel, load_checkpoint
from vae_core.engine import DEFAULT_WEIGHTS, Engine, EngineSettings, MixOptions
from vae_core.latent import interpolate
from vae_core.model import VAE
from vae_core.presets import get_preset

PHOTOS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "photos"
TARGET_P50_MS, TARGET_RATIO = 80.0, 5.0


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def load_model(weights: str | None) -> LoadedModel:
    path = Path(weights) if weights else DEFAULT_WEIGHTS
    if path.exists():
        return load_checkpoint(path)
    print(f"(no {path}: timing an untrained 'kitten' net, which has the same cost)")
    return LoadedModel(VAE(get_preset("kitten").model).eval())


def naive_mix(engine: Engine, photos: list[bytes], frames: int = 12) -> bytes:
    """The obvious implementation: per-frame decode and Pillow's default GIF quantiser."""
    crops = [engine.prepare(p)[0] for p in photos]
    z = engine.encode(crops)
    with torch.inference_mode():
        out = [engine.decode(zi[None])[0] for zi in interpolate(z[0], z[1], frames)]
    return render.gif(torch.stack([torch.from_numpy(f) for f in out]).numpy(), 256, fast_palette=False)


async def _throughput(engine: Engine, photos: list[bytes], concurrency: int, total: int) -> float:
    sem = asyncio.Semaphore(concurrency)

    async def one():
        async with sem:
            await engine.mix(photos, MixOptions(frames=12))

    t0 = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(total)))
    return total / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", default=None)
    ap.add_argument("--photos", nargs=2, default=None, help="two JPEG photos (default: two shared 512 px photos)")
    ap.add_argument("--repeats", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)

    files = [Path(p) for p in a.photos] if a.photos else sorted(PHOTOS.glob("*.jpg"))[:2]
    if len(files) < 2:
        print("need two JPEG photos: pass --photos A.jpg B.jpg", file=sys.stderr)
        return 2
    photos = [f.read_bytes() for f in files]
    loaded = load_model(a.weights)
    torch.set_num_threads(1)

    # 1) single request latency on one core, per stage
    one_core = Engine(loaded, EngineSettings(workers=1, threads_per_worker=1))
    for _ in range(3):
        one_core.mix_sync(photos, MixOptions())  # warm-up: cascades, allocator, caches
    stages: dict[str, list[float]] = {}
    for _ in tqdm(range(a.repeats), desc="latency", leave=False):
        r = one_core.mix_sync(photos, MixOptions())
        for k, v in r.timings.items():
            stages.setdefault(k, []).append(v * 1000)
    naive_lat = []
    for _ in tqdm(range(max(5, a.repeats // 4)), desc="naive latency", leave=False):
        t0 = time.perf_counter()
        naive_mix(one_core, photos)
        naive_lat.append((time.perf_counter() - t0) * 1000)
    one_core.close()

    print(f"model: {loaded.info.get('preset', 'untrained')}  photos: {', '.join(f.name for f in files)}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op thread(s) per worker\n")
    print("single request, one core (ms)       p50      p95")
    for k in ("decode_image", "find_face", "encode", "decode_frames", "render", "total"):
        print(f"  {k:<32} {_pct(stages[k], .5):8.1f} {_pct(stages[k], .95):8.1f}")
    print(f"  {'naive total':<32} {_pct(naive_lat, .5):8.1f} {_pct(naive_lat, .95):8.1f}")

    # 2) throughput through the async engine vs the naive loop
    rows = []
    for threads in (1, 2):
        eng = Engine(loaded, EngineSettings(workers=a.workers, threads_per_worker=threads, max_pending=64))
        for conc in tqdm((1, 4, 16), desc=f"throughput {threads} thr/worker", leave=False):
            total = max(16, conc * 3)
            rows.append((threads, conc, asyncio.run(_throughput(eng, photos, conc, total))))
        eng.close()
    base = Engine(loaded, EngineSettings(workers=1, threads_per_worker=1))
    t0 = time.perf_counter()
    n_naive = 8
    for _ in tqdm(range(n_naive), desc="naive throughput", leave=False):
        naive_mix(base, photos)
    naive_rps = n_naive / (time.perf_counter() - t0)

    # 3) would coalescing requests into one decode batch pay?
    z = torch.randn(48, base.model.config.latent_dim)
    t0 = time.perf_counter()
    for _ in range(10):
        for i in range(4):
            base.decode(z[i * 12:(i + 1) * 12])
    sep = (time.perf_counter() - t0) / 10 * 1000
    t0 = time.perf_counter()
    for _ in range(10):
        base.decode(z)
    batched = (time.perf_counter() - t0) / 10 * 1000
    base.close()

    print(f"\nthroughput (requests/s), {a.workers} workers")
    print("  threads/worker  concurrency  req/s   x naive")
    for threads, conc, rps in rows:
        print(f"  {threads:>14}  {conc:>11}  {rps:6.1f}  {rps / naive_rps:7.1f}")
    print(f"  naive (one at a time, per-frame decode, median-cut palette): {naive_rps:.2f} req/s")
    print(f"\ncoalescing: 4 x 12-frame decodes {sep:.1f} ms vs one 48-frame batch {batched:.1f} ms "
          f"({sep / batched:.2f}x)")

    p50 = _pct(stages["total"], .5)
    best16 = max(rps for t, c, rps in rows if c == 16)
    ok_lat, ok_tp = p50 < TARGET_P50_MS, best16 / naive_rps >= TARGET_RATIO
    print(f"\np50 end to end {p50:.1f} ms (target < {TARGET_P50_MS:.0f}): {'PASS' if ok_lat else 'FAIL'}")
    verdict = "PASS" if ok_tp else "FAIL"
    print(f"16 concurrent {best16 / naive_rps:.1f}x naive (target >= {TARGET_RATIO:.0f}x): {verdict}")
    return 0 if ok_lat and ok_tp else 1


if __name__ == "__main__":
    sys.exit(main())
