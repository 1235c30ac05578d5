"""Two cats for the offline demo: two real photos shipped beside this module.

A newcomer's first mix should look like what the bot does with people's photos, so the demo mixes
two Pixabay photos (see demo_photos/README.md for their source and licence). Only if they are missing
(a trimmed install) does it fall back to two cats drawn by the model, through the drawing stage.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

DEMO_PHOTOS = Path(__file__).resolve().parent / "demo_photos"
DEMO_FILES = ("pixabay_cat_000119.jpg", "pixabay_cat_002682.jpg")  # tabby -> black-and-white kitten


def sample_photos(engine=None, seed: int = 7, folder: Path = DEMO_PHOTOS) -> list[bytes]:
    files = [folder / name for name in DEMO_FILES]
    if all(f.is_file() for f in files):
        return [f.read_bytes() for f in files]
    if engine is None:
        raise FileNotFoundError(f"the demo photos are missing from {folder}; pass an engine to draw two cats")
    out = []
    for face in engine.draw(engine.sample(2, seed)):
        buf = io.BytesIO()
        Image.fromarray(face).save(buf, format="PNG")
        out.append(buf.getvalue())
    return out
