"""The request path's shrink (`resample.resize`): its whole-factor shortcut must stay an area filter in
effect, on a real photo and on the pattern that shows aliasing at once; `exact` and enlarging keep
OpenCV's own filters."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from vae_core import resample

DEMO = Path(__file__).resolve().parents[2] / "vae_core" / "demo_photos"


def _photo() -> np.ndarray:
    path = sorted(DEMO.glob("*.jpg"))[0]
    return np.asarray(Image.open(path).convert("RGB"))


def test_fast_shrink_matches_the_area_filter_on_a_real_photo() -> None:
    a = _photo()
    for side in (256, 190, 48):  # ratios under 2, between whole factors, and large
        h, w = a.shape[:2]
        size = (round(w * side / max(w, h)), round(h * side / max(w, h)))
        fast = resample.resize(a, size).astype(float)
        exact = cv2.resize(a, size, interpolation=cv2.INTER_AREA).astype(float)
        assert fast.shape == exact.shape
        assert np.abs(fast - exact).mean() < 6, side  # the shortcut's trim and second grid: 3-5 grey levels


def test_fast_shrink_does_not_alias_a_fine_grating() -> None:
    """One-pixel black and white stripes shrunk by 3.9 (a whole factor of 3, then the rest): an area
    filter gives an even grey; plain bilinear sampling keeps stripes (beats) of most of the contrast."""
    stripes = np.zeros((780, 1000, 3), np.uint8)
    stripes[:, ::2] = 255
    size = (256, 200)
    fast = resample.resize(stripes, size).astype(float)
    naive = cv2.resize(stripes, size, interpolation=cv2.INTER_LINEAR).astype(float)
    area = cv2.resize(stripes, size, interpolation=cv2.INTER_AREA).astype(float)
    assert naive.std() > 60  # the pattern does alias without a filter (about 73 grey levels)
    assert area.std() < 6
    assert fast.std() < 20  # the shortcut leaves a weak beat (about 17), a quarter of the unfiltered one
    assert abs(fast.mean() - 127.5) < 3


def test_exact_and_enlarging_keep_their_filters() -> None:
    a = _photo()
    exact = resample.resize(a, (64, 64), exact=True)
    assert np.array_equal(exact, cv2.resize(a, (64, 64), interpolation=cv2.INTER_AREA))
    big = resample.resize(a[:50, :50], (120, 120))
    assert np.array_equal(big, cv2.resize(a[:50, :50], (120, 120), interpolation=cv2.INTER_CUBIC))
