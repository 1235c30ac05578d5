"""Image intake: bytes from a chat upload -> the cat-face square (64 px for the model, 384 px for
the picture the user sees), or a typed error.

Uploads are ordinary phone photos, so we decode defensively (limits checked from the header
before pixels are decoded), find the cat face with OpenCV's Haar cascades, and crop it with the
training data's framing (face box ~0.86 of the crop width, centred).
"""

from __future__ import annotations

import io
import struct
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from vae_core.errors import IntakeError

ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP"}
FACE_FRACTION = 0.859  # face-box width / crop width in the training crops
DETECT_SIDE = 128  # longest side of the grey copy the cascades scan (measured: best speed/recall)
WORK_SIDE = 1024  # photos are reduced to this before cropping: the model sees 64 px anyway
HI_SIDE = 384  # the same square at picture resolution: the mix's end frames show the real cat


@dataclass(frozen=True)
class IntakeLimits:
    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 40_000_000  # Pillow's bomb warning starts at ~89 Mpx
    min_side: int = 32


@dataclass(frozen=True)
class CropReport:
    """What intake did with one upload: shown to users ("no cat face found...") and logged."""

    face_found: bool
    box: tuple[int, int, int, int]  # crop square (left, top, right, bottom) in the upright image
    source_size: tuple[int, int]
    source_format: str
    animated: bool = False  # only the first frame was used
    flattened: bool = False  # transparency was flattened onto white


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def decode_image(data: bytes, limits: IntakeLimits = IntakeLimits()) -> tuple[Image.Image, dict]:
    """Bytes -> upright RGB image (longest side at most WORK_SIDE) plus facts for the report."""
    if len(data) > limits.max_bytes:
        raise IntakeError("too_large", f"That file is {_mb(len(data))}; the limit is {_mb(limits.max_bytes)}.",
                          size=len(data), limit=limits.max_bytes)
    if not data:
        raise IntakeError("not_image", "That file is empty, not a photo.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            fmt = img.format or "?"
            if fmt not in ALLOWED_FORMATS:
                raise IntakeError("unsupported", f"{fmt} images aren't supported; please send a JPEG, PNG, WebP, "
                                  "GIF or BMP photo.", format=fmt)
            w, h = img.size
            if w * h > limits.max_pixels:
                raise IntakeError("too_many_pixels", f"That image is {w}x{h} pixels, too big to process; "
                                  f"please send one under {limits.max_pixels // 1_000_000} megapixels.",
                                  width=w, height=h, limit=limits.max_pixels)
            if min(w, h) < limits.min_side:
                raise IntakeError("too_small", f"That image is only {w}x{h} pixels; I need at least "
                                  f"{limits.min_side} px on each side.", width=w, height=h, limit=limits.min_side)
            animated = bool(getattr(img, "is_animated", False))
            if fmt in ("JPEG", "MPO"):
                img.draft("RGB", (WORK_SIDE, WORK_SIDE))  # DCT scaling: decode big photos at reduced size
            img.seek(0)
            img.load()
            img = ImageOps.exif_transpose(img)
            img, flattened = _to_rgb(img)
    except IntakeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise IntakeError("too_many_pixels", "That image is too big to process; please send a smaller one.") from e
    except UnidentifiedImageError as e:
        raise IntakeError("not_image", "That file isn't an image I can read; please send a photo.") from e
    except (OSError, ValueError, SyntaxError, EOFError, struct.error, MemoryError) as e:
        raise IntakeError("corrupt", "That image looks damaged or incomplete; please send it again.") from e
    if max(img.size) > WORK_SIDE:
        img.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return img, {"source_size": (w, h), "source_format": fmt, "animated": animated, "flattened": flattened}


def _to_rgb(img: Image.Image) -> tuple[Image.Image, bool]:
    """Any mode -> RGB; transparency goes onto white (chat apps show it on a light background)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        hi = arr.max() if arr.size else 1.0
        scale = 255.0 / 65535.0 if hi > 255 else (255.0 if img.mode == "F" and hi <= 1.0 else 1.0)
        img = Image.fromarray(np.clip(arr * scale, 0, 255).astype(np.uint8), "L")
    has_alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (img.mode == "P" and "transparency" in img.info)
    if has_alpha:
        rgba = img.convert("RGBA")
        if rgba.getextrema()[3][0] < 255:
            bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(bg, rgba).convert("RGB"), True
        return rgba.convert("RGB"), False
    return (img if img.mode == "RGB" else img.convert("RGB")), False


_cascades_lock = threading.Lock()
_cascades: list[cv2.CascadeClassifier] | None = None


def _load_cascades() -> list[cv2.CascadeClassifier]:
    global _cascades
    with _cascades_lock:
        if _cascades is None:
            base = Path(cv2.data.haarcascades)
            found = []
            for name in ("haarcascade_frontalcatface_extended.xml", "haarcascade_frontalcatface.xml"):
                c = cv2.CascadeClassifier(str(base / name))
                if c.empty():
                    raise RuntimeError(f"OpenCV cascade {name} is missing: install opencv-python-headless<5")
                found.append(c)
            _cascades = found
    return _cascades


def find_face(img: Image.Image) -> tuple[int, int, int, int] | None:
    """Best cat-face box (x, y, w, h) in `img` coordinates, or None.

    Scans a small grey copy (faces in chat photos are large; on the 48 sample photos a 128 px scan
    finds as many faces as a 256 px one at a third of the time). Small images are scaled *up* so
    already-cropped 64 px faces are still found.
    """
    w, h = img.size
    scale = DETECT_SIDE / max(w, h)
    grey = img.convert("L").resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BILINEAR)
    arr = cv2.equalizeHist(np.asarray(grey))
    best, best_area = None, 0
    for cascade in _load_cascades():
        boxes = cascade.detectMultiScale(arr, scaleFactor=1.1, minNeighbors=2,
                                         minSize=(DETECT_SIDE // 6, DETECT_SIDE // 6))
        for (x, y, bw, bh) in (boxes if len(boxes) else []):
            if bw * bh > best_area:
                best, best_area = (x, y, bw, bh), bw * bh
        if best is not None:
            break  # the extended cascade found one: the second scan would only cost time
    if best is None:
        return None
    x, y, bw, bh = best
    return round(x / scale), round(y / scale), round(bw / scale), round(bh / scale)


def crop_box(img_size: tuple[int, int], face: tuple[int, int, int, int] | None) -> tuple[int, int, int, int]:
    """Square crop matching the training framing around `face`, kept inside the image;
    the centred square when there is no face."""
    w, h = img_size
    if face is None:
        s = min(w, h)
        left, top = (w - s) // 2, (h - s) // 2
        return left, top, left + s, top + s
    x, y, bw, bh = face
    side = min(round(max(bw, bh) / FACE_FRACTION), w, h)
    cx, cy = x + bw / 2, y + bh / 2
    left = int(round(min(max(cx - side / 2, 0), w - side)))
    top = int(round(min(max(cy - side / 2, 0), h - side)))
    return left, top, left + side, top + side


def cut_square(img: Image.Image, box: tuple[int, int, int, int], sizes: Sequence[int]) -> list[np.ndarray]:
    """The one place a face square is cut out of the upright photo, once per requested side.

    Every size comes from the full-size photo (never one crop scaled from another) so the 384 px
    picture keeps the photo's real fur; kept in one function so rotation can be added here.
    """
    return [np.asarray(img.resize((s, s), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0), dtype=np.uint8)
            for s in sizes]


def crop_face(img: Image.Image, size: int = 64,
              detect: bool = True) -> tuple[np.ndarray, tuple[int, int, int, int], bool]:
    face = find_face(img) if detect else None
    box = crop_box(img.size, face)
    return cut_square(img, box, (size,))[0], box, face is not None


class Prepared(NamedTuple):
    """One upload ready to mix: `crop` the model's input, `hi` the same square at HI_SIDE px."""

    crop: np.ndarray
    hi: np.ndarray
    report: CropReport


def prepare(data: bytes, limits: IntakeLimits = IntakeLimits(), size: int = 64,
            timings: dict[str, float] | None = None, hi_side: int = HI_SIDE) -> Prepared:
    """Bytes -> Prepared(size px crop, hi_side px crop of the same square, report).
    Raises IntakeError for unusable files. Adds seconds spent decoding and face-finding to
    `timings` when given (benchmarks)."""
    t0 = time.perf_counter()
    img, facts = decode_image(data, limits)
    t1 = time.perf_counter()
    face = find_face(img)
    box = crop_box(img.size, face)
    crop, hi = cut_square(img, box, (size, hi_side))
    if timings is not None:
        timings["decode_image"] = timings.get("decode_image", 0.0) + t1 - t0
        timings["find_face"] = timings.get("find_face", 0.0) + time.perf_counter() - t1
    return Prepared(crop, hi, CropReport(face_found=face is not None, box=box, **facts))
