"""The detail bank: its file, borrowing a face's own fur back, and the engine drawing through it."""

import cv2
import numpy as np
import pytest
import torch
from generated_finder import GeneratedFaceFinder
from image_factory import synthetic_faces

from trainer.mix_metrics import psnr
from vae_core.checkpoint import CheckpointError, save_checkpoint
from vae_core.detail_bank import DetailBank, DressConfig, load_bank, save_bank
from vae_core.engine import Engine, EngineSettings


@pytest.fixture(scope="module")
def bank_parts(tiny_model):
    """12 sharp 192 px faces and the tiny model's latents of their 64 px crops."""
    faces = synthetic_faces(12, size=192, seed=31)
    x = torch.from_numpy(faces).permute(0, 3, 1, 2).float().div(255)
    with torch.no_grad():
        z = tiny_model.model.encode_mean(torch.nn.functional.avg_pool2d(x, 3))
    return faces, z


def _decode(model):
    def decode(z):
        with torch.no_grad():
            return model.decode(z).mul(255).round().clamp(0, 255).byte().permute(0, 2, 3, 1).numpy()
    return decode


def test_the_file_round_trips_and_refuses_other_files(tmp_path, bank_parts, tiny_model):
    faces, z = bank_parts
    path = save_bank(tmp_path / "bank.safetensors", faces, z, {"faces": 12}, quality=95)
    bank = load_bank(path)
    assert len(bank) == 12 and bank.faces.shape == faces.shape
    assert psnr(bank.faces, faces) > 30  # JPEG, not bit-exact
    assert torch.allclose(bank.latents, z, atol=1e-2)  # float16
    with pytest.raises(CheckpointError, match="not found"):
        load_bank(tmp_path / "none.safetensors")
    with pytest.raises(CheckpointError, match="format"):
        load_bank(save_checkpoint(tmp_path / "vae.safetensors", tiny_model.model))


def test_a_bank_face_dressed_from_its_own_decode_gets_its_fur_back(bank_parts, tiny_model):
    faces, z = bank_parts
    decode = _decode(tiny_model.model)
    bank = DetailBank(faces, z, DressConfig(sigma=3.0, gain=1.0))
    with pytest.raises(RuntimeError):
        bank.dress(decode(z[:1]), z[:1])
    bank.prepare(decode)
    dec = decode(z[:4])
    out = bank.dress(dec, z[:4])
    assert out.shape == (4, 192, 192, 3) and out.dtype == np.uint8
    assert np.array_equal(out, bank.dress(dec, z[:4]))  # the same cat always looks the same
    assert bank.nearest(z[:4], dec).tolist() == [0, 1, 2, 3]  # its own decode is the closest
    plain = np.stack([np.asarray(torch.nn.functional.interpolate(
        torch.from_numpy(d).permute(2, 0, 1)[None].float(), scale_factor=3, mode="bicubic")[0]
        .clamp(0, 255).round().byte().permute(1, 2, 0)) for d in dec])
    def fine(a):  # the band the bank restores: above a 3 px Gaussian
        a = a.astype(np.float32)
        return a - np.stack([cv2.GaussianBlur(x, (0, 0), 3.0) for x in a])

    real = fine(faces[:4])
    assert np.corrcoef(fine(out).ravel(), real.ravel())[0, 1] > 0.8  # its own fur, in its own place
    assert np.corrcoef(fine(plain).ravel(), real.ravel())[0, 1] < 0.6  # what the decode alone has


async def test_the_engine_draws_through_the_bank(bank_parts, tiny_model, face_jpegs):
    faces, z = bank_parts
    eng = Engine(tiny_model, EngineSettings(workers=1), finder=GeneratedFaceFinder(), latent_critic=False,
                 detail_bank=DetailBank(faces, z))
    try:
        assert eng.draws_detail
        reply = await eng.random(3, seed=2)
        assert [p.shape for p in reply.pictures] == [(192, 192, 3)] * 3
        drawn = eng.cat_from_latent(eng.sample(1, 4)[0])
        assert eng.picture(drawn).shape == (192, 192, 3)
    finally:
        eng.close()


def test_the_coarser_band_is_not_borrowed_where_the_other_cat_has_a_feature_this_one_lacks():
    """A bank cat with big round eyes lends its fur to a squinting cat, not its eye rims: where their
    decodes' structure differs, only the finest band comes across."""
    rng = np.random.default_rng(1)
    face = np.clip(128 + rng.standard_normal((192, 192, 3)) * 20, 0, 255).astype(np.uint8)
    own = np.full((1, 64, 64, 3), 128, np.uint8)
    cv2.circle(own[0], (20, 26), 7, (20, 20, 20), -1)  # the bank cat's big dark eye, in its decode
    bank = DetailBank(face[None], torch.zeros(1, 4), DressConfig(sigma=6.0, fine_sigma=1.5, flow_blur=0.0))
    bank.prepare(lambda z: own)
    same = bank.dress(own, torch.zeros(1, 4))[0].astype(np.float32)
    squint = np.full((1, 64, 64, 3), 128, np.uint8)  # this cat: no eye there
    other = bank.dress(squint, torch.zeros(1, 4))[0].astype(np.float32)
    eye = np.zeros((192, 192), bool)
    cv2.circle(eye.view(np.uint8), (60, 78), 15, 1, -1)

    def coarse(img: np.ndarray) -> float:  # strength of the 1.5-6 px band in the eye region
        band = cv2.GaussianBlur(img, (0, 0), 1.5) - cv2.GaussianBlur(img, (0, 0), 6.0)
        return float(np.abs(band[eye]).mean())

    def fine(img: np.ndarray) -> float:
        return float(np.abs(img - cv2.GaussianBlur(img, (0, 0), 1.5))[eye].mean())

    assert coarse(other) < 0.5 * coarse(same)
    assert fine(other) > 0.5 * fine(same)  # the fur itself still comes
