"""Two cats for the offline demo, without shipping anyone's photos.

The repo never holds training photos, so the demo uses the shared sample photos when this
checkout sits next to them (development, CI) and otherwise two cats drawn by the model itself.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

SHARED_PHOTOS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "photos"
DEMO_PICKS = (3, 20)  # two photos whose mix reads well (tabby -> tuxedo)


def sample_photos(engine=None, seed: int = 7) -> list[bytes]:
    files = sorted(SHARED_PHOTOS.glob("*.jpg")) if SHARED_PHOTOS.is_dir() else []
    if len(files) > max(DEMO_PICKS):
        return [files[i].read_bytes() for i in DEMO_PICKS]
    if engine is None:
        raise FileNotFoundError("no sample photos here; pass an engine to draw two cats instead")
    from vae_core.prior import sample_latents

    z = sample_latents(2, engine.model.config.latent_dim, engine.prior, seed)
    out = []
    for frame in engine.decode(z):
        buf = io.BytesIO()
        Image.fromarray(frame).resize((256, 256), Image.Resampling.LANCZOS).save(buf, format="PNG")
        out.append(buf.getvalue())
    return out
