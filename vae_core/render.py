"""Frames (N x H x W x 3 uint8) -> reply files: grid PNG or animated GIF.

The mix GIF uses one palette for the whole animation, built by Pillow's FASTOCTREE quantiser (C)
from the frames that matter most (the user's two crops and the middle frame), and every frame is
mapped onto it in C. Per-frame octree palettes (`gif`, kept as the benchmarks' baseline) cost
~9 ms of quantising for 12 frames at 256 px for no visible gain; the default median cut ~25x more.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
from PIL import Image

MAX_REPLY_BYTES = 8 * 1024 * 1024  # fits Discord's and Telegram's default upload limits


def upscale(frame: np.ndarray, size: int) -> Image.Image:
    img = Image.fromarray(frame)
    return img if img.size == (size, size) else img.resize((size, size), Image.Resampling.LANCZOS)


def grid_png(frames: Sequence[np.ndarray], cell: int = 128, columns: int | None = None, gap: int = 4) -> bytes:
    n = len(frames)
    cols = columns or min(n, 8)
    rows = math.ceil(n / cols)
    sheet = Image.new("RGB", (cols * cell + (cols - 1) * gap, rows * cell + (rows - 1) * gap), (255, 255, 255))
    for i, f in enumerate(frames):
        r, c = divmod(i, cols)
        sheet.paste(upscale(f, cell), (c * (cell + gap), r * (cell + gap)))
    buf = io.BytesIO()
    sheet.save(buf, format="PNG", compress_level=1)  # level 1: ~5x faster than 6, ~10% bigger
    return buf.getvalue()


def gif(frames: np.ndarray, size: int = 256, frame_ms: int = 120, boomerang: bool = False,
        fast_palette: bool = True) -> bytes:
    seq = list(frames)
    if boomerang and len(seq) > 2:
        seq = seq + seq[-2:0:-1]  # forward then back, without repeating the end frames
    imgs = [upscale(f, size) for f in seq]
    if fast_palette:
        imgs = [im.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE) for im in imgs]
    buf = io.BytesIO()
    imgs[0].save(buf, format="GIF", save_all=True, append_images=imgs[1:], duration=frame_ms, loop=0,
                 optimize=False, disposal=1)
    return buf.getvalue()


def shared_palette(sources: Sequence[np.ndarray], colors: int = 256) -> Image.Image:
    """One palette for a whole animation from a few key frames laid side by side. Frames over 128 px
    are halved first (2x2 means): the same end-frame PSNR on 10 sample pairs, a third of the time."""
    sheet = Image.fromarray(np.concatenate([np.ascontiguousarray(f) for f in sources], axis=1))
    if sheet.height > 128:
        sheet = sheet.reduce(2)
    return sheet.quantize(colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


def gif_shared(frames: Sequence[np.ndarray], frame_ms: int = 120,
               palette_from: Sequence[np.ndarray] | None = None) -> bytes:
    """Frames already at output size -> a looping GIF with one palette (from `palette_from`, default
    the first, middle and last frames). Undithered: dithering costs 2x time and size and PSNR."""
    keys = palette_from if palette_from is not None else [frames[0], frames[len(frames) // 2], frames[-1]]
    pal = shared_palette(keys)
    imgs = [Image.fromarray(f).quantize(palette=pal, dither=Image.Dither.NONE) for f in frames]
    buf = io.BytesIO()
    imgs[0].save(buf, format="GIF", save_all=True, append_images=imgs[1:], duration=frame_ms, loop=0,
                 optimize=False, disposal=1)
    return buf.getvalue()
