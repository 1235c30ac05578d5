"""Shared fixtures: a tiny real model trained here, real image files, the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from generated_finder import GeneratedFaceFinder
from image_factory import encode_image, synthetic_faces

from trainer.data import ImageSet
from vae_core.checkpoint import load_checkpoint
from vae_core.engine import Engine, EngineSettings

ROOT = Path(__file__).resolve().parent.parent
SHARED_PHOTOS = ROOT.parent / "shared" / "data" / "photos"
SHARED_ZIP = ROOT.parent / "shared" / "data" / "cats64.zip"


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory) -> Path:
    """A tiny VAE really trained (a few hundred images, a few dozen steps) on synthetic faces."""
    from trainer.train import TrainOptions, train

    torch.manual_seed(0)
    faces = synthetic_faces(256)
    images = torch.from_numpy(faces).permute(0, 3, 1, 2).contiguous()
    digests = [f"{i * 2654435761 % 2**32:08x}" for i in range(len(faces))]
    data = ImageSet(images, [f"s{i}" for i in range(len(faces))], digests)
    out = tmp_path_factory.mktemp("tiny")
    return train(TrainOptions(preset="tiny", data="(synthetic)", out=str(out), epochs=3, batch_size=32,
                              threads=1, progress=False), data=data)


@pytest.fixture(scope="session")
def tiny_model(tiny_weights):
    return load_checkpoint(tiny_weights)


@pytest.fixture
async def engine(tiny_model):
    # The generated faces' finder: tests of mixing don't hinge on the learned finder's view of drawn discs.
    eng = Engine(tiny_model, EngineSettings(workers=2, max_pending=16, timeout_s=20), finder=GeneratedFaceFinder())
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def face_jpegs() -> list[bytes]:
    """Two generated face-like JPEG files (always available, unlike the shared photos)."""
    faces = synthetic_faces(2, size=256, seed=7)
    return [encode_image(f, "JPEG", quality=90) for f in faces]


@pytest.fixture(scope="session")
def cat_photos() -> list[bytes]:
    """Real 512 px cat photos from ../shared/data/photos; tests using them skip without it."""
    files = sorted(SHARED_PHOTOS.glob("*.jpg")) if SHARED_PHOTOS.is_dir() else []
    if len(files) < 2:
        pytest.skip("../shared/data/photos is not available on this machine")
    return [f.read_bytes() for f in files]


@pytest.fixture(scope="session")
def tiny_gallery(tiny_weights, tmp_path_factory) -> Path:
    """A 32-cat gallery (two pages) really built by `build_gallery` for the tiny model, from
    generated faces written as PNG files."""
    from trainer.gallery import build_gallery

    folder = tmp_path_factory.mktemp("gallery-faces")
    for i, face in enumerate(synthetic_faces(160, seed=11)):
        (folder / f"face_{i:03d}.png").write_bytes(encode_image(face, "PNG"))
    out = tmp_path_factory.mktemp("gallery") / "gallery.safetensors"
    build_gallery(tiny_weights, folder, out, count=32, progress=False)
    return out
