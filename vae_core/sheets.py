"""Pictures with words on them: the numbered gallery sheet, the latent map and the litter grid.

Sized for a phone: chat apps show a picture about 360-400 px wide before it is tapped, so
labels are big and sheets stay near 700-1100 px. Pillow's bundled font needs no system fonts.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from vae_core.render import upscale

BG = (250, 247, 242)
INK = (40, 36, 32)
ACCENT = (220, 70, 60)
ACCENT_B = (40, 110, 210)
PATH = (235, 140, 30)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False, compress_level=3)
    return buf.getvalue()


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    """Shorten `text` with an ellipsis until it fits `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def gallery_sheet(faces: np.ndarray, labels: Sequence[str], title: str = "", columns: int = 4,
                  cell: int = 160) -> bytes:
    """A numbered sheet: each face with its label ("12 Ginger") under it."""
    n = len(faces)
    rows = max(1, -(-n // columns))
    gap, label_h = 10, 30
    title_h = 44 if title else 0
    w = columns * cell + (columns + 1) * gap
    h = title_h + rows * (cell + label_h) + (rows + 1) * gap
    img = Image.new("RGB", (w, h), BG)
    draw = ImageDraw.Draw(img)
    if title:
        draw.text((w // 2, title_h // 2 + 4), title, fill=INK, font=_font(26), anchor="mm")
    font = _font(20)
    for i, (face, label) in enumerate(zip(faces, labels, strict=True)):
        r, c = divmod(i, columns)
        x = gap + c * (cell + gap)
        y = title_h + gap + r * (cell + label_h + gap)
        img.paste(upscale(face, cell), (x, y))
        draw.text((x + cell // 2, y + cell + label_h // 2 + 2), _fit(draw, label, font, cell), fill=INK,
                  font=font, anchor="mm")
    return _png(img)


def latent_map(faces: np.ndarray, coords: np.ndarray, numbers: Sequence[int], size: int = 1280,
               thumb: int = 96, path: np.ndarray | None = None, ends: Sequence[np.ndarray] = (),
               end_labels: Sequence[str] = (), title: str = "") -> bytes:
    """Gallery thumbnails at their map positions, each numbered; optionally a mix's path across it.

    `path` is a polyline in map coordinates ([0, 1]^2); `ends` are the faces drawn large at its ends
    (the cats being mixed), labelled with `end_labels`.
    """
    title_h = 48 if title else 0
    img = Image.new("RGB", (size, size + title_h), BG)
    draw = ImageDraw.Draw(img)
    if title:
        draw.text((size // 2, title_h // 2 + 4), title, fill=INK, font=_font(28), anchor="mm")
    span = size - thumb

    def at(xy: np.ndarray) -> tuple[int, int]:
        return int(xy[0] * span + thumb / 2), int(xy[1] * span + thumb / 2) + title_h

    font = _font(22)  # the numbers must stay legible when a phone shows the map 400 px wide and zoomed
    for face, xy, number in zip(faces, coords, numbers, strict=True):
        cx, cy = at(xy)
        img.paste(upscale(face, thumb), (cx - thumb // 2, cy - thumb // 2))
        label = str(number)
        tw = draw.textlength(label, font=font)
        x0, y0 = cx - thumb // 2, cy - thumb // 2
        draw.rectangle((x0, y0, x0 + tw + 6, y0 + 25), fill=(255, 255, 255))
        draw.text((x0 + 3, y0 + 1), label, fill=INK, font=font)
    if path is not None and len(path) >= 2:
        points = [at(p) for p in path]
        draw.line(points, fill=PATH, width=7, joint="curve")
        for p in points[1:-1]:
            draw.ellipse((p[0] - 6, p[1] - 6, p[0] + 6, p[1] + 6), fill=PATH, outline=(255, 255, 255), width=2)
        big = int(thumb * 1.6)
        colours = [ACCENT, ACCENT_B, (40, 160, 90), (150, 70, 190)]
        label_font = _font(26)
        for i, face in enumerate(ends):
            where = points[0] if i == 0 else points[-1] if len(ends) == 2 else _index_point(points, i, len(ends))
            box = (where[0] - big // 2, where[1] - big // 2)
            box = (min(max(box[0], 0), size - big), min(max(box[1], title_h), size + title_h - big))
            colour = colours[i % len(colours)]
            draw.rectangle((box[0] - 5, box[1] - 5, box[0] + big + 4, box[1] + big + 4), fill=colour)
            img.paste(upscale(face, big), box)
            if i < len(end_labels):
                text = _fit(draw, end_labels[i], label_font, big + 60)
                tw = draw.textlength(text, font=label_font)
                ty = box[1] + big + 6 if box[1] + big + 40 < size + title_h else box[1] - 40
                tx = min(max(box[0] + big // 2 - tw / 2, 0), size - tw)
                draw.rectangle((tx - 4, ty, tx + tw + 4, ty + 33), fill=colour)
                draw.text((tx, ty + 3), text, fill=(255, 255, 255), font=label_font)
    return _png(img)


def _index_point(points: list[tuple[int, int]], i: int, n: int) -> tuple[int, int]:
    """For a loop through n cats, where cat i sits on the polyline (its frames are evenly spaced)."""
    return points[round(i * (len(points) - 1) / n)]


def litter_grid(parents: Sequence[np.ndarray], kittens: np.ndarray, parent_labels: Sequence[str],
                title: str = "", cell: int = 192) -> bytes:
    """Parents on the left (framed in colour), the kittens in a 3-wide grid beside them."""
    gap, label_h = 12, 32
    cols = 3
    rows = max(len(parents), -(-len(kittens) // cols))
    title_h = 44 if title else 0
    w = gap + (cell + gap) + 3 * gap + cols * (cell + gap)
    h = title_h + gap + rows * (cell + label_h + gap)
    img = Image.new("RGB", (w, h), BG)
    draw = ImageDraw.Draw(img)
    if title:
        draw.text((w // 2, title_h // 2 + 4), title, fill=INK, font=_font(26), anchor="mm")
    font = _font(20)
    colours = [ACCENT, ACCENT_B]
    for i, (face, label) in enumerate(zip(parents, parent_labels, strict=True)):
        x, y = gap, title_h + gap + i * (cell + label_h + gap)
        colour = colours[i % 2]
        draw.rectangle((x - 4, y - 4, x + cell + 3, y + cell + 3), fill=colour)
        img.paste(upscale(face, cell), (x, y))
        draw.text((x + cell // 2, y + cell + label_h // 2 + 2), _fit(draw, label, font, cell), fill=colour,
                  font=font, anchor="mm")
    x_div = gap + cell + 2 * gap
    draw.line((x_div, title_h + gap, x_div, h - gap), fill=(200, 190, 180), width=3)
    for i, face in enumerate(kittens):
        r, c = divmod(i, cols)
        x = x_div + gap + c * (cell + gap)
        y = title_h + gap + r * (cell + label_h + gap)
        img.paste(upscale(face, cell), (x, y))
        draw.text((x + cell // 2, y + cell + label_h // 2 + 2), f"{i + 1}", fill=INK, font=font, anchor="mm")
    return _png(img)
