"""Generated test images (always available, unlike the shared photos)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def synthetic_faces(n: int, size: int = 64, seed: int = 0) -> np.ndarray:
    """Cat-ish test images: a coloured disc with two 'eyes' on a gradient, varied per image."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    out = np.empty((n, size, size, 3), dtype=np.uint8)
    for i in range(n):
        bg = np.stack([xx * rng.random(), yy * rng.random(), np.full_like(xx, rng.random())], -1)
        cx, cy, r = 0.5 + rng.normal(0, 0.05), 0.5 + rng.normal(0, 0.05), 0.3 + rng.random() * 0.1
        disc = ((xx - cx) ** 2 + (yy - cy) ** 2) < r * r
        img = np.where(disc[..., None], rng.random(3), bg)
        for ex in (-0.1, 0.1):
            eye = ((xx - cx - ex) ** 2 + (yy - cy + 0.05) ** 2) < 0.002
            img[eye] = (0.1, 0.6, 0.1)
        out[i] = (img * 255).astype(np.uint8)
    return out


def encode_image(arr: np.ndarray, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt, **kw)
    return buf.getvalue()
