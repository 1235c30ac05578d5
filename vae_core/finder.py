"""Finding cat heads in ordinary photos: the learned finder, and the old Haar scan for comparison.

`find(img)` returns every head it sees, best first, as `Detection`s in the pixels of `img`.
Intake uses the best one when its score clears `threshold`; below it the bots ask the user to tap
the face rather than silently mixing the middle of the photo.

The shipped finder is the learned one (finder_net.py, weights/finder.safetensors); a checkout without
that file falls back to `HaarFinder`, which has the same interface and is kept for side-by-side benchmarks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from PIL import Image

FINDER_WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "finder.safetensors"

# Framing of the training faces (cats64) relative to a labelled head box (square, ears included):
# crop side = CROP_PER_HEAD * head side, crop centre = head centre + CROP_SHIFT_Y * head side (down).
# Measured on the scenes where the Haar box and the labelled head agree (head = 1.05 Haar box,
# Haar centre 0.10 head below the head centre; crop = Haar box / 0.859).
CROP_PER_HEAD = 1.108
CROP_SHIFT_Y = 0.10


@dataclass(frozen=True)
class Detection:
    """One cat head: `box` (x0, y0, x1, y1) in image pixels, `score` in 0..1, `angle` the head's
    roll in degrees (positive: the head leans clockwise); rotating the crop by -angle makes it upright."""

    box: tuple[float, float, float, float]
    score: float
    angle: float = 0.0

    @property
    def side(self) -> float:
        return max(self.box[2] - self.box[0], self.box[3] - self.box[1])

    @property
    def center(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


class Finder(Protocol):
    threshold: float

    def find(self, img: Image.Image, floor: float | None = None) -> list[Detection]:
        """Heads in `img`, best first. Detections scoring under `floor` (default: `threshold`) may be
        left out, which lets a finder skip work on candidates that cannot matter."""
        ...


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


def crop_square(det: Detection) -> tuple[float, float, float, float]:
    """The square the model sees for a head (the cats64 framing), before clamping to the image."""
    cx, cy = det.center
    side = CROP_PER_HEAD * det.side
    cy += CROP_SHIFT_Y * det.side
    return cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2


_finder: Finder | None = None
_finder_lock = threading.Lock()


def load_finder(weights: str | Path | None = None) -> Finder:
    """The shipped finder (loaded once per process); the Haar finder until weights exist."""
    global _finder
    with _finder_lock:
        if weights is not None or _finder is None:
            path = Path(weights) if weights is not None else FINDER_WEIGHTS
            if path.exists():
                from vae_core.finder_net import NetFinder  # noqa: PLC0415  (torch model, loaded lazily)

                f: Finder = NetFinder.load(path)
            else:
                f = HaarFinder()
            if weights is not None:
                return f
            _finder = f
    return _finder
