import pytest
import torch

from vae_core.latent import blend, interpolate
from vae_core.prior import fit_gaussian_mixture, latent_center, sample_latents


@pytest.mark.parametrize("path", ["linear", "slerp"])
def test_paths_keep_the_endpoints_and_the_frame_count(path):
    z0, z1, c = torch.randn(50), torch.randn(50), torch.randn(50)
    z = interpolate(z0, z1, 7, path, center=c)
    assert z.shape == (7, 50)
    assert torch.allclose(z[0], z0, atol=1e-5) and torch.allclose(z[-1], z1, atol=1e-5)


def test_slerp_around_the_centre_keeps_in_between_codes_as_far_out_as_the_ends():
    torch.manual_seed(0)
    c = torch.full((200,), 3.0)
    z0, z1 = c + torch.randn(200), c + torch.randn(200)
    lin_mid = interpolate(z0, z1, 3, "linear")[1]
    slerp_mid = interpolate(z0, z1, 3, "slerp", center=c)[1]
    ends = ((z0 - c).norm() + (z1 - c).norm()) / 2
    assert (lin_mid - c).norm() < 0.8 * ends  # the straight line cuts through the middle of the cloud
    assert torch.isclose((slerp_mid - c).norm(), ends, rtol=1e-4)
    with pytest.raises(ValueError):
        interpolate(z0, z1, 3, "zigzag")


def test_blend_is_the_weighted_mean():
    z = torch.tensor([[0.0, 0.0], [4.0, 8.0]])
    assert torch.allclose(blend(z, torch.tensor([3.0, 1.0])), torch.tensor([[1.0, 2.0]]))


def test_fitted_mixture_samples_where_the_data_is():
    torch.manual_seed(0)
    data = torch.cat([torch.randn(300, 4) * 0.1 + 5, torch.randn(300, 4) * 0.1 - 5]).double()
    prior = fit_gaussian_mixture(data, 2, seed=0)
    assert torch.allclose(latent_center(prior, 4), torch.zeros(4), atol=0.2)
    s = sample_latents(400, 4, prior, seed=1)
    assert ((s.mean(1).abs() - 5).abs() < 1).float().mean() > 0.95  # near one of the two clusters
    assert torch.equal(sample_latents(3, 4, prior, seed=2), sample_latents(3, 4, prior, seed=2))
    assert torch.equal(latent_center(None, 4), torch.zeros(4))
