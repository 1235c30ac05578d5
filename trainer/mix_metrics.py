"""Picture metrics for a mix: does it start and end on the real cats, is there real fur in between,
and does the middle show one cat or two overlaid?

- `psnr`: endpoint fidelity against the user's own crop at output size.
- `hf_power`: spectral power above half the Nyquist radius (fine fur, whiskers, eye glints), on
  luminance with the mean removed and a Hann window so the frame's border is not counted as an edge.
  A middle frame's value over the two real crops' mean is its detail ratio: 1.0 looks like a photo,
  an upscaled 64 px decode is near 0.1.
- `ghosting`: double features. Where the two cats' features sit at different places (the decodes'
  optical flow from the middle frame to that cat moves more than `min_shift` px), the middle frame's
  detail should not line up with that cat's detail *at its original place*: if it does, the viewer
  sees that cat's eyes and outline where the in-between cat has none. Measured as how much of each
  cat's own band-pass residual (photo minus its upscaled decode) is still in the middle frame's
  band-pass detail (frame minus the upscaled middle decode) at the original place, inside the moving
  region: the least-squares coefficient of one on the other, averaged over the two cats. A plain
  linear cross-fade of the photos scores ~0.5 (half of each cat, unmoved), no borrowed detail 0.
"""

from __future__ import annotations

import cv2
import numpy as np

_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def luma(img: np.ndarray) -> np.ndarray:
    return img.astype(np.float32) @ _LUMA


def hf_power(img: np.ndarray, cutoff: float = 0.5) -> float:
    """Mean spectral power above `cutoff` x Nyquist (radially), per pixel, of the luminance."""
    y = luma(img)
    y = y - y.mean()
    h, w = y.shape
    win = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    spec = np.abs(np.fft.fft2(y * win)) ** 2 / (h * w)
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    r = np.sqrt(fx**2 + fy**2) / 0.5  # 1.0 = Nyquist
    return float(spec[r > cutoff].sum() / (h * w))


def _band(img: np.ndarray, size: int) -> np.ndarray:
    """Band-pass (difference of Gaussians, 1 to 4 px at 256): eyes, outlines, stripes."""
    s = size / 256
    y = luma(img) if img.ndim == 3 else img.astype(np.float32)
    return cv2.GaussianBlur(y, (0, 0), 1.0 * s) - cv2.GaussianBlur(y, (0, 0), 4.0 * s)


def _flow_mag(src: np.ndarray, dst: np.ndarray, size: int) -> np.ndarray:
    """Displacement (px at `size`) from `src` to `dst`, two decodes, by DIS at its MEDIUM preset
    (the compositor uses ULTRAFAST: a different estimate, so the metric does not grade itself)."""
    g0, g1 = (cv2.resize(cv2.cvtColor(x, cv2.COLOR_RGB2GRAY), (size, size), interpolation=cv2.INTER_CUBIC)
              for x in (src, dst))
    flow = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc(g0, g1, None)
    return np.sqrt((flow**2).sum(-1))


def ghosting(frame: np.ndarray, dec_mid: np.ndarray, photos: list[np.ndarray], decodes: list[np.ndarray],
             min_shift: float = 2.0) -> float:
    """Double-feature score of a middle frame (see the module docstring); 0 = none, ~0.5 = cross-fade.

    `dec_mid` and `decodes` are the model's small decodes of the middle latent and of each cat;
    `photos` the cats' crops at the frame's size.
    """
    size = frame.shape[0]
    up = cv2.resize(dec_mid, (size, size), interpolation=cv2.INTER_CUBIC)
    detail = _band(frame.astype(np.float32) - up, size)
    scores = []
    for photo, dec in zip(photos, decodes, strict=True):
        own = _band(photo.astype(np.float32) - cv2.resize(dec, (size, size), interpolation=cv2.INTER_CUBIC), size)
        moving = _flow_mag(dec_mid, dec, size) > min_shift * size / 256
        if moving.mean() < 0.02:
            scores.append(0.0)  # the cats' features coincide: nothing can be doubled
            continue
        a, b = detail[moving], own[moving]
        den = float((b * b).sum())
        scores.append(max(0.0, float((a * b).sum()) / den) if den > 0 else 0.0)
    return float(np.mean(scores))
