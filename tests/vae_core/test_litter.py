"""Litters: seeded kittens near the parents' middle, with prior-shaped variety, drawn as a grid."""

from __future__ import annotations

import io

import pytest
import torch
from image_factory import synthetic_faces
from PIL import Image

from vae_core.errors import BadRequest
from vae_core.latent import interpolate
from vae_core.litter import LITTER_SIZE, T_RANGE, litter, litter_latents
from vae_core.prior import fit_gaussian_mixture, latent_means, sample_latents


def _parents(dim: int, prior):
    za, zb = sample_latents(2, dim, prior, seed=3)
    return za, zb


def test_litter_is_seeded_and_sits_between_the_parents(tiny_model):
    dim, prior = tiny_model.model.config.latent_dim, tiny_model.prior
    za, zb = _parents(dim, prior)
    k1, t1 = litter_latents(za, zb, seed=5, prior=prior)
    k2, t2 = litter_latents(za, zb, seed=5, prior=prior)
    k3, _ = litter_latents(za, zb, seed=6, prior=prior)
    assert k1.shape == (LITTER_SIZE, dim) and torch.equal(k1, k2) and torch.equal(t1, t2)
    assert not torch.allclose(k1, k3)
    assert ((t1 >= T_RANGE[0]) & (t1 <= T_RANGE[1])).all()
    assert t1.max() - t1.min() > 0.2  # stratified: from "more like A" to "more like B"
    # without variation the kittens are exactly points on the path; with it they leave it, but
    # stay nearer the parents' middle than the parents are to each other
    plain, t = litter_latents(za, zb, seed=5, prior=prior, spread=0.0, path="linear")
    assert torch.allclose(plain, (1 - t[:, None]) * za + t[:, None] * zb, atol=1e-2)
    mid = interpolate(za, zb, 3, "linear")[1]
    assert ((k1 - mid).norm(dim=1) < (za - zb).norm()).all()


def test_prior_shapes_the_variation(tiny_model):
    """With a fitted mixture the steps follow its covariance; without one they are isotropic."""
    model = tiny_model.model
    faces = torch.from_numpy(synthetic_faces(200, seed=4)).permute(0, 3, 1, 2).contiguous()
    prior = fit_gaussian_mixture(latent_means(model, faces), components=2)
    dim = model.config.latent_dim
    za, zb = _parents(dim, prior)
    base, _ = litter_latents(za, zb, n=64, seed=1, prior=prior, spread=0.0)
    shaped, _ = litter_latents(za, zb, n=64, seed=1, prior=prior, spread=1.0)
    plain, _ = litter_latents(za, zb, n=64, seed=1, prior=None, spread=1.0)
    var_shaped = (shaped - base).var(0)
    var_plain = (plain - base).var(0)
    cov_diag = torch.diagonal(prior["chol"] @ prior["chol"].transpose(1, 2), dim1=1, dim2=2).mean(0)
    # the shaped steps' per-dimension variance follows the prior's, the isotropic ones don't
    corr_shaped = torch.corrcoef(torch.stack([var_shaped, cov_diag]))[0, 1]
    corr_plain = torch.corrcoef(torch.stack([var_plain, cov_diag]))[0, 1]
    assert corr_shaped > 0.5 and corr_shaped > corr_plain + 0.2


async def test_litter_picture_from_photos_and_latents(engine, face_jpegs):
    reply, seed = await litter(engine, face_jpegs, seed=42)
    assert seed == 42 and reply.mime == "image/png" and reply.frames == LITTER_SIZE
    img = Image.open(io.BytesIO(reply.data))
    assert img.width > img.height > 300  # parents column + 3 x 2 kittens
    assert len(reply.cats) == 2 and all(c.photo is not None for c in reply.cats)
    again, _ = await litter(engine, face_jpegs, seed=42)
    assert again.data == reply.data
    other, _ = await litter(engine, face_jpegs, seed=43)
    assert other.data != reply.data
    z = reply.cats[0].z
    from_latents, fresh = await litter(engine, [engine.cat_from_latent(z, "A"), reply.cats[1]], seed=None)
    assert 0 <= fresh < 10**9 and from_latents.mime == "image/png"


async def test_litter_refuses_other_counts(engine, face_jpegs):
    with pytest.raises(BadRequest):
        await litter(engine, face_jpegs[:1])
    with pytest.raises(BadRequest):
        await litter(engine, face_jpegs, n=0)
    with pytest.raises(BadRequest):
        await litter(engine, face_jpegs, seed=-1)
