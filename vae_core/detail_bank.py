"""Fur borrowed from real cats: the drawing stage's detail for cats the model draws alone.

A 64 px decode is the mean of what its latent could be; the fur, whiskers and eye glints a real face
has are gone. A small refiner trained here with a discriminator learned worms and spots before it
learned fur (see the model card), so the detail comes from real faces instead, the way compose.py
dresses a mix in the user's photos:

1. the bank holds sharp 192 px faces and their latents (`kitten-mixer build-detail-bank`, from
   afhq192 faces that evaluation never uses);
2. a drawn latent picks the bank face nearest to it in latent space: the most similar cat;
3. that face's *residual detail* (face - upscaled decode of its own latent) is warped onto the drawn
   cat by optical flow between the two 64 px decodes, so its fur lands on this cat's eyes and ears;
4. only the residual's fine band is kept (the coarse band carries the other cat's outlines and
   colours), and it is added to the drawn cat's upscaled decode.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

FORMAT = "kitten-mixer-detail-bank/1"


@dataclass(frozen=True)
class DressConfig:
    # Chosen on held-out faces (evaluate-realism, fine detail) and by eye, see the model card: a 1.5-3 px
    # band alone leaves the fur under half a real face's and the critic at 98-100%; 8 px brings the other
    # cat's mouth and eye rims along; a flow smoothed over 3 px bends fur instead of swirling it.
    sigma: float = 6.0  # Gaussian (px at the output size) below which the borrowed detail is kept
    gain: float = 1.0  # how much of it
    flow_blur: float = 3.0  # smoothing of the flow (px of the 64 px decode): keeps whiskers straight
    interp: int = cv2.INTER_LANCZOS4  # sub-pixel and sharp: bilinear halves the fur's power, nearest kinks whiskers
    match: str = "pixels"  # pixels: the bank face whose decode looks most like this one (32 px); latent: nearest z


class DetailBank:
    def __init__(self, faces: np.ndarray, latents: torch.Tensor, config: DressConfig | None = None):
        """faces: N x S x S x 3 uint8 (S = 3 x the decode's side); latents: N x D."""
        if len(faces) != len(latents) or len(faces) == 0:
            raise ValueError("a detail bank needs one latent per face, and at least one face")
        self.faces, self.latents = faces, latents.float()
        self.config = config or DressConfig()
        self._hi: np.ndarray | None = None  # the faces' fine residual bands, once the model is known
        self._decodes: np.ndarray | None = None
        self._lock = threading.Lock()
        self._local = threading.local()  # one DIS flow object per worker thread: they are not thread-safe

    def __len__(self) -> int:
        return len(self.faces)

    def prepare(self, decode) -> None:
        """Residuals against the model's own decodes (`decode(z) -> N x s x s x 3 uint8`), computed
        once (about a second): the bank ships faces and latents, not model-specific residuals."""
        with self._lock:
            if self._hi is None:
                self._prepare(decode)

    def _prepare(self, decode) -> None:
        decodes = np.concatenate([decode(self.latents[i:i + 256]) for i in range(0, len(self), 256)])
        side = self.faces.shape[1]
        hi = np.empty(self.faces.shape, np.int16)
        sigma = self.config.sigma
        for k, (face, dec) in enumerate(zip(self.faces, decodes, strict=True)):
            r = cv2.subtract(face, cv2.resize(dec, (side, side), interpolation=cv2.INTER_CUBIC), dtype=cv2.CV_16S)
            hi[k] = cv2.subtract(r, cv2.GaussianBlur(r, (0, 0), sigma)) if sigma > 0 else r
        self._hi, self._decodes = hi, decodes
        self._thumbs = torch.from_numpy(_thumbs(decodes))

    def nearest(self, z: torch.Tensor, decodes: np.ndarray | None = None) -> np.ndarray:
        """The bank face each drawn cat borrows from: the one whose own decode looks most like it
        (same colours, eyes and ears in the same places, so the warp is short), or the nearest latent."""
        if self.config.match == "latent" or decodes is None:
            return torch.cdist(z.float(), self.latents).argmin(1).numpy()
        mine = torch.from_numpy(_thumbs(decodes))
        return torch.cdist(mine, self._thumbs).argmin(1).numpy()

    def dress(self, decodes: np.ndarray, z: torch.Tensor) -> np.ndarray:
        """N drawn decodes (uint8, s px) and their latents -> N faces at the bank's side with real fur."""
        if self._hi is None:
            raise RuntimeError("call prepare(decode) before dress()")
        side = self.faces.shape[1]
        dis = getattr(self._local, "dis", None)
        if dis is None:
            dis = self._local.dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
            dis.setFinestScale(0)
        out = np.empty((len(decodes), side, side, 3), np.uint8)
        grid = np.dstack(np.meshgrid(np.arange(side, dtype=np.float32), np.arange(side, dtype=np.float32)))
        for i, k in enumerate(self.nearest(z, decodes)):
            mine = cv2.cvtColor(decodes[i], cv2.COLOR_RGB2GRAY)
            theirs = cv2.cvtColor(self._decodes[k], cv2.COLOR_RGB2GRAY)
            flow = dis.calc(mine, theirs, None)  # where each of my pixels is on their face
            if self.config.flow_blur > 0:
                flow = cv2.GaussianBlur(flow, (0, 0), self.config.flow_blur)
            m = cv2.resize(flow, (side, side), interpolation=cv2.INTER_LINEAR) * (side / flow.shape[0]) + grid
            hi = cv2.remap(self._hi[k].astype(np.float32), m, None, self.config.interp, borderMode=cv2.BORDER_REFLECT)
            base = cv2.resize(decodes[i], (side, side), interpolation=cv2.INTER_CUBIC)
            out[i] = cv2.add(base.astype(np.float32), hi * self.config.gain, dtype=cv2.CV_8U)
        return out


def _thumbs(decodes: np.ndarray, side: int = 32) -> np.ndarray:
    return np.stack([cv2.resize(d, (side, side), interpolation=cv2.INTER_AREA) for d in decodes]).reshape(
        len(decodes), -1).astype(np.float32)


def save_bank(path: str | Path, faces: np.ndarray, latents: torch.Tensor, info: dict | None = None,
              quality: int = 88) -> Path:
    """Faces as JPEG bytes (a few KB each) and latents as float16, in one safetensors file."""
    import json

    from safetensors.torch import save_file

    blobs = []
    for f in faces:
        buf = io.BytesIO()
        Image.fromarray(f).save(buf, format="JPEG", quality=quality)
        blobs.append(np.frombuffer(buf.getvalue(), np.uint8))
    offsets = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
    tensors = {"jpeg": torch.from_numpy(np.concatenate(blobs)), "offsets": torch.from_numpy(offsets),
               "latents": latents.detach().half().contiguous()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    save_file(tensors, str(tmp), metadata={"format": FORMAT, "info": json.dumps(info or {})})
    tmp.replace(path)
    return path


def load_bank(path: str | Path, config: DressConfig | None = None) -> DetailBank:
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    from vae_core.checkpoint import CheckpointError

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"detail bank not found: {path}")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        if meta.get("format") != FORMAT:
            raise CheckpointError(f"{path} is not a detail bank (format {meta.get('format')!r})")
        t = load_file(str(path))
        data, offsets = t["jpeg"].numpy().tobytes(), t["offsets"].tolist()
        faces = np.stack([np.asarray(Image.open(io.BytesIO(data[a:b])).convert("RGB"))
                          for a, b in zip(offsets[:-1], offsets[1:], strict=True)])
    except CheckpointError:
        raise
    except (SafetensorError, OSError, KeyError, ValueError, RuntimeError) as e:
        raise CheckpointError(f"{path} is not a readable detail bank ({e})") from e
    return DetailBank(faces, t["latents"].float(), config)
