import dataclasses

import pytest
import torch
import torch.nn.functional as F

from vae_core.model import VAE, BetaLoss, VAEConfig
from vae_core.presets import PRESETS, get_preset


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_has_the_right_shapes_and_round_trips_its_config(name):
    preset = PRESETS[name]
    model = VAE(preset.model).eval()
    x = torch.rand(2, 3, 64, 64)
    mean, log_var = model.encode(x)
    assert mean.shape == log_var.shape == (2, preset.model.latent_dim)
    assert model.decode(mean).shape == (2, 3, 64, 64)
    logits, m2, _ = model(x)
    assert logits.shape == x.shape and torch.equal(m2, mean)
    out = model.decode(mean)
    assert out.min() >= 0 and out.max() <= 1  # sigmoid output
    assert VAEConfig.from_dict(preset.model.to_dict()) == preset.model


def test_seed_presets_match_the_seed_description():
    for name, beta in {"v1": 1, "v2": 2, "v4": 0.5, "v5": 0.05, "v6": 0.005}.items():
        p = get_preset(name)
        assert p.beta == beta
        assert p.model.channels == (3, 32, 64, 128, 256) and p.model.latent_dim == 500
        assert (p.model.kernel, p.model.stride, p.model.padding) == (4, 2, 1)
    assert get_preset("v3").model.channels == (3, 32, 64, 128)
    with pytest.raises(ValueError, match="unknown preset"):
        get_preset("v99")


def test_config_rejects_nonsense():
    with pytest.raises(ValueError):
        VAEConfig(norm="banana")
    with pytest.raises(ValueError):
        VAEConfig.from_dict({**VAEConfig().to_dict(), "wings": 2})
    with pytest.raises(ValueError):
        dataclasses.replace(VAEConfig(), activation="nope")


def test_reparameterize_uses_the_variance():
    mean, log_var = torch.zeros(20000, 1), torch.full((20000, 1), 2 * torch.log(torch.tensor(3.0)).item())
    z = VAE.reparameterize(mean, log_var)
    assert abs(z.std().item() - 3.0) < 0.1


def test_beta_loss_equals_a_hand_computation():
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 4, 4)
    x = torch.rand(2, 3, 4, 4)
    mean, log_var = torch.randn(2, 5), torch.randn(2, 5)
    p = torch.sigmoid(logits)
    bce = -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum() / 2
    kl = sum(-0.5 * (1 + lv - m * m - torch.exp(lv)) for m, lv in zip(mean.flatten(), log_var.flatten())) / 2
    parts = BetaLoss(beta=0.5)(logits, x, mean, log_var)
    assert torch.allclose(parts["recon"], bce, rtol=1e-5)
    assert torch.allclose(parts["kl"], kl, rtol=1e-5)
    assert torch.allclose(parts["loss"], bce + 0.5 * kl, rtol=1e-5)
    mse = BetaLoss(beta=0.0, recon="mse")(logits, x, mean, log_var)["loss"]
    assert torch.allclose(mse, F.mse_loss(p, x, reduction="sum") / 2)


def test_ssim_term_is_zero_for_a_perfect_reconstruction_and_grows_with_error():
    from vae_core.ssim import ssim

    x = torch.rand(2, 3, 64, 64).clamp(0.05, 0.95)
    logits = torch.log(x / (1 - x))  # sigmoid(logits) == x
    mean = log_var = torch.zeros(2, 4)
    plain = BetaLoss(0.0, "bce")(logits, x, mean, log_var)["recon"]
    with_ssim = BetaLoss(0.0, "bce+ssim")(logits, x, mean, log_var)["recon"]
    assert torch.allclose(plain, with_ssim, rtol=1e-4)
    noisy = logits + torch.randn_like(logits)
    recon = {k: BetaLoss(0.0, k)(noisy, x, mean, log_var)["recon"] for k in ("bce", "bce+ssim")}
    gap = recon["bce+ssim"] - recon["bce"]
    expected = 0.05 * 3 * 64 * 64 * (1 - ssim(torch.sigmoid(noisy), x)).mean()
    assert torch.allclose(gap, expected, rtol=1e-3) and gap > 0
