"""The pictures that go with evaluate-realism, for docs/ (look at them before believing a number).

- random-before-after.png: the same seeds' cats as /random drew them before (64 px decodes) and with the
  drawing stage, at 192 px, plus two faces zoomed 2x.
- random-64.png: 64 cats as /random now draws them, to count malformed ones by eye.
- realism-nearest.png: 16 drawn cats, each beside its nearest afhq192 face: none may be the same cat.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from trainer.evaluate_realism import nearest_real, real_faces

SIDE = 192


def _fit(face: np.ndarray, side: int = SIDE) -> Image.Image:
    img = Image.fromarray(face)
    return img if img.size == (side, side) else img.resize((side, side), Image.Resampling.LANCZOS)


def _label(img: Image.Image, xy: tuple[int, int], text: str) -> None:
    ImageDraw.Draw(img).text(xy, text, fill=(0, 0, 0))


def before_after(today, new, seed: int = 4, n: int = 8) -> Image.Image:
    old, fresh = today.draw(today.sample(n, seed)), new.draw(new.sample(n, seed))
    gap, top = 4, 16
    w = n * (SIDE + gap) - gap
    zoom = 2 * SIDE // 2  # the centre half of a face, shown at 2x
    sheet = Image.new("RGB", (w, top + 2 * (SIDE + top) + zoom + top), "white")
    _label(sheet, (2, 2), f"/random seed {seed} before: 64 px decodes, upscaled (Lanczos) to {SIDE} px")
    _label(sheet, (2, top + SIDE + 2), f"the same seed now: the drawing stage at {SIDE} px (critic-ranked latents)")
    for i in range(n):
        sheet.paste(_fit(old[i]), (i * (SIDE + gap), top))
        sheet.paste(_fit(fresh[i]), (i * (SIDE + gap), 2 * top + SIDE))
    y = 3 * top + 2 * SIDE
    _label(sheet, (2, y - top + 2), "zoomed 2x: before | now, two faces")
    q = SIDE // 4
    for k in range(2):
        for j, face in enumerate((old[k], fresh[k])):
            crop = _fit(face).crop((q, q, 3 * q, 3 * q)).resize((zoom, zoom), Image.Resampling.NEAREST)
            sheet.paste(crop, ((2 * k + j) * (zoom + gap), y))
    return sheet


def sixty_four(new, seed: int = 64, cell: int = 128) -> Image.Image:
    faces = new.draw(new.sample(64, seed))
    sheet = Image.new("RGB", (8 * cell, 8 * cell), "white")
    for i, f in enumerate(faces):
        sheet.paste(_fit(f, cell), ((i % 8) * cell, (i // 8) * cell))
    return sheet


def nearest_sheet(new, data: str, seed: int = 16) -> Image.Image:
    held, pool = real_faces(data)
    real = np.concatenate([held, pool])
    drawn = new.draw(new.sample(16, seed))
    idx = nearest_real(drawn, real)
    cell, gap = 128, 4
    sheet = Image.new("RGB", (8 * (2 * cell + 3 * gap), 16 + 2 * cell + gap), "white")
    _label(sheet, (2, 2), "each drawn cat (left) beside its nearest afhq192 face (right, pixel distance at 48 px)")
    for i in range(16):
        x = (i % 8) * (2 * cell + 3 * gap)
        y = 16 + (i // 8) * (cell + gap)
        sheet.paste(_fit(drawn[i], cell), (x, y))
        sheet.paste(_fit(real[idx[i]], cell), (x + cell, y))
    return sheet


def write_figures(today, new, data: str, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, img in (("random-before-after.png", before_after(today, new)),
                      ("random-64.png", sixty_four(new)),
                      ("realism-nearest.png", nearest_sheet(new, data))):
        img.save(folder / name)
        out.append(folder / name)
    return out
