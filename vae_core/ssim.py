"""SSIM (Wang et al. 2004): an 11x11 Gaussian window, sigma 1.5, averaged over channels.

Lives in vae_core because it is both a training loss term (BetaLoss "bce+ssim") and an
evaluation metric (trainer/metrics.py).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _gauss(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float32) - size // 2
    g = torch.exp(-x ** 2 / (2 * sigma ** 2))
    return g / g.sum()


def ssim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image SSIM of two N x C x H x W batches in [0, 1] (valid windows, as the reference)."""
    c = a.shape[1]
    g = _gauss().to(a)
    gx, gy = g.view(1, 1, 1, -1).repeat(c, 1, 1, 1), g.view(1, 1, -1, 1).repeat(c, 1, 1, 1)

    def blur(x: torch.Tensor) -> torch.Tensor:  # separable: 22 taps instead of 121
        return F.conv2d(F.conv2d(x, gx, groups=c), gy, groups=c)

    mu_a, mu_b = blur(a), blur(b)
    saa = blur(a * a) - mu_a ** 2
    sbb = blur(b * b) - mu_b ** 2
    sab = blur(a * b) - mu_a * mu_b
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    m = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))
    return m.flatten(1).mean(1)
