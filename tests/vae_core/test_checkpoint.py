import pytest
import torch

from vae_core.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from vae_core.model import VAE
from vae_core.presets import get_preset


def test_save_and_load_give_the_same_model_config_and_extras(tmp_path):
    torch.manual_seed(0)
    model = VAE(get_preset("tiny").model).eval()
    prior = {"weights": torch.tensor([0.25, 0.75]), "means": torch.randn(2, 16), "chol": torch.eye(16).repeat(2, 1, 1)}
    path = save_checkpoint(tmp_path / "m.safetensors", model, info={"preset": "tiny", "epochs": 3}, prior=prior)
    loaded = load_checkpoint(path)
    assert loaded.model.config == model.config
    assert loaded.info == {"preset": "tiny", "epochs": 3}
    for k, v in model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[k], v)
    assert torch.equal(loaded.prior["means"], prior["means"])
    x = torch.rand(3, 3, 64, 64)
    assert torch.equal(loaded.model.decode(loaded.model.encode(x)[0]), model.decode(model.encode(x)[0]))


_JUNK = [b"", b"not a checkpoint at all", b"\x00" * 64, b"\xff\xff\xff\xff\xff\xff\xff\x7f"]


@pytest.mark.parametrize("content", _JUNK)
def test_corrupt_or_foreign_files_raise_a_clear_error(tmp_path, content):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(content)
    with pytest.raises(CheckpointError, match="not a readable Kitten Mixer checkpoint|not a Kitten Mixer"):
        load_checkpoint(bad)


def test_truncated_checkpoint_raises_a_clear_error(tmp_path):
    path = save_checkpoint(tmp_path / "m.safetensors", VAE(get_preset("tiny").model))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError):
        load_checkpoint(path)


def test_a_safetensors_file_from_elsewhere_is_refused(tmp_path):
    from safetensors.torch import save_file

    other = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(other))
    with pytest.raises(CheckpointError, match="not a Kitten Mixer checkpoint"):
        load_checkpoint(other)
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "missing.safetensors")


def test_half_precision_export_is_smaller_and_loads_as_float32(tmp_path):
    torch.manual_seed(1)
    model = VAE(get_preset("tiny").model).eval()
    full = save_checkpoint(tmp_path / "f.safetensors", model, prior={"means": torch.randn(2, 16)})
    half = save_checkpoint(tmp_path / "h.safetensors", model, prior={"means": torch.randn(2, 16)}, half=True)
    assert half.stat().st_size < 0.6 * full.stat().st_size
    loaded = load_checkpoint(half)
    assert all(p.dtype == torch.float32 for p in loaded.model.parameters())
    assert loaded.prior["means"].dtype == torch.float32
    x = torch.rand(2, 3, 64, 64)
    assert torch.allclose(loaded.model.decode(loaded.model.encode(x)[0]), model.decode(model.encode(x)[0]), atol=2e-2)
