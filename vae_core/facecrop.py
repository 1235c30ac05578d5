"""From a photo to the square the VAE sees: where the head is (`locate`) and cutting it out (`cut`).

`locate` asks the finder, keeps the most confident head and counts the cats it is sure about; with a
`FaceHint` (the user tapped a cell of the 3x3 grid, or "whole photo") it searches only there.
`cut` turns the square into pixels: rotated upright when the finder gives the head's roll, and
padded by repeating the edge where the square runs off the photo (a head at the border keeps the
training framing instead of sliding off-centre).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from vae_core import resample
from vae_core.detection import Detection, Finder, crop_square, look
from vae_core.finder import load_finder
from vae_core.hints import FaceHint, cell_square, search_box, whole_square

Box = tuple[float, float, float, float]

# Rotate crops upright by the finder's roll, so the mix shows the face level (issue 22). Measured before
# (`python -m trainer.upright_check`, 74 tilted held-out heads): reconstruction PSNR 25.15 dB axis-aligned vs
# 25.19 dB upright, so turning costs the model nothing; the gain is the level face people see. Only from
# MIN_ANGLE on: the roll is known to about 5 degrees (AFHQ close-ups turned 30 degrees: p50 error 5.0), so
# smaller rolls are left alone rather than turned by noise.
ROTATE_UPRIGHT = True
MIN_ANGLE = 10.0  # degrees
# A square running off the photo is first slid back in by up to this fraction of its side (a head
# slightly off-centre reads fine); whatever still sticks out is padded.
MAX_SHIFT = 0.12
# In a hinted search the user has told us there is a cat there, so a weaker detection will do.
HINT_RELAX = 0.5
# Two confident boxes overlapping more than this are the same cat seen twice.
SAME_CAT_IOU = 0.3
# A confident box touching a surer head and under this fraction of its size is a part of that cat.
PART_OF_HEAD = 0.25


@dataclass(frozen=True)
class Located:
    """Where the face is in one photo: `square` is what the model will see (image pixels, may run
    past the borders), `head` the head box found (None when nothing was), `found` whether a
    confident head was found, `cats` how many distinct confident heads there were, `hint` the
    user's hint token when one was used, `dog` whether the head is a dog's (then `found` is False
    unless the hint was FaceHint.mix_anyway(); `square` is the dog's face square either way)."""

    square: Box
    head: Box | None
    found: bool
    score: float = 0.0
    angle: float = 0.0
    cats: int = 0
    hint: str | None = None
    dog: bool = False


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def count_cats(dets: Sequence[Detection], threshold: float) -> int:
    """Distinct confident heads. A finder may report one head twice at neighbouring scales, or a part
    of it (an ear, the chin, a tuft at its edge) as a small head of its own, so a box is the same cat
    as a surer one when it overlaps it much, is centred inside it, or touches it while under
    PART_OF_HEAD of its size (another cat's head can touch this one's, but not sit in it, and a cat
    at the same distance is not a tenth of this one's size)."""
    kept: list[Detection] = []
    for d in sorted(dets, key=lambda d: -d.score):
        if d.score >= threshold and not any(_same_cat(d, k) for k in kept):
            kept.append(d)
    return len(kept)


def _same_cat(d: Detection, surer: Detection) -> bool:
    (x0, y0, x1, y1), (cx, cy) = surer.box, d.center
    touching = d.box[0] < x1 and d.box[2] > x0 and d.box[1] < y1 and d.box[3] > y0
    return (iou(d.box, surer.box) > SAME_CAT_IOU or (x0 <= cx <= x1 and y0 <= cy <= y1)
            or (touching and d.side < PART_OF_HEAD * surer.side))


def shift_inside(square: Box, size: tuple[int, int], max_shift: float = MAX_SHIFT) -> Box:
    """Slide `square` back towards the photo by at most `max_shift` of its side per axis."""
    x0, y0, x1, y1 = square
    side = x1 - x0
    limit = max_shift * side
    dx = _axis_shift(x0, x1, size[0], limit)
    dy = _axis_shift(y0, y1, size[1], limit)
    return x0 + dx, y0 + dy, x1 + dx, y1 + dy


def _axis_shift(lo: float, hi: float, extent: float, limit: float) -> float:
    if hi - lo >= extent:  # wider than the photo: keep it centred where it is, pad both sides
        return 0.0
    if lo < 0:
        return min(-lo, limit)
    if hi > extent:
        return -min(hi - extent, limit)
    return 0.0


def _from_detection(det: Detection, size: tuple[int, int], cats: int, hint: str | None,
                    found: bool = True) -> Located:
    return Located(shift_inside(crop_square(det), size), det.box, found, det.score, det.angle, cats, hint,
                   det.kind == "dog")


def locate(img: Image.Image, finder: Finder | None = None, hint: FaceHint | None = None) -> Located:
    """The square to crop, found by the finder (most confident cat head), or where the hint says.

    Without a hint and without a confident cat head, `found` is False: `square` is a confident dog's
    face square (`dog` True: a dog photo is never taken for a cat; a dog beside a cat loses to the cat),
    else the centred square. Intake decides whether that may be used (the CLI) or the user must be asked
    (chat). `FaceHint.mix_anyway()` takes the most confident head of any kind, dog or cat.
    """
    finder = finder or load_finder()
    if hint is not None and hint.whole:
        return Located(whole_square(img.size), None, False, hint=hint.token())
    if hint is not None and hint.cell is not None:
        return _locate_in_cell(img, finder, hint)
    dets = look(finder, img)
    cat_heads = [d for d in dets if d.kind == "cat"]
    cats = count_cats(cat_heads, finder.threshold)
    if cat_heads and cat_heads[0].score >= finder.threshold:
        return _from_detection(cat_heads[0], img.size, cats, hint.token() if hint else None)
    dogs = [d for d in dets if d.kind == "dog" and d.score >= finder.threshold]
    if dogs:
        return _from_detection(dogs[0], img.size, 0, hint.token() if hint else None, found=hint is not None)
    return Located(whole_square(img.size), None, False, cat_heads[0].score if cat_heads else 0.0,
                   hint=hint.token() if hint else None)


def _locate_in_cell(img: Image.Image, finder: Finder, hint: FaceHint) -> Located:
    """Search the tapped cell (grown, so a head across a cell edge is whole), then fall back to a
    square centred on the cell."""
    assert hint.cell is not None
    x0, y0, x1, y1 = search_box(img.size, hint.cell)
    bar = finder.threshold * HINT_RELAX
    dets = finder.find(img.crop((x0, y0, x1, y1)), floor=bar) if x1 - x0 >= 16 and y1 - y0 >= 16 else []
    for d in dets:  # best first
        if d.score < bar:
            break
        moved = Detection((d.box[0] + x0, d.box[1] + y0, d.box[2] + x0, d.box[3] + y0), d.score, d.angle)
        return _from_detection(moved, img.size, 1, hint.token())
    return Located(shift_inside(cell_square(img.size, hint.cell), img.size), None, False, hint=hint.token())


def cut(img: Image.Image, square: Box, sizes: Sequence[int], angle: float = 0.0) -> list[np.ndarray]:
    """The square as `size` x `size` RGB uint8 arrays, one per size.

    Rotated by -angle around its centre (upright head) when |angle| >= MIN_ANGLE; parts outside
    the photo repeat its edge. Each size is cut from the photo itself (area filter when shrinking,
    bicubic when enlarging: vae_core.resample), so the model's 64 px crop, and so the latent, is
    the same whatever picture size is cut with it. On one core this is 1.2 ms for a 450 px head cut
    to 256 and 64 px, where Pillow's Lanczos took 3.3 ms.
    """
    rotate = ROTATE_UPRIGHT and abs(angle) >= MIN_ANGLE
    x0, y0, x1, y1 = (round(v) for v in square)
    if not rotate and x0 >= 0 and y0 >= 0 and x1 <= img.width and y1 <= img.height and x1 > x0 and y1 > y0:
        region = np.asarray(img)[y0:y1, x0:x1]
    else:  # one warp into an intermediate about as fine as the photo serves every size
        region = _warp(img, square, max(sizes), angle if rotate else 0.0)
    return [np.ascontiguousarray(resample.resize(region, (n, n), exact=True), dtype=np.uint8) for n in sizes]


def _warp(img: Image.Image, square: Box, size: int, angle: float) -> np.ndarray:
    """Rotate-and-cut into an intermediate about as fine as the photo (at most 1.25x `size`), for
    `cut` to shrink to each size: a bilinear warp straight to a small output would skip pixels and
    alias."""
    x0, y0, x1, y1 = square
    side = x1 - x0
    step = min(max(size, round(side)), round(1.25 * size))  # the intermediate's side
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    th = math.radians(angle)
    cos, sin = math.cos(th), math.sin(th)
    reach = side / 2 * (abs(cos) + abs(sin)) + 2  # half-extent of the rotated square, plus a margin
    rx0, ry0 = max(0, math.floor(cx - reach)), max(0, math.floor(cy - reach))
    rx1, ry1 = min(img.width, math.ceil(cx + reach)), min(img.height, math.ceil(cy + reach))
    if rx1 - rx0 < 2 or ry1 - ry0 < 2:  # the square lies off the photo entirely: nothing to show
        rx0, ry0, rx1, ry1 = 0, 0, img.width, img.height
    # Shrink the region first to about the intermediate's scale.
    f = side / step if side > 1.05 * step else 1.0
    rw, rh = (max(2, round((rx1 - rx0) / f)), max(2, round((ry1 - ry0) / f))) if f > 1 else (rx1 - rx0, ry1 - ry0)
    region = np.asarray(img.crop((rx0, ry0, rx1, ry1)), dtype=np.uint8)
    if f > 1:  # area averaging: every photo pixel counts, no aliasing
        region = resample.resize(region, (rw, rh))
    sx, sy = (rx1 - rx0) / rw, (ry1 - ry0) / rh  # region pixel -> photo pixel
    k = side / step
    # Intermediate pixel centre (u + .5, v + .5) -> photo point c + k R (u + .5 - step/2, ...); R turns
    # the output's axes clockwise by `angle`, so the head's leaning "up" becomes the output's up.
    a, b, c, d = k * cos, -k * sin, k * sin, k * cos
    off = 0.5 - step / 2
    px, py = cx + a * off + b * off, cy + c * off + d * off  # photo point of intermediate pixel (0, 0)
    m = np.array([[a / sx, b / sx, (px - rx0) / sx - 0.5],
                  [c / sy, d / sy, (py - ry0) / sy - 0.5]], dtype=np.float64)
    out = cv2.warpAffine(region, m, (step, step), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                         borderMode=cv2.BORDER_REPLICATE)
    return out
