"""Image intake: bytes from a chat upload -> the cat-face square (64 px for the model, 384 px for
the picture the user sees), or a typed error.

Uploads are ordinary phone photos, so we decode defensively (limits checked from the header
before pixels are decoded), find the cat's head with the finder (vae_core.finder; the most
confident head when there are several) and cut it with the training data's framing, upright
(vae_core.facecrop). Whether a photo without a confident head may be used is the caller's call:
the report says `face_found=False` and the square is the middle of the photo.
"""

from __future__ import annotations

import io
import struct
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from vae_core.errors import IntakeError
from vae_core.facecrop import Located, cut, locate
from vae_core.finder import Finder
from vae_core.hints import FaceHint

ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP"}
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

    face_found: bool  # the finder found a head with confidence (in the hinted cell, if a hint was given)
    box: tuple[int, int, int, int]  # crop square (left, top, right, bottom) in the upright image; may run past it
    source_size: tuple[int, int]
    source_format: str
    animated: bool = False  # only the first frame was used
    flattened: bool = False  # transparency was flattened onto white
    head: tuple[int, int, int, int] | None = None  # the head box found, in the same pixels as `box`
    score: float = 0.0  # the finder's confidence in that head (0..1)
    angle: float = 0.0  # the head's roll in degrees; the crop was turned upright by it
    cats: int = 0  # distinct cat heads seen with confidence: > 1 means the most confident one was used
    hint: str | None = None  # the user's FaceHint token ("0".."8", "w") when one placed the crop
    image_size: tuple[int, int] = (0, 0)  # size of the (reduced, upright) image `box` refers to
    # The confident head was a dog's: with no cat's beside it `face_found` is False and `box` is the
    # dog's face square (engine: DogFound); with FaceHint.mix_anyway() it was used, and this stays True.
    dog: bool = False


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


def cut_square(img: Image.Image, where: Located, sizes: Sequence[int]) -> list[np.ndarray]:
    """The one place a face square is cut out of the upright photo, once per requested side.

    Every size comes from the full-size photo (never one crop scaled from another) so the 384 px
    picture keeps the photo's real fur; the head is turned upright and the borders padded here
    (facecrop.cut).
    """
    return cut(img, where.square, sizes, where.angle)


def _ints(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    return tuple(int(round(v)) for v in box)  # type: ignore[return-value]


class Prepared(NamedTuple):
    """One upload ready to mix: `crop` the model's input, `hi` the same square at HI_SIDE px."""

    crop: np.ndarray
    hi: np.ndarray
    report: CropReport


def prepare(data: bytes, limits: IntakeLimits = IntakeLimits(), size: int = 64,
            timings: dict[str, float] | None = None, hi_side: int = HI_SIDE, hint: FaceHint | None = None,
            finder: Finder | None = None) -> Prepared:
    """Bytes -> Prepared(size px crop, hi_side px crop of the same square, report).
    Raises IntakeError for unusable files. `hint` says where the user saw the face; `finder`
    defaults to the shipped one. Adds seconds spent decoding and face-finding to `timings` when
    given (benchmarks)."""
    t0 = time.perf_counter()
    img, facts = decode_image(data, limits)
    t1 = time.perf_counter()
    where = locate(img, finder, hint)
    crop, hi = cut_square(img, where, (size, hi_side))
    if timings is not None:
        timings["decode_image"] = timings.get("decode_image", 0.0) + t1 - t0
        timings["find_face"] = timings.get("find_face", 0.0) + time.perf_counter() - t1
    return Prepared(crop, hi, CropReport(
        face_found=where.found, box=_ints(where.square), head=_ints(where.head) if where.head else None,
        score=round(where.score, 4), angle=round(where.angle, 2), cats=where.cats, hint=where.hint,
        image_size=img.size, dog=where.dog, **facts))
