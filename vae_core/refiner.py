"""The drawing stage: a 64 px VAE decode -> a sharp 192 px cat face.

The VAE's decodes are the mean of what a latent could be, so fur, whiskers and eye glints are
averaged away. This net adds them back: trained (trainer/train_refiner.py) on real AFHQ faces,
each paired with the VAE's decode of its own 64 px crop, with L1 + a conditional discriminator
+ feature matching, it learns what a sharp face looks like *given* a blurry one.

It is cheap on purpose (nine cats in well under 150 ms on one core): every convolution but the
last two runs at 64 px, and a pixel shuffle lifts the features to the output size, where one thin
3x3 conv shapes the detail. Its output is a residual over the bicubic upscale, so an untrained
(zero-initialised) net returns exactly today's picture.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class RefinerConfig:
    scale: int = 3  # 64 px in -> 192 px out
    width: int = 32  # channels of the 64 px body
    blocks: int = 4  # residual blocks at 64 px
    fine: int = 16  # channels at the output size
    noise: int = 1  # noise channels at 64 px: fur need not be the same for every cat with one decode

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> RefinerConfig:
        known = {f.name for f in fields(cls)}
        if set(d) - known:
            raise ValueError(f"unknown RefinerConfig fields: {sorted(set(d) - known)}")
        return cls(**d)


class _Block(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(ch, ch, 3, 1, 1)
        nn.init.zeros_(self.conv2.weight)  # a block starts as the identity
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.leaky_relu(self.conv1(x), 0.2))


class Refiner(nn.Module):
    def __init__(self, config: RefinerConfig | None = None):
        super().__init__()
        self.config = cfg = config or RefinerConfig()
        self.head = nn.Conv2d(3 + cfg.noise, cfg.width, 3, 1, 1)
        self.body = nn.Sequential(*[_Block(cfg.width) for _ in range(cfg.blocks)])
        self.lift = nn.Conv2d(cfg.width, cfg.fine * cfg.scale ** 2, 1)  # 1x1 then pixel shuffle: cheap upsampling
        self.fine = nn.Conv2d(cfg.fine, cfg.fine, 3, 1, 1)
        self.out = nn.Conv2d(cfg.fine, 3, 3, 1, 1)
        nn.init.zeros_(self.out.weight)  # untrained: exactly the bicubic upscale
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        """Decodes in [0, 1] (N x 3 x s x s) -> faces in [0, 1] (N x 3 x s*scale x s*scale).
        `noise` (N x noise x s x s) defaults to fresh N(0, 1); pass zeros or a seeded draw to repeat a picture."""
        cfg = self.config
        if cfg.noise:
            if noise is None:
                noise = torch.randn(x.shape[0], cfg.noise, *x.shape[2:], device=x.device, dtype=x.dtype)
            h = self.head(torch.cat([x * 2 - 1, noise], 1))
        else:
            h = self.head(x * 2 - 1)
        h = self.body(F.leaky_relu(h, 0.2))
        h = F.pixel_shuffle(self.lift(F.leaky_relu(h, 0.2)), cfg.scale)
        h = self.fine(F.leaky_relu(h, 0.2))
        up = F.interpolate(x, scale_factor=cfg.scale, mode="bicubic", align_corners=False)
        return (up + self.out(F.leaky_relu(h, 0.2))).clamp(0, 1)
