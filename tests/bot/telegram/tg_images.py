"""Small image files for the Telegram tests (decoding what the bot sent, making awkward inputs)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def gif_frames(data: bytes) -> int:
    img = Image.open(io.BytesIO(data))
    assert img.format == "GIF"
    return img.n_frames


def png_size(data: bytes) -> tuple[int, int]:
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG"
    return img.size


def gradient_png(size: int = 200, seed: int = 0) -> bytes:
    """A flat colour gradient: a perfectly good image with no cat in it."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 1, size)[None, :, None]
    colours = rng.random((2, 3))
    arr = ((colours[0] * (1 - ramp) + colours[1] * ramp) * 255).astype(np.uint8).repeat(size, axis=0)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()
