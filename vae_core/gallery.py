"""The built-in cats: latents of real training cats, a name for each (es/en), and their map.

Shipped as two files next to the model: `gallery.safetensors` (latents and 2-D map coordinates,
no photos: the repo never holds training images) and `gallery.json` (names and how it was built).
Latents only make sense for the model that produced them, so the JSON records that model's
fingerprint and `load_gallery` refuses a gallery built for another model instead of showing
nonsense cats. Built by `kitten-mixer build-gallery` (trainer/gallery.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from vae_core.model import VAE

FORMAT = "kitten-mixer-gallery/1"
DEFAULT_GALLERY = Path(__file__).resolve().parent.parent / "weights" / "gallery.safetensors"
PAGE_SIZE = 16
MAP_NEIGHBOURS = 5  # a new cat sits at the distance-weighted mean of this many gallery cats


class GalleryError(ValueError):
    """The gallery file is missing, broken, or belongs to another model."""


def model_fingerprint(model: VAE) -> str:
    """A short hash of the weights: a gallery is only valid for the exact model that encoded it.

    Hashes the float32 state (what any checkpoint loads as), so re-exporting the same weights,
    or storing a new prior in the file, keeps the fingerprint.
    """
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


@dataclass
class Gallery:
    latents: torch.Tensor  # N x latent_dim, float32
    coords: torch.Tensor  # N x 2: the map layout (t-SNE fitted at build time, on a grid), in [0, 1]
    names: list[dict[str, str]]  # per cat: {"en": ..., "es": ...}
    info: dict = field(default_factory=dict)  # model fingerprint, how it was built
    _thumbs: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.names)

    @property
    def latent_dim(self) -> int:
        return int(self.latents.shape[1])

    @property
    def pages(self) -> int:
        return max(1, -(-len(self) // PAGE_SIZE))

    def page_numbers(self, page: int) -> range:
        """1-based cat numbers on a 1-based page."""
        if not 1 <= page <= self.pages:
            raise IndexError(f"page {page} is not between 1 and {self.pages}")
        return range((page - 1) * PAGE_SIZE + 1, min(len(self), page * PAGE_SIZE) + 1)

    def has(self, number: int) -> bool:
        return 1 <= number <= len(self)

    def latent(self, number: int) -> torch.Tensor:
        """The cat people call #number (1-based, as on the sheets)."""
        if not self.has(number):
            raise IndexError(f"there is no cat #{number}; the gallery has 1 to {len(self)}")
        return self.latents[number - 1]

    def name(self, number: int, lang: str = "en") -> str:
        entry = self.names[number - 1]
        return entry.get(lang) or entry["en"]

    def thumbnails(self, decode) -> np.ndarray:
        """Every cat decoded once (N x H x W x 3 uint8), kept: sheets and maps reuse them."""
        if self._thumbs is None:
            self._thumbs = decode(self.latents)
        return self._thumbs

    def place(self, z: torch.Tensor, k: int = MAP_NEIGHBOURS) -> torch.Tensor:
        """Map coordinates for latents not in the gallery (shape M x 2).

        t-SNE has no transform for new points, so a cat is placed at the inverse-distance weighted
        mean of its k nearest gallery cats' coordinates: it lands among the cats it looks like.
        """
        z = z.reshape(-1, self.latent_dim).float()
        d = torch.cdist(z, self.latents)
        k = min(k, len(self))
        dist, idx = d.topk(k, largest=False)
        w = 1.0 / (dist + 1e-6)
        w = w / w.sum(1, keepdim=True)
        return (w.unsqueeze(2) * self.coords[idx]).sum(1)

    def check_model(self, model: VAE) -> None:
        if model.config.latent_dim != self.latent_dim:
            raise GalleryError(f"the gallery has {self.latent_dim}-d latents but the model uses "
                               f"{model.config.latent_dim}; rebuild it with `kitten-mixer build-gallery`")
        want = self.info.get("model_fingerprint")
        if want and want != model_fingerprint(model):
            raise GalleryError("the gallery was built for another model; rebuild it with "
                               "`kitten-mixer build-gallery`")


def names_path(path: Path) -> Path:
    return path.with_suffix(".json")


def save_gallery(path: str | Path, gallery: Gallery) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if len(gallery.names) != len(gallery.latents) or gallery.coords.shape != (len(gallery.latents), 2):
        raise ValueError("latents, coords and names must describe the same cats")
    tensors = {"latents": gallery.latents.detach().half().contiguous(),  # float16: half the size, plenty
               "coords": gallery.coords.detach().float().contiguous()}
    tmp = path.with_suffix(path.suffix + ".tmp")
    save_file(tensors, str(tmp), metadata={"format": FORMAT})
    tmp.chmod(0o644)  # safetensors creates it private; a shipped file is for everyone to read
    meta = {"format": FORMAT, "count": len(gallery), "latent_dim": gallery.latent_dim, **gallery.info,
            "names": gallery.names}
    names_path(path).write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def load_gallery(path: str | Path = DEFAULT_GALLERY, model: VAE | None = None) -> Gallery:
    """Load and check a gallery (against `model` too, when given)."""
    path = Path(path)
    meta_file = names_path(path)
    if not path.is_file() or not meta_file.is_file():
        raise GalleryError(f"gallery not found: {path} (and {meta_file.name}); "
                           "build one with `kitten-mixer build-gallery`")
    try:
        tensors = load_file(str(path))
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (SafetensorError, OSError, ValueError) as e:
        raise GalleryError(f"{path} is not a readable gallery ({e})") from e
    if meta.get("format") != FORMAT:
        raise GalleryError(f"{meta_file} is not a Kitten Mixer gallery (format {meta.get('format')!r})")
    try:
        latents, coords, names = tensors["latents"].float(), tensors["coords"].float(), meta.pop("names")
    except KeyError as e:
        raise GalleryError(f"{path} lacks {e}") from e
    n = len(latents)
    if (latents.ndim != 2 or coords.shape != (n, 2) or len(names) != n or meta.get("count") != n
            or meta.get("latent_dim") != latents.shape[1]):
        raise GalleryError(f"{path} does not match {meta_file.name} (count or latent size)")
    if any(not isinstance(e, dict) or not e.get("en") or not e.get("es") for e in names):
        raise GalleryError(f"{meta_file.name}: every cat needs a name in en and es")
    gallery = Gallery(latents, coords, names, meta)
    if model is not None:
        gallery.check_model(model)
    return gallery
