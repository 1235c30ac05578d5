"""Making a finished picture fit an upload limit: fewer colours, then fewer frames, then fewer pixels.

Why: a place can take less than the engine's MAX_REPLY_BYTES (Discord gives 10 MiB to most
uploads, and each interaction says its own `attachment_size_limit`; a test or a self-hosted
server may say much less). Refusing a finished mix there wastes the work and tells the user to
start again; a slightly plainer picture is what they would have asked for. The steps keep what a
mix is about first: every frame's motion over its colours, the two ends of the loop over the
frames between them, and the size last.

Works on the bytes alone (the caller holds no frames): a GIF is decoded and re-encoded with one
shared palette (render.py's way); a PNG (grids, gallery sheets) becomes a palette PNG, then smaller.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageSequence

from . import render

MIN_SIDE = 64  # px: smaller than this a cat is no longer worth sending
MIN_FRAMES = 2  # a mix keeps its two ends


@dataclass(frozen=True)
class Step:
    colours: int
    frame_step: int  # keep every n-th frame (and the last)
    scale: float


# In order: each one gives up a little more. Pixels go last, frames before them, colours first.
STEPS: tuple[Step, ...] = (
    Step(128, 1, 1.0), Step(64, 1, 1.0), Step(64, 2, 1.0), Step(32, 2, 1.0), Step(32, 2, 0.75),
    Step(32, 3, 0.75), Step(32, 3, 0.5), Step(16, 4, 0.5), Step(16, 4, 0.375), Step(16, 8, 0.25),
)


def fit_under(data: bytes, limit: int) -> bytes | None:
    """`data` (a GIF or a PNG) made to take at most `limit` bytes, or None when even the plainest
    version allowed (MIN_SIDE px, MIN_FRAMES frames, 16 colours) is too big. Already small
    enough: returned as it is."""
    if len(data) <= limit:
        return data
    with Image.open(io.BytesIO(data)) as image:
        kind = image.format
        frames, durations = _frames(image)
    for attempt in _attempts(frames[0].shape[0], len(frames)):
        out = _encode(kind, frames, durations, attempt)
        if len(out) <= limit:
            return out
    return None


def _frames(image: Image.Image) -> tuple[list[np.ndarray], list[int]]:
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        frames.append(np.asarray(frame.convert("RGB")))
        durations.append(int(frame.info.get("duration", image.info.get("duration", 100)) or 100))
    return frames, durations


def _attempts(side: int, count: int) -> Iterator[Step]:
    """The steps that stay above the floor (side and frame count), each once."""
    seen: set[tuple[int, int, int]] = set()
    for step in STEPS:
        px = int(side * step.scale)
        kept = len(_kept(count, step.frame_step))
        if px < min(MIN_SIDE, side) or kept < min(MIN_FRAMES, count):
            continue
        key = (step.colours, kept, px)
        if key not in seen:
            seen.add(key)
            yield step


def _kept(count: int, frame_step: int) -> list[int]:
    """Every `frame_step`-th frame, always with the last one (a loop's other end)."""
    return sorted(set(range(0, count, frame_step)) | {count - 1})


def _encode(kind: str | None, frames: Sequence[np.ndarray], durations: Sequence[int], step: Step) -> bytes:
    keep = _kept(len(frames), step.frame_step)
    # Each kept frame shows as long as the frames it stands for did: the loop keeps its pace.
    shown = [sum(durations[i:j]) for i, j in zip(keep, [*keep[1:], len(frames)], strict=True)]
    side = max(1, int(frames[0].shape[0] * step.scale))
    width = max(1, int(frames[0].shape[1] * step.scale))
    picked = [_resized(frames[i], width, side) for i in keep]
    palette = render.shared_palette([picked[0], picked[len(picked) // 2], picked[-1]], colors=step.colours)
    images = [Image.fromarray(f).quantize(palette=palette, dither=Image.Dither.NONE) for f in picked]
    buf = io.BytesIO()
    if kind == "GIF":
        images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=shown, loop=0,
                       optimize=False, disposal=1)
    else:  # a still (grid, sheet): a palette PNG
        images[0].save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _resized(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    if frame.shape[1] == width and frame.shape[0] == height:
        return frame
    return np.asarray(Image.fromarray(frame).resize((width, height), Image.Resampling.LANCZOS))
