"""A convolutional VAE for 64x64 cat faces, built from one dataclass config.

The default config reproduces the seed "Kitten Mixer" nets (3-32-64-128-256, k4 s2 p1,
LeakyReLU, 500-d latent, sigmoid output). Improvements (normalisation, residual blocks,
upsample+conv decoding) are fields of the same config, so old and new models share one
code path and one checkpoint format.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
import torch.nn as nn
import torch.nn.functional as F

from vae_core.ssim import ssim


@dataclass(frozen=True)
class VAEConfig:
    image_size: int = 64
    latent_dim: int = 500
    channels: tuple[int, ...] = (3, 32, 64, 128, 256)
    kernel: int = 4
    stride: int = 2
    padding: int = 1
    activation: str = "leaky_relu"  # leaky_relu | relu | silu | gelu
    norm: str = "none"  # none | batch | group
    res_blocks: int = 0  # residual blocks after each down/up stage
    upsample: str = "transpose"  # transpose | nearest (nearest+3x3 conv avoids checkerboards)

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))
        if len(self.channels) < 2 or self.channels[0] not in (1, 3):
            raise ValueError(f"channels must start with 1 or 3 image channels, got {self.channels}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; choose from {sorted(_ACTIVATIONS)}")
        if self.norm not in ("none", "batch", "group"):
            raise ValueError(f"unknown norm {self.norm!r}")
        if self.upsample not in ("transpose", "nearest"):
            raise ValueError(f"unknown upsample {self.upsample!r}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> VAEConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown VAEConfig fields: {sorted(unknown)}")
        return cls(**d)


_ACTIVATIONS = {
    "leaky_relu": nn.LeakyReLU,
    "relu": nn.ReLU,
    "silu": nn.SiLU,
    "gelu": nn.GELU,
}


def _norm(kind: str, ch: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(ch)
    if kind == "group":
        return nn.GroupNorm(min(8, ch), ch)
    return nn.Identity()


class ResBlock(nn.Module):
    """Pre-activation residual block: adds capacity without changing the resolution."""

    def __init__(self, ch: int, cfg: VAEConfig):
        super().__init__()
        act = _ACTIVATIONS[cfg.activation]
        self.body = nn.Sequential(
            _norm(cfg.norm, ch), act(), nn.Conv2d(ch, ch, 3, 1, 1),
            _norm(cfg.norm, ch), act(), nn.Conv2d(ch, ch, 3, 1, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class VAE(nn.Module):
    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = cfg = config
        act = _ACTIVATIONS[cfg.activation]
        ch = cfg.channels

        enc: list[nn.Module] = []
        for c_in, c_out in zip(ch[:-1], ch[1:]):
            enc += [nn.Conv2d(c_in, c_out, cfg.kernel, cfg.stride, cfg.padding), _norm(cfg.norm, c_out), act()]
            enc += [ResBlock(c_out, cfg) for _ in range(cfg.res_blocks)]
        self.encoder = nn.Sequential(*enc)

        with torch.no_grad():
            feat = self.encoder(torch.zeros(1, ch[0], cfg.image_size, cfg.image_size))
        self.feature_shape = tuple(feat.shape[1:])
        flat = feat.numel()
        self.fc_mean = nn.Linear(flat, cfg.latent_dim)
        self.fc_log_var = nn.Linear(flat, cfg.latent_dim)
        self.fc_decode = nn.Linear(cfg.latent_dim, flat)

        dec: list[nn.Module] = [act()]
        rev = ch[::-1]
        for i, (c_in, c_out) in enumerate(zip(rev[:-1], rev[1:])):
            last = i == len(rev) - 2
            dec += [ResBlock(c_in, cfg) for _ in range(cfg.res_blocks)]
            if cfg.upsample == "transpose":
                dec.append(nn.ConvTranspose2d(c_in, c_out, cfg.kernel, cfg.stride, cfg.padding))
            else:
                dec += [nn.Upsample(scale_factor=cfg.stride, mode="nearest"), nn.Conv2d(c_in, c_out, 3, 1, 1)]
            if not last:
                dec += [_norm(cfg.norm, c_out), act()]
        self.decoder = nn.Sequential(*dec)
        self.apply(_kaiming_init)
        for m in self.modules():  # residual branches start as identity: deep nets train from step one
            if isinstance(m, ResBlock):
                nn.init.zeros_(m.body[-1].weight)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Images in [0, 1] -> (mean, log_var) of q(z|x)."""
        h = self.encoder(x).flatten(1)
        return self.fc_mean(h), self.fc_log_var(h)

    def encode_mean(self, x: torch.Tensor) -> torch.Tensor:
        """The posterior mean alone, for inference: skipping the log-variance layer halves the cost
        of encoding a photo (its 4096 x latent matrix is as big as the whole conv stack's work)."""
        return self.fc_mean(self.encoder(x).flatten(1))

    @staticmethod
    def reparameterize(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
        return mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """Pre-sigmoid output: the loss uses it for a numerically stable BCE."""
        h = self.fc_decode(z).view(-1, *self.feature_shape)
        return self.decoder(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Latents -> images in [0, 1]."""
        return torch.sigmoid(self.decode_logits(z))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns (reconstruction logits, mean, log_var); apply sigmoid for images."""
        mean, log_var = self.encode(x)
        z = self.reparameterize(mean, log_var) if self.training else mean
        return self.decode_logits(z), mean, log_var


def _kaiming_init(m: nn.Module) -> None:
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.kaiming_normal_(m.weight, nonlinearity="leaky_relu")
        if m.bias is not None:
            nn.init.zeros_(m.bias)


class BetaLoss(nn.Module):
    """Reconstruction + beta * KL, per image (summed over pixels and latent dims, averaged over
    the batch). The seed summed over the batch too; Adam is invariant to that constant factor,
    and per-image numbers are comparable across batch sizes.
    """

    def __init__(self, beta: float = 1.0, recon: str = "bce", ssim_weight: float = 0.05):
        super().__init__()
        if recon not in ("bce", "mse", "l1", "bce+ssim"):
            raise ValueError(f"unknown reconstruction loss {recon!r}")
        self.beta, self.recon, self.ssim_weight = beta, recon, ssim_weight

    def forward(
        self, logits: torch.Tensor, x: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor,
        beta: float | None = None,
    ) -> dict[str, torch.Tensor]:
        n = x.shape[0]
        if self.recon in ("bce", "bce+ssim"):
            rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
            if self.recon == "bce+ssim":
                # (1 - SSIM) per image, scaled to a per-pixel sum like the BCE: rewards structure
                # (edges, fur texture) that a pixel loss averages away
                pixels = x[0].numel()
                rec = rec + self.ssim_weight * pixels * (1 - ssim(torch.sigmoid(logits), x)).sum()
        elif self.recon == "mse":
            rec = F.mse_loss(torch.sigmoid(logits), x, reduction="sum")
        else:
            rec = F.l1_loss(torch.sigmoid(logits), x, reduction="sum")
        kl = -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp())
        b = self.beta if beta is None else beta
        rec, kl = rec / n, kl / n
        return {"loss": rec + b * kl, "recon": rec, "kl": kl}
