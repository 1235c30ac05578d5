"""Animations on Telegram (GIFs arrive as MP4): Telegram's thumbnail, or the first frame decoded?

For short videos made from real cat photos (a slow pan, as phone GIFs are), prints per route:
- bytes the bot must download,
- ms to turn them into pixels (PyAV first-frame decode vs Pillow decoding the thumbnail JPEG),
- the picture's side, and how close it is to the real first frame (PSNR, dB) at the model's
  input size and at the face-crop size (HI_SIDE) the mix's end frames show.
The thumbnail route is the baseline: made like Telegram's, from the stored MP4 (longest side
320 px, JPEG q 87). "Real first frame" is the picture before video encoding.

`python -m benchmarks.bench_animation` (add `--quick` for a CI-sized run: one small video).
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

import av
import numpy as np
from PIL import Image
from tqdm import tqdm

from vae_core.intake import HI_SIDE
from vae_core.video import first_frame

PHOTOS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "photos"
THUMB_SIDE, THUMB_QUALITY = 320, 87
MODEL_SIDE = 64


def pan_video(photo: Image.Image, side: int, frames: int) -> tuple[bytes, np.ndarray]:
    """A `side`-px H.264 MP4 panning across the photo, and its first frame as encoded input."""
    big = photo.convert("RGB").resize((int(side * 1.3), int(side * 1.3)), Image.Resampling.LANCZOS)
    shots = [np.asarray(big.crop((i, i, i + side, i + side))) for i in
             np.linspace(0, big.width - side, frames).astype(int)]
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width = stream.height = side
        stream.pix_fmt = "yuv420p"
        for shot in shots:
            for packet in stream.encode(av.VideoFrame.from_ndarray(shot, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue(), shots[0]


def thumbnail(frame: np.ndarray) -> bytes:
    img = Image.fromarray(frame)
    img.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=THUMB_QUALITY)
    return buf.getvalue()


def psnr(a: np.ndarray, b: np.ndarray, side: int) -> float:
    def at(x: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(x).resize((side, side), Image.Resampling.LANCZOS), dtype=np.float64)

    mse = float(np.mean((at(a) - at(b)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one 320 px video, few repeats (CI)")
    a = ap.parse_args()
    files = sorted(PHOTOS.glob("*.jpg"))
    if files:
        photos = [Image.open(f) for f in files[: 1 if a.quick else 4]]
    else:  # CI without the shared data: a generated picture keeps the script runnable
        from tests.image_factory import synthetic_faces
        photos = [Image.fromarray(synthetic_faces(1, size=512)[0])]
    sides = [320] if a.quick else [320, 480, 720]
    repeat = 3 if a.quick else 15
    rows = []
    for photo in tqdm(photos, desc="videos", leave=False):
        for side in sides:
            video, truth = pan_video(photo, side, 30 if a.quick else 90)
            thumb = thumbnail(first_frame(video))  # Telegram makes it from the MP4 it stores
            dec_ms, frame = timed(lambda v=video: first_frame(v), repeat)
            th_ms, th = timed(lambda b=thumb: np.asarray(Image.open(io.BytesIO(b)).convert("RGB")), repeat)
            rows.append((side, len(video), dec_ms, psnr(frame, truth, MODEL_SIDE), psnr(frame, truth, HI_SIDE),
                         len(thumb), th_ms, th.shape[0], psnr(th, truth, MODEL_SIDE), psnr(th, truth, HI_SIDE)))
    print(f"{'video':>7} | {'decode: KB':>10} {'ms':>6} {'dB@64':>6} {'dB@384':>6} | "
          f"{'thumb (baseline): KB':>20} {'ms':>6} {'side':>5} {'dB@64':>6} {'dB@384':>6}")
    for r in rows:
        print(f"{r[0]:>5}px | {r[1] / 1024:>10.0f} {r[2]:>6.1f} {r[3]:>6.1f} {r[4]:>6.1f} | "
              f"{r[5] / 1024:>20.0f} {r[6]:>6.1f} {r[7]:>5} {r[8]:>6.1f} {r[9]:>6.1f}")
    dec = statistics.median(r[2] for r in rows)
    th = statistics.median(r[6] for r in rows)
    extra_kb = statistics.median((r[1] - r[5]) / 1024 for r in rows)
    gain64 = statistics.median(r[3] - r[8] for r in rows)
    gain384 = statistics.median(r[4] - r[9] for r in rows)
    print(f"median: decoding costs {dec - th:+.1f} ms and {extra_kb:+.0f} KB more than the thumbnail, "
          f"and is {gain64:+.1f} dB closer at the model's {MODEL_SIDE} px, {gain384:+.1f} dB at the {HI_SIDE} px crop")


if __name__ == "__main__":
    main()
