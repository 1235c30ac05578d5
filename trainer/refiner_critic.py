"""The refiner's discriminator: does this 192 px face look real, *given* the blurry decode it came from?

Conditioning on the decode (pix2pix) stops the refiner from drawing any sharp cat: the detail has
to belong to this face. Two scales (pix2pixHD): the full-size patch critic judges fur and whiskers,
the half-size one judges eyes and the layout of the face. Spectral norm keeps the hinge game stable
on small CPU batches. Its intermediate features also serve the refiner's feature-matching loss.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.parametrizations import spectral_norm


class PatchCritic(nn.Module):
    def __init__(self, in_ch: int = 6, width: int = 32, layers: int = 3):
        super().__init__()
        convs, ch = [], in_ch
        for i in range(layers):
            out = width * 2 ** i
            convs.append(spectral_norm(nn.Conv2d(ch, out, 4, 2, 1)))
            ch = out
        self.convs = nn.ModuleList(convs)
        self.logit = spectral_norm(nn.Conv2d(ch, 1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        feats = []
        for conv in self.convs:
            x = F.leaky_relu(conv(x), 0.2)
            feats.append(x)
        return self.logit(x), feats


class MultiScaleCritic(nn.Module):
    def __init__(self, scales: int = 2, width: int = 32):
        super().__init__()
        self.critics = nn.ModuleList(PatchCritic(6, width) for _ in range(scales))

    def forward(self, face: torch.Tensor, cond: torch.Tensor) -> list[tuple[torch.Tensor, list[torch.Tensor]]]:
        """face, cond: N x 3 x S x S in [0, 1] (cond is the decode upscaled to S)."""
        x = torch.cat([face, cond], 1) * 2 - 1
        out = []
        for i, critic in enumerate(self.critics):
            out.append(critic(x if i == 0 else F.avg_pool2d(x, 2 ** i)))
        return out
