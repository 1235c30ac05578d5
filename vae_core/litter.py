"""A litter: kittens two cats might have, drawn near the middle of their path with some variety.

Each kitten starts at a point t in [0.3, 0.7] along the engine's mix path between the parents
(stratified, so the litter spreads from "more like A" to "more like B"), then moves by a step
drawn from the latent prior: the Gaussian-mixture component that best explains that point gives
the step's shape, so kittens vary the way real cats vary there (coat, face shape) instead of
along arbitrary directions that decode as noise. Seeded: the same parents and seed give the same
litter. trainer/litter_metrics.py measures that kittens pass as cats and resemble their parents.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence

import torch

from vae_core.engine import Cat, Engine, Reply
from vae_core.errors import BadRequest
from vae_core.latent import interpolate
from vae_core.prior import _component_log_prob
from vae_core.sheets import litter_grid

LITTER_SIZE = 6
MAX_LITTER = 9
T_RANGE = (0.3, 0.7)
SPREAD = 0.35  # the prior step's scale: larger gives more varied kittens that look less like the parents
_STEPS = 201  # t resolution along the path


def litter_latents(za: torch.Tensor, zb: torch.Tensor, n: int = LITTER_SIZE, seed: int = 0,
                   prior: dict[str, torch.Tensor] | None = None, center: torch.Tensor | None = None,
                   path: str = "slerp", spread: float = SPREAD) -> tuple[torch.Tensor, torch.Tensor]:
    """(kittens n x D, their t along the path)."""
    g = torch.Generator().manual_seed(int(seed))
    lo, hi = T_RANGE
    t = lo + (hi - lo) * (torch.arange(n, dtype=torch.float64) + torch.rand(n, generator=g, dtype=torch.float64)) / n
    line = interpolate(za.float(), zb.float(), _STEPS, path, center)
    base = line[(t * (_STEPS - 1)).round().long()]
    eps = torch.randn(n, base.shape[1], generator=g)
    if prior and "means" in prior:
        comp = (_component_log_prob(base.double(), prior["means"].double(), prior["chol"].double())
                + prior["weights"].double().log()).argmax(1)
        step = torch.einsum("nij,nj->ni", prior["chol"][comp].float(), eps)
    else:
        step = eps  # no fitted prior: the VAE's own N(0, I)
    return base + spread * step, t.float()


def litter_sync(engine: Engine, sources: Sequence[bytes | Cat], seed: int, n: int = LITTER_SIZE,
                labels: Sequence[str] = ()) -> Reply:
    """Runs in the engine's pool: parents -> kittens -> one PNG (parents framed, kittens beside)."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    cats = engine.resolve(sources, timings)
    z, _ = litter_latents(cats[0].z, cats[1].z, n, seed, engine.prior, engine.center)
    kittens = engine.draw(z)
    parents = [engine.picture(c) for c in cats]
    names = [(labels[i] if i < len(labels) and labels[i] else c.label) or "AB"[i] for i, c in enumerate(cats)]
    data = litter_grid(parents, kittens, names)
    timings["total"] = time.perf_counter() - t0
    return Reply(data, "image/png", "kitten-litter.png", n, [c.report for c in cats if c.report is not None],
                 timings, cats, list(kittens))


async def litter(engine: Engine, sources: Sequence[bytes | Cat], seed: int | None = None, n: int = LITTER_SIZE,
                 labels: Sequence[str] = ()) -> tuple[Reply, int]:
    """The shared entry point for both bots and the CLI: (picture, the seed used, to show and reuse)."""
    if len(sources) != 2:
        raise BadRequest(f"a litter needs exactly two parents, got {len(sources)}.", count=len(sources))
    if not 1 <= n <= MAX_LITTER:
        raise BadRequest(f"a litter has 1 to {MAX_LITTER} kittens, not {n}.", count=n)
    if seed is None:
        seed = secrets.randbelow(10**9)  # picked here so the reply can show it: same seed, same litter
    elif not 0 <= seed < 2**63:
        raise BadRequest(f"the seed must be a whole number from 0 to {2**63 - 1}.", seed=seed)
    return await engine.run(litter_sync, engine, list(sources), seed, n, list(labels)), seed
