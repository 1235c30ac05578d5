"""Is this head a person's? OpenCV's own frontal human-face cascade, asked about one candidate at a time.

The cat finder was never shown people (no photo of a person ships in the training data), and a selfie
with a cat is one of the most common cat photos: a person's face can score as a cat's. The cascade
ships inside opencv-python-headless (`cv2.data.haarcascades`, 0.9 MB, no download) and is run only on
the square around a confident candidate, shrunk to SIDE px: about a millisecond, where a scan of the
whole photo would cost more and find faces in every poster. A candidate is a person's when the cascade
finds a face centred in it, of about its size. Measured on the training scenes' 399 cat heads, see the
finder's model card (real cat heads it takes for a person's).
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from vae_core.detection import Detection

CASCADE = "haarcascade_frontalface_alt2.xml"
SIDE = 96  # the candidate's context square is looked at this size
CONTEXT = 1.6  # context square / head side
MIN_NEIGHBORS = 5
# Between the cascade's window sizes. 1.2 rather than OpenCV's usual 1.1: on the train and test scenes it
# flags every one of the 262 pasted faces either way, but 1 of 297 labelled cat heads instead of 10, in
# 1.7 ms a call instead of 2.9 (model card, finder follow-up).
SCALE_FACTOR = 1.2
SIZE_RANGE = (0.45, 1.5)  # a face this many head sides wide counts


class HumanFaces:
    def __init__(self, cascade: str = CASCADE, min_neighbors: int = MIN_NEIGHBORS):
        path = Path(cv2.data.haarcascades) / cascade
        self._cascade = cv2.CascadeClassifier(str(path))
        if self._cascade.empty():
            raise RuntimeError(f"OpenCV cascade {cascade} is missing: install opencv-python-headless<5")
        self.min_neighbors = min_neighbors
        self._lock = threading.Lock()  # CascadeClassifier is not documented as thread-safe

    def faces_near(self, img: Image.Image | np.ndarray, det: Detection) -> list[tuple[float, float, float]]:
        """Human faces found in the candidate's context square, as (cx, cy, width) in image pixels."""
        w, h = img.size if isinstance(img, Image.Image) else (img.shape[1], img.shape[0])
        cx, cy = det.center
        half = det.side * CONTEXT / 2
        x0, y0 = max(0, int(cx - half)), max(0, int(cy - half))
        x1, y1 = min(w, int(cx + half) + 1), min(h, int(cy + half) + 1)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        # only the square is copied out of the photo
        region = np.asarray(img.crop((x0, y0, x1, y1))) if isinstance(img, Image.Image) else img[y0:y1, x0:x1]
        k = SIDE / (2 * half)
        grey = cv2.cvtColor(region, cv2.COLOR_RGB2GRAY) if region.ndim == 3 else region
        grey = cv2.resize(grey, (max(8, round((x1 - x0) * k)), max(8, round((y1 - y0) * k))),
                          interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
        grey = cv2.equalizeHist(grey)
        least = max(20, int(SIZE_RANGE[0] * det.side * k))
        with self._lock:
            found = self._cascade.detectMultiScale(grey, scaleFactor=SCALE_FACTOR, minNeighbors=self.min_neighbors,
                                                   minSize=(least, least))
        return [(x0 + (fx + fw / 2) / k, y0 + (fy + fh / 2) / k, fw / k) for fx, fy, fw, fh in
                (found if len(found) else [])]

    def is_person(self, img: Image.Image | np.ndarray, det: Detection) -> bool:
        """A human face centred inside the candidate's box, SIZE_RANGE of its side wide."""
        bx0, by0, bx1, by1 = det.box
        return any(bx0 <= fx <= bx1 and by0 <= fy <= by1 and SIZE_RANGE[0] <= fw / det.side <= SIZE_RANGE[1]
                   for fx, fy, fw in self.faces_near(img, det))
