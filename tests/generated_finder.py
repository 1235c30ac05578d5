"""A finder for the generated test faces (image_factory.synthetic_faces), so bot and engine tests
don't depend on what the learned finder makes of drawn discs.

It really looks: the generated faces have two pure green eyes, so it finds green blobs, pairs
them, and derives the head box from the eye distance and the eye line's angle, as the real
finder's `Detection` would describe it. A photo without such eyes (a gradient, a real cat) gets
no detection, which is how tests reach the "where's the face?" flow.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

from vae_core.finder import Detection

EYE = np.array([26, 153, 26], dtype=np.int16)  # image_factory's (0.1, 0.6, 0.1)
HEAD_PER_EYE_GAP = 3.5  # head side / distance between the eyes (radius ~0.35, eyes 0.2 apart)


DOG_MARK = (255, 0, 0)  # a photo whose top-left pixels are pure red shows a "dog" (see `dog_photo`)


def dog_photo(face: np.ndarray) -> bytes:
    """A generated face marked as a dog's (a red corner), as a lossless PNG so the mark stays exact."""
    import io

    marked = face.copy()
    marked[:6, :6] = DOG_MARK
    buf = io.BytesIO()
    Image.fromarray(marked).save(buf, format="PNG")
    return buf.getvalue()


class GeneratedFaceFinder:
    """`find` reports cats' heads only; `look` (vae_core.detection.look) also reports the heads of
    photos marked as dogs, with `kind="dog"`, as the learned finder's kind net does."""

    threshold = 0.5

    def find(self, img: Image.Image, floor: float | None = None) -> list[Detection]:
        return [] if _is_dog(img) else self._heads(img)

    def look(self, img: Image.Image, floor: float | None = None) -> list[Detection]:
        kind = "dog" if _is_dog(img) else "cat"
        return [Detection(d.box, d.score, d.angle, kind) for d in self._heads(img)]

    def _heads(self, img: Image.Image) -> list[Detection]:
        arr = np.asarray(img.convert("RGB"), dtype=np.int16)
        mask = (np.abs(arr - EYE).max(axis=2) < 40).astype(np.uint8)
        n, _, stats, centroids = cv2.connectedComponentsWithStats(mask)
        # Eyes are small filled discs; green background patches are big, thin or ragged.
        eyes = []
        for i in range(1, n):
            area, w, h = stats[i, cv2.CC_STAT_AREA], stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]
            if 6 <= area <= 0.015 * mask.size and 0.5 <= w / h <= 2.0 and area >= 0.65 * w * h:
                eyes.append((centroids[i], area))
        # a face is one pair of eyes of about the same size; none, or several pairs, is no answer
        pairs = [(a, b) for i, (a, sa) in enumerate(eyes) for b, sb in eyes[i + 1:] if max(sa, sb) < 1.6 * min(sa, sb)]
        if len(pairs) != 1:
            return []
        (x0, y0), (x1, y1) = sorted(pairs[0], key=lambda c: c[0])
        gap = math.hypot(x1 - x0, y1 - y0)
        side = HEAD_PER_EYE_GAP * gap
        angle = math.degrees(math.atan2(y1 - y0, x1 - x0))  # eye line tilted down to the right: clockwise
        # The head centre lies a little below the eye line, perpendicular to it.
        nx, ny = -math.sin(math.radians(angle)), math.cos(math.radians(angle))
        cx, cy = (x0 + x1) / 2 + nx * 0.25 * gap, (y0 + y1) / 2 + ny * 0.25 * gap
        return [Detection((cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2), 0.9, angle)]


def _is_dog(img: Image.Image) -> bool:
    corner = np.asarray(img.convert("RGB"))[:4, :4].reshape(-1, 3)
    return bool((np.abs(corner.astype(int) - DOG_MARK).max(axis=1) < 8).all())
