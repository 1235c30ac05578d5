"""The "where's the face?" picture: the user's photo with a numbered 3x3 grid drawn over it.

Drawn here (not in a bot) so both chat platforms send the same picture and tests can check it
without a chat server. Numbers are 1-9, row by row, matching the buttons under the picture.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from vae_core.hints import CELLS, cell_box

OVERLAY_SIDE = 768  # longest side of the picture sent back: plenty to recognise a cat, small to upload


def grid_overlay(img: Image.Image, side: int = OVERLAY_SIDE) -> Image.Image:
    """A copy of `img` (longest side `side`) with the grid lines and a number in each cell."""
    out = img.convert("RGB")
    out.thumbnail((side, side), Image.Resampling.LANCZOS)
    w, h = out.size
    shade = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(shade)
    line = max(2, round(min(w, h) / 160))
    for k in (1, 2):
        x, y = round(k * w / 3), round(k * h / 3)
        draw.line((x, 0, x, h), fill=(0, 0, 0, 150), width=line + 2)
        draw.line((0, y, w, y), fill=(0, 0, 0, 150), width=line + 2)
        draw.line((x, 0, x, h), fill=(255, 255, 255, 230), width=line)
        draw.line((0, y, w, y), fill=(255, 255, 255, 230), width=line)
    font = ImageFont.load_default(size=max(12, round(min(w, h) / 10)))
    for cell in range(CELLS):
        x0, y0, _, _ = cell_box((w, h), cell)
        pad = max(4, round(min(w, h) / 60))
        draw.text((x0 + pad, y0 + pad), str(cell + 1), font=font, fill=(255, 255, 255, 255),
                  stroke_width=max(2, line), stroke_fill=(0, 0, 0, 255))
    return Image.alpha_composite(out.convert("RGBA"), shade).convert("RGB")


def grid_overlay_jpeg(img: Image.Image, side: int = OVERLAY_SIDE, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    grid_overlay(img, side).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()
