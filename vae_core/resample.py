"""Resizing photos on the request path, fast and without aliasing.

Every /mix resizes each photo several times (the finder's input, the verifier's crops, the model's
64 px crop, the picture's crop). OpenCV's area filter is the right one for shrinking, but its
general path is slow (0.57 ms for 512 -> 33 px on one core) while whole-number factors take a fast
path (0.15 ms for 510 -> 34). So a shrink is done in two steps: an area reduction by the largest
whole factor that leaves at least the target size, then an area filter over the remaining ratio,
which is under 2 and works on a small image. The trim that makes the factor whole moves the
framing by up to half a source pixel per factor, and the second pass resamples on another grid:
fine for the finder's inputs, not for the crops people and the model see, which take `exact=True`
(OpenCV's one-pass area filter, 0.4 ms for a 450 px head to 64 px). Enlarging uses bicubic.
"""

from __future__ import annotations

import cv2
import numpy as np


def resize(a: np.ndarray, size: tuple[int, int], exact: bool = False) -> np.ndarray:
    """`a` (HxW or HxWxC uint8) to `size` = (width, height), area-averaged when shrinking."""
    w, h = size
    sh, sw = a.shape[:2]
    if (sw, sh) == (w, h):
        return a
    if w > sw or h > sh:
        return cv2.resize(a, (w, h), interpolation=cv2.INTER_CUBIC)
    k = min(sw // w, sh // h)
    if k >= 2 and not exact:
        # trim to a multiple of k (centred; under k pixels each way) so OpenCV takes its whole-factor path
        tw, th = sw // k * k, sh // k * k
        x0, y0 = (sw - tw) // 2, (sh - th) // 2
        a = cv2.resize(a[y0:y0 + th, x0:x0 + tw], (tw // k, th // k), interpolation=cv2.INTER_AREA)
        if a.shape[1] == w and a.shape[0] == h:
            return a
    return cv2.resize(a, (w, h), interpolation=cv2.INTER_AREA)
