"""A Gaussian mixture fitted to the encoder means of the training cats, for `random`.

With a small beta the aggregate posterior is far from N(0, I), so decoding N(0, I) samples
gives smeared, off-manifold cats. Sampling from a density fitted where real cats land in
latent space fixes that; it is stored in the checkpoint as plain tensors.
"""

from __future__ import annotations

import math

import torch

from vae_core.model import VAE


@torch.no_grad()
def latent_means(model: VAE, images_u8: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    model.eval()
    out = [model.encode(images_u8[i:i + batch_size].float() / 255.0)[0] for i in range(0, len(images_u8), batch_size)]
    return torch.cat(out).double()


def fit_gaussian_mixture(z: torch.Tensor, components: int, iters: int = 20, seed: int = 0,
                         shrink: float = 0.05) -> dict[str, torch.Tensor]:
    """EM for a full-covariance mixture. Covariances are shrunk towards their diagonal: a
    500-d covariance from ~1.5k points per component is otherwise near-singular."""
    z = z.double()
    n, d = z.shape
    k = max(1, min(components, n // 2))
    g = torch.Generator().manual_seed(seed)
    means = z[torch.randperm(n, generator=g)[:k]].clone()
    resp = torch.softmax(-torch.cdist(z, means) ** 2 / (2 * z.var(0).sum() / k + 1e-9), dim=1)
    weights = chol = None
    for _ in range(iters):
        nk = resp.sum(0) + 1e-9
        weights = nk / n
        means = (resp.T @ z) / nk[:, None]
        covs = []
        for j in range(k):
            diff = z - means[j]
            c = (resp[:, j, None] * diff).T @ diff / nk[j]
            c = (1 - shrink) * c + shrink * torch.diag(torch.diag(c)) + 1e-6 * torch.eye(d, dtype=z.dtype)
            covs.append(c)
        covs = torch.stack(covs)
        chol = torch.linalg.cholesky(covs)
        logp = _component_log_prob(z, means, chol) + weights.log()
        resp = torch.softmax(logp, dim=1)
    return {"weights": weights.float(), "means": means.float(), "chol": chol.float()}


def _component_log_prob(z: torch.Tensor, means: torch.Tensor, chol: torch.Tensor) -> torch.Tensor:
    d = z.shape[1]
    out = []
    for j in range(means.shape[0]):
        sol = torch.linalg.solve_triangular(chol[j], (z - means[j]).T, upper=False)
        maha = (sol ** 2).sum(0)
        logdet = 2 * torch.log(torch.diagonal(chol[j])).sum()
        out.append(-0.5 * (maha + logdet + d * math.log(2 * math.pi)))
    return torch.stack(out, dim=1)


def latent_center(prior: dict[str, torch.Tensor] | None, latent_dim: int) -> torch.Tensor:
    """Mean of the latent density: the mixture's mean if fitted, else the N(0, I) origin."""
    if not prior or "means" not in prior:
        return torch.zeros(latent_dim)
    return (prior["weights"][:, None] * prior["means"]).sum(0)


def sample_latents(n: int, latent_dim: int, prior: dict[str, torch.Tensor] | None, seed: int | None = None,
                   temperature: float = 1.0) -> torch.Tensor:
    """n latents from the fitted mixture if there is one, else from N(0, I)."""
    g = torch.Generator()
    g.manual_seed(seed if seed is not None else torch.seed())
    eps = torch.randn(n, latent_dim, generator=g) * temperature
    if not prior or "means" not in prior:
        return eps
    comp = torch.multinomial(prior["weights"], n, replacement=True, generator=g)
    # one matrix product per component drawn: indexing chol[comp] would copy a 500 x 500 matrix per
    # latent (36 candidates for a /random 9: 36 MB moved, 40 ms)
    out = prior["means"][comp].clone()
    for c in comp.unique().tolist():
        rows = (comp == c).nonzero().squeeze(1)
        out[rows] += eps[rows] @ prior["chol"][c].T
    return out
