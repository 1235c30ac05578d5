"""The model we ship: it loads with no other knowledge and really reconstructs cats."""

import numpy as np
import torch
from image_factory import synthetic_faces

from vae_core.checkpoint import load_checkpoint
from vae_core.engine import DEFAULT_WEIGHTS

MAX_SHIPPED_BYTES = 30 * 1024 * 1024


def test_shipped_checkpoint_loads_and_describes_itself():
    assert DEFAULT_WEIGHTS.is_file(), "weights/kitten-mixer.safetensors must be committed"
    assert DEFAULT_WEIGHTS.stat().st_size < MAX_SHIPPED_BYTES
    loaded = load_checkpoint(DEFAULT_WEIGHTS)
    assert loaded.info["preset"].startswith("kitten")
    assert loaded.model.config.image_size == 64
    assert {"weights", "means", "chol"} <= set(loaded.prior)  # the fitted latent prior for /random


@torch.no_grad()
def test_shipped_model_reconstructs_better_than_a_flat_grey_image():
    model = load_checkpoint(DEFAULT_WEIGHTS).model
    x = torch.from_numpy(synthetic_faces(16, seed=21)).permute(0, 3, 1, 2).float() / 255
    rec = model.decode(model.encode(x)[0])
    err_model = (rec - x).pow(2).mean().item()
    err_grey = (torch.full_like(x, 0.5) - x).pow(2).mean().item()
    err_mean = (x.mean(dim=(0, 2, 3), keepdim=True).expand_as(x) - x).pow(2).mean().item()
    assert err_model < 0.5 * err_grey and err_model < err_mean


@torch.no_grad()
def test_shipped_model_random_cats_are_varied_and_in_range():
    from vae_core.prior import sample_latents

    loaded = load_checkpoint(DEFAULT_WEIGHTS)
    imgs = loaded.model.decode(sample_latents(8, loaded.model.config.latent_dim, loaded.prior, seed=0))
    assert imgs.min() >= 0 and imgs.max() <= 1
    per_image = imgs.flatten(1).numpy()
    assert np.std(per_image, axis=0).mean() > 0.03  # not one cat eight times
