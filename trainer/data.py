"""Load a cat-face image set (zip, folder or .npz) into one uint8 tensor, and split it.

Everything is decoded once into memory: 15k 64x64 RGB images are ~180 MB, and a CPU run
cannot afford to re-decode JPEGs every epoch.
"""

from __future__ import annotations

import hashlib
import io
import logging
import warnings
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
SPLITS = ("train", "val", "test")


@dataclass
class ImageSet:
    images: torch.Tensor  # uint8, N x 3 x S x S
    names: list[str]
    digests: list[str]  # sha1 of the source bytes (or pixels for npz): decides the split
    skipped: int = 0

    def __len__(self) -> int:
        return len(self.names)

    def split(self, which: str, val_pct: int = 10, test_pct: int = 10) -> ImageSet:
        """Deterministic by content hash: adding files never moves existing ones between splits."""
        if which not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}")
        idx = [i for i, d in enumerate(self.digests) if split_of(d, val_pct, test_pct) == which]
        return ImageSet(self.images[idx], [self.names[i] for i in idx], [self.digests[i] for i in idx])


def split_of(digest: str, val_pct: int = 10, test_pct: int = 10) -> str:
    bucket = int(digest[:8], 16) % 100
    if bucket < test_pct:
        return "test"
    if bucket < test_pct + val_pct:
        return "val"
    return "train"


def to_square_rgb(img: Image.Image, size: int) -> np.ndarray:
    """Centre-crop to a square and resize: the training crops are already square faces."""
    img = img.convert("RGB")
    w, h = img.size
    if w != h:
        s = min(w, h)
        img = img.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
    if img.size != (size, size):
        img = img.resize((size, size), Image.Resampling.LANCZOS)
    return np.asarray(img, dtype=np.uint8)


def _decode(item: tuple[str, bytes], size: int) -> tuple[str, str, np.ndarray | None]:
    name, data = item
    digest = hashlib.sha1(data).hexdigest()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                return name, digest, to_square_rgb(img, size)
    except Exception as e:  # noqa: BLE001 - any undecodable file is skipped and counted
        log.debug("skipping %s: %s", name, e)
        return name, digest, None


def _iter_zip(path: Path) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not info.is_dir() and Path(info.filename).suffix.lower() in IMAGE_SUFFIXES:
                yield info.filename, zf.read(info)


def _iter_folder(path: Path) -> Iterator[tuple[str, bytes]]:
    for p in sorted(path.rglob("*")):
        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES:
            yield str(p.relative_to(path)), p.read_bytes()


def _load_npz(path: Path, size: int) -> ImageSet:
    with np.load(path) as z:
        key = "images" if "images" in z.files else z.files[0]
        arr = np.asarray(z[key])
    if arr.ndim != 4:
        raise ValueError(f"{path}: expected an N x H x W x 3 (or N x 3 x H x W) array, got shape {arr.shape}")
    if arr.shape[-1] in (1, 3) and arr.shape[1] not in (1, 3):
        arr = arr.transpose(0, 3, 1, 2)
    if arr.dtype != np.uint8:
        arr = np.clip(arr * (255.0 if arr.max() <= 1.0 else 1.0), 0, 255).round().astype(np.uint8)
    if arr.shape[1] == 1:
        arr = arr.repeat(3, axis=1)
    t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.shape[-1] != size or t.shape[-2] != size:
        t = torch.nn.functional.interpolate(t.float(), size=(size, size), mode="area").round().clamp(0, 255).byte()
    digests = [hashlib.sha1(a.tobytes()).hexdigest() for a in arr]
    return ImageSet(t, [f"{path.name}[{i}]" for i in range(len(t))], digests)


def load_images(path: str | Path, size: int = 64, workers: int = 4) -> ImageSet:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"data not found: {path}")
    if path.suffix.lower() == ".npz":
        out = _load_npz(path, size)
    else:
        items = _iter_zip(path) if path.is_file() else _iter_folder(path)
        names, digests, arrays, skipped = [], [], [], 0
        with ThreadPoolExecutor(workers) as pool:
            for name, digest, arr in pool.map(lambda it: _decode(it, size), items):
                if arr is None:
                    skipped += 1
                    continue
                names.append(name)
                digests.append(digest)
                arrays.append(arr)
        if not arrays:
            raise ValueError(f"no readable images in {path} ({skipped} unreadable)")
        images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()
        out = ImageSet(images, names, digests, skipped)
        if skipped:
            log.warning("skipped %d unreadable image file(s) in %s", skipped, path)
    return out
