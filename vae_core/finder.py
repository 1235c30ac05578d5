"""Finding cat heads in ordinary photos: the learned finder, and the old Haar scan for comparison.

`find(img)` returns every head it sees, best first, as `Detection`s in the pixels of `img`.
Intake uses the best one when its score clears `threshold`; below it the bots ask the user to tap
the face rather than silently mixing the middle of the photo.

The shipped finder is the learned one (finder_net.py, weights/finder.safetensors); a checkout without
that file falls back to `HaarFinder`, which has the same interface and is kept for side-by-side benchmarks.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

# Detection, Finder and crop_square live in vae_core.detection; they stay importable from here for
# the many callers (trainer, tests) that name them through this module.
from vae_core.detection import CROP_PER_HEAD, CROP_SHIFT_Y, Detection, Finder, crop_square

__all__ = ["CROP_PER_HEAD", "CROP_SHIFT_Y", "FINDER_WEIGHTS", "Detection", "Finder", "HaarFinder", "crop_square",
           "load_finder"]

FINDER_WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "finder.safetensors"


class HaarFinder:
    """OpenCV's frontal cat-face cascades on a 128 px grey copy: the finder before the learned one,
    kept for side-by-side benchmarks. Its boxes are converted to the head-box convention."""

    threshold = 0.5
    DETECT_SIDE = 128

    def __init__(self) -> None:
        base = Path(cv2.data.haarcascades)
        self._cascades = []
        for name in ("haarcascade_frontalcatface_extended.xml", "haarcascade_frontalcatface.xml"):
            c = cv2.CascadeClassifier(str(base / name))
            if c.empty():
                raise RuntimeError(f"OpenCV cascade {name} is missing: install opencv-python-headless<5")
            self._cascades.append(c)
        self._lock = threading.Lock()  # CascadeClassifier is not documented as thread-safe

    def find(self, img: Image.Image, floor: float | None = None) -> list[Detection]:
        w, h = img.size
        scale = self.DETECT_SIDE / max(w, h)
        grey = img.convert("L").resize((max(1, round(w * scale)), max(1, round(h * scale))),
                                       Image.Resampling.BILINEAR)
        arr = cv2.equalizeHist(np.asarray(grey))
        boxes: list[tuple[int, int, int, int]] = []
        with self._lock:
            for cascade in self._cascades:
                found = cascade.detectMultiScale(arr, scaleFactor=1.1, minNeighbors=2,
                                                 minSize=(self.DETECT_SIDE // 6, self.DETECT_SIDE // 6))
                boxes = [tuple(int(v) for v in b) for b in found] if len(found) else []
                if boxes:
                    break
        dets = []
        for x, y, bw, bh in sorted(boxes, key=lambda b: -b[2] * b[3]):
            side = 1.05 * bw / scale
            cx, cy = (x + bw / 2) / scale, (y + bh / 2) / scale - 0.10 * side
            dets.append(Detection((cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2), 1.0))
        return dets


_finder: Finder | None = None
_finder_lock = threading.Lock()


def load_finder(weights: str | Path | None = None) -> Finder:
    """The shipped finder (loaded once per process); the Haar finder until weights exist."""
    global _finder
    with _finder_lock:
        if weights is not None or _finder is None:
            path = Path(weights) if weights is not None else FINDER_WEIGHTS
            if path.exists():
                # torch is imported only when the learned finder is loaded (one direction: finder_net
                # imports vae_core.detection, never this module)
                from vae_core.finder_net import NetFinder  # noqa: PLC0415

                f: Finder = NetFinder.load(path)
            else:
                f = HaarFinder()
            if weights is not None:
                return f
            _finder = f
    return _finder
