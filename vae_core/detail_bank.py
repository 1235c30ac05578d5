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

from vae_core.compose import pixel_grid

FORMAT = "kitten-mixer-detail-bank/1"


@dataclass(frozen=True)
class DressConfig:
    # Chosen on held-out faces (evaluate-realism, fine detail) and by eye, see the model card: a 1.5-3 px
    # band alone leaves the fur under half a real face's and the critic at 98-100%; 8 px brings the other
    # cat's mouth and eye rims along; a flow smoothed over 3 px bends fur instead of swirling it.
    sigma: float = 6.0  # Gaussian (px at the output size) below which the borrowed detail is kept
    gain: float = 1.0  # how much of it
    flow_blur: float = 3.0  # smoothing of the flow (px of the 64 px decode): keeps whiskers straight
    # Detail is borrowed only where the other cat's decode, warped, looks like this one's: where they differ
    # (its big round eyes over this cat's squint, its open mouth) its fur would draw a second rim or mouth.
    # Only the coarser part of the borrowed band (between fine_sigma and sigma) is weighed, by
    # 1 - (|difference of their band-passed grey decodes| - agree_slack) / agree_tau at 64 px; the finest
    # fur is always kept. agree_tau 0 turns the check off.
    fine_sigma: float = 1.5
    agree_slack: float = 8.0
    agree_tau: float = 20.0
    interp: int = cv2.INTER_CUBIC  # sub-pixel and sharp: bilinear halves the fur's power, nearest kinks whiskers
    match: str = "pixels"  # pixels: the bank face whose decode looks most like this one (32 px); latent: nearest z


class DetailBank:
    def __init__(self, faces: np.ndarray, latents: torch.Tensor, config: DressConfig | None = None):
        """faces: N x S x S x 3 uint8 (S = 3 x the decode's side); latents: N x D."""
        if len(faces) != len(latents) or len(faces) == 0:
            raise ValueError("a detail bank needs one latent per face, and at least one face")
        self.faces, self.latents = faces, latents.float()
        self.config = config or DressConfig()
        self._decodes: np.ndarray | None = None  # the bank's own decodes, once the model is known
        self._decodes: np.ndarray | None = None
        self._lock = threading.Lock()
        self._local = threading.local()  # one DIS flow object per worker thread: they are not thread-safe

    def __len__(self) -> int:
        return len(self.faces)

    def prepare(self, decode) -> None:
        """Residuals against the model's own decodes (`decode(z) -> N x s x s x 3 uint8`), computed
        once (about a second): the bank ships faces and latents, not model-specific residuals."""
        with self._lock:
            if self._decodes is None:
                self._prepare(decode)

    def _prepare(self, decode) -> None:
        self._decodes = np.concatenate([decode(self.latents[i:i + 256]) for i in range(0, len(self), 256)])
        self._thumbs = torch.from_numpy(_thumbs(self._decodes))

    def borrowed(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Bank face k's residual detail (float32, at its own place) as (the band under fine_sigma, the
        band between fine_sigma and sigma). Cut per request: all 700 kept would take 300 MB."""
        c, side = self.config, self.faces.shape[1]
        up = cv2.resize(self._decodes[k], (side, side), interpolation=cv2.INTER_CUBIC)
        r = cv2.subtract(self.faces[k], up, dtype=cv2.CV_32F)
        coarse = cv2.GaussianBlur(r, (0, 0), c.fine_sigma)
        band = coarse - cv2.GaussianBlur(r, (0, 0), c.sigma) if c.sigma > c.fine_sigma else np.zeros_like(r)
        return r - coarse, band

    def _agreement(self, mine: np.ndarray, theirs: np.ndarray, flow: np.ndarray) -> np.ndarray:
        """Per decode pixel, 1 where the other cat's decode (warped onto this one) looks like this one,
        falling to 0 at a grey difference of agree_tau."""
        side = mine.shape[0]
        m = pixel_grid(side) + flow
        warped = cv2.remap(theirs, m[..., 0], m[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        a, b = mine.astype(np.float32), warped.astype(np.float32)
        # structure, not colour: a ginger and a grey tabby with eyes in the same places agree
        a, b = a - cv2.GaussianBlur(a, (0, 0), 4.0), b - cv2.GaussianBlur(b, (0, 0), 4.0)
        diff = cv2.GaussianBlur(np.abs(a - b), (0, 0), 1.5)
        c = self.config
        return np.clip(1.0 - (diff - c.agree_slack) / c.agree_tau, 0.0, 1.0)

    def nearest(self, z: torch.Tensor, decodes: np.ndarray | None = None) -> np.ndarray:
        """The bank face each drawn cat borrows from: the one whose own decode looks most like it
        (same colours, eyes and ears in the same places, so the warp is short), or the nearest latent."""
        if self.config.match == "latent" or decodes is None:
            return torch.cdist(z.float(), self.latents).argmin(1).numpy()
        mine = torch.from_numpy(_thumbs(decodes))
        return torch.cdist(mine, self._thumbs).argmin(1).numpy()

    def dress(self, decodes: np.ndarray, z: torch.Tensor) -> np.ndarray:
        """N drawn decodes (uint8, s px) and their latents -> N faces at the bank's side with real fur."""
        if self._decodes is None:
            raise RuntimeError("call prepare(decode) before dress()")
        side = self.faces.shape[1]
        dis = getattr(self._local, "dis", None)
        if dis is None:
            dis = self._local.dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
            dis.setFinestScale(0)
        out = np.empty((len(decodes), side, side, 3), np.uint8)
        grid = pixel_grid(side)
        for i, k in enumerate(self.nearest(z, decodes)):
            mine = cv2.cvtColor(decodes[i], cv2.COLOR_RGB2GRAY)
            theirs = cv2.cvtColor(self._decodes[k], cv2.COLOR_RGB2GRAY)
            flow = dis.calc(mine, theirs, None)  # where each of my pixels is on their face
            if self.config.flow_blur > 0:
                flow = cv2.GaussianBlur(flow, (0, 0), self.config.flow_blur)
            m = cv2.resize(flow, (side, side), interpolation=cv2.INTER_LINEAR) * (side / flow.shape[0]) + grid
            fine, band = (cv2.remap(b, m, None, self.config.interp, borderMode=cv2.BORDER_REFLECT)
                          for b in self.borrowed(int(k)))
            if self.config.agree_tau > 0:
                w = self._agreement(mine, theirs, flow)
                band *= cv2.resize(w, (side, side), interpolation=cv2.INTER_LINEAR)[..., None]
            hi = fine + band
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

    from vae_core.checkpoint import write_typed

    blobs = []
    for f in faces:
        buf = io.BytesIO()
        Image.fromarray(f).save(buf, format="JPEG", quality=quality)
        blobs.append(np.frombuffer(buf.getvalue(), np.uint8))
    offsets = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
    tensors = {"jpeg": torch.from_numpy(np.concatenate(blobs)), "offsets": torch.from_numpy(offsets),
               "latents": latents.detach().half().contiguous()}
    return write_typed(path, tensors, FORMAT, info=json.dumps(info or {}))


def load_bank(path: str | Path, config: DressConfig | None = None) -> DetailBank:
    from vae_core.checkpoint import CheckpointError, read_typed

    _, t = read_typed(path, FORMAT, "detail bank")
    try:
        data, offsets = t["jpeg"].numpy().tobytes(), t["offsets"].tolist()
        faces = np.stack([np.asarray(Image.open(io.BytesIO(data[a:b])).convert("RGB"))
                          for a, b in zip(offsets[:-1], offsets[1:], strict=True)])
    except (OSError, KeyError, ValueError) as e:
        raise CheckpointError(f"{path} is not a readable detail bank ({e})") from e
    return DetailBank(faces, t["latents"].float(), config)
