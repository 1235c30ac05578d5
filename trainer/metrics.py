"""Image and latent-space metrics, all offline (no pretrained networks can be downloaded here).

C2ST (classifier two-sample test): a fixed small CNN recipe learns to tell generated cats from
the model's reconstructions of real cats; its held-out accuracy says how distinguishable they
are (50% = indistinguishable). Comparing against reconstructions rather than photos measures
the latent space, not the VAE's blur.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm import tqdm

from vae_core.latent import interpolate
from vae_core.model import VAE
from vae_core.prior import sample_latents
from vae_core.ssim import ssim


def to_float(u8: torch.Tensor) -> torch.Tensor:
    return u8.float() / 255.0


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per image, for images in [0, 1]."""
    mse = (a - b).pow(2).flatten(1).mean(1).clamp_min(1e-10)
    return 10 * torch.log10(1.0 / mse)


@torch.no_grad()
def encode_all(model: VAE, images_u8: torch.Tensor, batch: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    means, log_vars = [], []
    for i in range(0, len(images_u8), batch):
        m, lv = model.encode(to_float(images_u8[i:i + batch]))
        means.append(m)
        log_vars.append(lv)
    return torch.cat(means), torch.cat(log_vars)


@torch.no_grad()
def decode_all(model: VAE, z: torch.Tensor, batch: int = 256) -> torch.Tensor:
    return torch.cat([model.decode(z[i:i + batch]) for i in range(0, len(z), batch)])


@torch.no_grad()
def reconstruction_metrics(model: VAE, images_u8: torch.Tensor) -> dict[str, float]:
    mean, log_var = encode_all(model, images_u8)
    x = to_float(images_u8)
    rec = decode_all(model, mean)
    kl = -0.5 * (1 + log_var - mean ** 2 - log_var.exp())  # N x D
    return {
        "psnr": psnr(rec, x).mean().item(),
        "ssim": ssim(rec, x).mean().item(),
        "kl_per_dim": kl.mean().item(),
        "kl_total": kl.sum(1).mean().item(),
        "active_units": int((mean.var(0) > 0.01).sum().item()),
        "latent_dim": mean.shape[1],
    }


class _C2STNet(nn.Module):
    """The fixed classifier recipe: three strided convs, global pooling, a logit."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 16, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(16, 32, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(32, 64, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


C2ST_EPOCHS, C2ST_BATCH, C2ST_LR, C2ST_SEED = 8, 64, 1e-3, 0


def c2st_accuracy(fake_train: torch.Tensor, real_train: torch.Tensor, fake_test: torch.Tensor,
                  real_test: torch.Tensor, progress: bool = False, desc: str = "c2st") -> float:
    """Held-out accuracy of the fixed recipe telling `fake` (label 1) from `real` (label 0)."""
    with torch.enable_grad():
        return _c2st(fake_train, real_train, fake_test, real_test, progress, desc)


def _c2st(fake_train, real_train, fake_test, real_test, progress, desc) -> float:
    g = torch.Generator().manual_seed(C2ST_SEED)
    torch.manual_seed(C2ST_SEED)
    net = _C2STNet()
    opt = torch.optim.Adam(net.parameters(), lr=C2ST_LR)
    x = torch.cat([fake_train, real_train])
    y = torch.cat([torch.ones(len(fake_train)), torch.zeros(len(real_train))])
    for _ in tqdm(range(C2ST_EPOCHS), desc=desc, disable=not progress, leave=False):
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), C2ST_BATCH):
            idx = perm[i:i + C2ST_BATCH]
            loss = F.binary_cross_entropy_with_logits(net(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        xt = torch.cat([fake_test, real_test])
        yt = torch.cat([torch.ones(len(fake_test)), torch.zeros(len(real_test))])
        pred = torch.cat([net(xt[i:i + 512]) for i in range(0, len(xt), 512)]) > 0
    return (pred.float() == yt).float().mean().item()


@torch.no_grad()
def random_samples(model: VAE, prior: dict | None, n: int, seed: int) -> torch.Tensor:
    return decode_all(model, sample_latents(n, model.config.latent_dim, prior, seed))


@torch.no_grad()
def midpoints(model: VAE, images_u8: torch.Tensor, n: int, seed: int, path: str = "linear",
              center: torch.Tensor | None = None) -> torch.Tensor:
    """t = 0.5 between random pairs of cats, along the engine's `path`."""
    g = torch.Generator().manual_seed(seed)
    i = torch.randint(len(images_u8), (n,), generator=g)
    j = torch.randint(len(images_u8), (n,), generator=g)
    za, _ = encode_all(model, images_u8[i])
    zb, _ = encode_all(model, images_u8[j])
    return decode_all(model, torch.stack([interpolate(a, b, 3, path, center)[1] for a, b in zip(za, zb)]))


@torch.no_grad()
def reconstructions(model: VAE, images_u8: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(images_u8), generator=g)[:n]
    return decode_all(model, encode_all(model, images_u8[idx])[0])


@torch.no_grad()
def smoothness(model: VAE, images_u8: torch.Tensor, pairs: int = 200, frames: int = 12, seed: int = 0,
               path: str = "linear", center: torch.Tensor | None = None) -> dict:
    """Pixel-space regularity of a linear mix: path length / endpoint distance (1 = straight line)
    and the largest step / mean step (1 = even pace, big = a sudden jump)."""
    g = torch.Generator().manual_seed(seed)
    mean, _ = encode_all(model, images_u8)
    ratios, jumps = [], []
    for _ in range(pairs):
        i, j = torch.randint(len(mean), (2,), generator=g).tolist()
        if i == j:
            continue
        f = model.decode(interpolate(mean[i], mean[j], frames, path, center)).flatten(1)
        steps = (f[1:] - f[:-1]).norm(dim=1)
        ratios.append((steps.sum() / (f[-1] - f[0]).norm().clamp_min(1e-8)).item())
        jumps.append((steps.max() / steps.mean().clamp_min(1e-8)).item())
    return {"path_ratio": sum(ratios) / len(ratios), "max_over_mean_step": sum(jumps) / len(jumps)}
