"""The drawing stage's net: shapes, determinism, its file format, and what an untrained one does."""

import pytest
import torch
import torch.nn.functional as F

from vae_core.checkpoint import CheckpointError, load_refiner, save_checkpoint, save_refiner
from vae_core.refiner import Refiner, RefinerConfig

TINY = RefinerConfig(width=8, blocks=1, fine=4)


def _trained_a_little(cfg: RefinerConfig = TINY) -> Refiner:
    torch.manual_seed(0)
    net = Refiner(cfg)
    for p in net.parameters():  # a non-trivial net: the zero-initialised output layer made non-zero
        p.data.add_(torch.randn_like(p) * 0.05)
    return net.eval()


def test_output_is_scale_times_larger_and_in_range():
    net = _trained_a_little()
    x = torch.rand(3, 3, 16, 16)
    y = net(x, torch.zeros(3, 1, 16, 16))
    assert y.shape == (3, 3, 48, 48)
    assert y.min() >= 0 and y.max() <= 1


def test_same_input_and_noise_same_picture_other_noise_other_fur():
    net = _trained_a_little()
    x = torch.rand(2, 3, 16, 16)
    g = torch.Generator().manual_seed(3)
    noise = torch.randn(2, 1, 16, 16, generator=g)
    with torch.no_grad():
        a, b = net(x, noise), net(x, noise.clone())
        c = net(x, torch.randn(2, 1, 16, 16, generator=g))
    assert torch.equal(a, b)
    assert (a - c).abs().mean() > 1e-4


def test_an_untrained_refiner_is_exactly_the_bicubic_upscale():
    net = Refiner(TINY).eval()
    x = torch.rand(2, 3, 16, 16)
    up = F.interpolate(x, scale_factor=3, mode="bicubic", align_corners=False).clamp(0, 1)
    assert torch.allclose(net(x), up, atol=1e-6)


def test_without_noise_channels_it_needs_no_noise():
    net = _trained_a_little(RefinerConfig(width=8, blocks=1, fine=4, noise=0))
    x = torch.rand(1, 3, 8, 8)
    assert torch.equal(net(x), net(x))


def test_save_and_load_round_trip(tmp_path):
    net = _trained_a_little()
    path = save_refiner(tmp_path / "r.safetensors", net, {"steps": 7})
    loaded, info = load_refiner(path)
    assert loaded.config == TINY and info == {"steps": 7}
    x, noise = torch.rand(1, 3, 16, 16), torch.zeros(1, 1, 16, 16)
    with torch.no_grad():  # float16 storage: close, not bit-equal
        assert (loaded(x, noise) - net(x, noise)).abs().max() < 2e-2


def test_loading_refuses_missing_foreign_and_broken_files(tmp_path, tiny_model):
    with pytest.raises(CheckpointError, match="not found"):
        load_refiner(tmp_path / "nope.safetensors")
    vae = save_checkpoint(tmp_path / "vae.safetensors", tiny_model.model)
    with pytest.raises(CheckpointError, match="format"):
        load_refiner(vae)
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"\x00" * 64)
    with pytest.raises(CheckpointError):
        load_refiner(broken)
