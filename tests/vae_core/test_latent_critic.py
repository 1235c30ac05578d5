"""Ranking latents before drawing them: the critic keeps the best of each group, and a constructed
malformed latent among good ones is never the one shown."""

import numpy as np
import torch

from vae_core.checkpoint import load_latent_critic, save_latent_critic
from vae_core.engine import DEFAULT_LATENT_CRITIC, DEFAULT_WEIGHTS, Engine, EngineSettings
from vae_core.finder import load_finder
from vae_core.latent_critic import LatentCritic, LatentCriticConfig, best_of, face_score


def test_best_of_keeps_the_top_of_each_group_in_order():
    scores = torch.tensor([0.1, 0.9, 0.3, 0.7, 0.2, 0.0, 0.5, 0.6, 0.4])
    assert best_of(scores, 3, 3).tolist() == [1, 3, 7]


def _norm_critic(dim: int) -> LatentCritic:
    """A critic that knows one rule: latents far from the centre draw malformed cats."""
    torch.manual_seed(0)
    critic = LatentCritic(LatentCriticConfig(dim, hidden=16))
    z = torch.randn(2000, dim) * torch.rand(2000, 1) * 3
    target = (z.norm(dim=1) < 1.5 * dim ** 0.5).float()
    opt = torch.optim.Adam(critic.parameters(), lr=1e-2)
    for _ in range(300):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(critic(z), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return critic.eval()


async def test_the_engine_never_keeps_a_bad_latent_among_good_ones(tiny_model, tmp_path):
    dim = tiny_model.model.config.latent_dim
    path = save_latent_critic(tmp_path / "c.safetensors", _norm_critic(dim))
    eng = Engine(tiny_model, EngineSettings(workers=1), latent_critic=path)
    try:
        g = torch.Generator().manual_seed(1)
        good = torch.randn(12, dim, generator=g) * 0.5
        bad = torch.randn(4, dim, generator=g) * 4  # far out of the prior: fog or mush when drawn
        candidates = torch.cat([good, bad])[torch.tensor([12, 0, 1, 2, 3, 13, 4, 5, 6, 7, 14, 8, 9, 10, 11, 15])]
        kept = eng.keep_best(candidates, 4)
        assert kept.shape == (4, dim)
        assert all(bool((k - bad).abs().sum(1).min() > 0) for k in kept)  # no bad latent survived
        # and sampling through the critic is repeatable for a seed
        assert torch.equal(eng.sample(3, 5), eng.sample(3, 5))
    finally:
        eng.close()


def test_saved_critic_loads_with_its_normalisation(tmp_path):
    critic = _norm_critic(8)
    critic.center.fill_(0.25)
    loaded, _ = load_latent_critic(save_latent_critic(tmp_path / "c.safetensors", critic, {"n": 1}))
    z = torch.randn(5, 8)
    with torch.no_grad():
        assert (loaded(z) - critic(z)).abs().max() < 0.05
    assert torch.allclose(loaded.center, torch.full((8,), 0.25))


def test_the_shipped_critic_rejects_a_malformed_cat_among_well_formed_ones():
    """From 120 prior draws of a seed the critic never saw, the finder's own look picks the worst-formed
    cat (no head found) and the seven best; the shipped critic ranks the bad one below every good one,
    and keep_best never draws it. (The critic knows prior draws only: it is not asked about latents
    pushed off the prior, which sampling never makes.)"""
    assert DEFAULT_LATENT_CRITIC.is_file(), "weights/latent-critic.safetensors must be shipped"
    eng = Engine(DEFAULT_WEIGHTS, EngineSettings(workers=1))
    try:
        from vae_core.prior import sample_latents

        z = sample_latents(120, eng.model.config.latent_dim, eng.prior, seed=7)
        finder = load_finder()
        scores = np.array([face_score(finder, f) for f in eng.decode(z)])
        order = np.argsort(scores)
        bad, good = z[order[0]], z[order[-7:]]
        assert scores[order[0]] < 0.1 < 0.9 < scores[order[-7]]  # truly malformed vs clearly a cat
        with torch.no_grad():
            ranks = eng.latent_critic(torch.cat([good, bad[None]]))
        assert int(ranks.argmin()) == 7
        kept = eng.keep_best(torch.cat([bad[None], good[:3]]), 1)
        assert not torch.equal(kept[0], bad)
    finally:
        eng.close()
