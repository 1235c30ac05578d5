"""What the front ends ask of the gallery: a numbered page, the map (with a mix's path), a blend.

Shared by both bots and the CLI so `/cats 2`, `/map` and `kitten-mixer gallery --page 2` draw the
same picture. Work runs in the engine's pool, under its admission limit and timeout, because
decoding the thumbnails and drawing a 1100 px map are too slow for an event loop.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Sequence

import numpy as np
import torch

from vae_core import render
from vae_core.engine import Cat, Engine, MixOptions, Reply
from vae_core.errors import BadRequest
from vae_core.gallery import Gallery
from vae_core.latent import blend as blend_latents
from vae_core.sheets import gallery_sheet, latent_map

MAP_FRAMES = 16  # points per leg of a mix's path on the map


def gallery_cat(engine: Engine, gallery: Gallery, number: int, lang: str = "en") -> Cat:
    """Gallery cat #number as a Cat for the engine, labelled "#12 Ginger"."""
    if not gallery.has(number):
        raise BadRequest(f"there is no cat #{number}; the gallery has 1 to {len(gallery)}.",
                         number=number, count=len(gallery))
    return engine.cat_from_latent(gallery.latent(number), f"#{number} {gallery.name(number, lang)}")


def page_sync(engine: Engine, gallery: Gallery, page: int, lang: str, title: str) -> Reply:
    t0 = time.perf_counter()
    numbers = list(gallery.page_numbers(page))
    faces = gallery.thumbnails(engine.draw)[[n - 1 for n in numbers]]
    data = gallery_sheet(faces, [f"{n} {gallery.name(n, lang)}" for n in numbers], title)
    return Reply(data, "image/png", f"kitten-gallery-{page}.png", len(numbers), [],
                 {"total": time.perf_counter() - t0})


async def gallery_page(engine: Engine, gallery: Gallery, page: int, lang: str = "en", title: str = "") -> Reply:
    if not 1 <= page <= gallery.pages:
        raise BadRequest(f"the gallery has pages 1 to {gallery.pages}, not {page}.", page=page,
                         pages=gallery.pages)
    return await engine.run(page_sync, engine, gallery, page, lang, title)


def map_sync(engine: Engine, gallery: Gallery, sources: Sequence[bytes | Cat], title: str) -> Reply:
    t0 = time.perf_counter()
    thumbs = gallery.thumbnails(engine.draw)
    path = ends = None
    labels: list[str] = []
    cats: list[Cat] = []
    if sources:
        cats = engine.resolve(sources)
        zs = engine.path(cats, MixOptions(frames=MAP_FRAMES, path="slerp"))
        if len(cats) > 2:
            zs = torch.cat([zs, cats[0].z.unsqueeze(0)])  # close the loop on the map
        path = gallery.place(zs).numpy()
        ends = [engine.picture(c) for c in cats]
        labels = [c.label or "ABCD"[i] for i, c in enumerate(cats)]
    data = latent_map(thumbs, gallery.coords.numpy(), range(1, len(gallery) + 1), path=path, ends=ends or (),
                      end_labels=labels, title=title)
    return Reply(data, "image/png", "kitten-map.png", 1, [c.report for c in cats if c.report is not None],
                 {"total": time.perf_counter() - t0}, cats)


async def gallery_map(engine: Engine, gallery: Gallery, sources: Sequence[bytes | Cat] = (),
                      title: str = "") -> Reply:
    """The map; with 2-4 cats (photos or Cats), the path their mix takes across it."""
    if sources and not 2 <= len(sources) <= 4:
        raise BadRequest(f"the map draws the path between 2 to 4 cats, not {len(sources)}.", count=len(sources))
    return await engine.run(map_sync, engine, gallery, list(sources), title)


def blend_sync(engine: Engine, sources: Sequence[bytes | Cat], weights: Sequence[float]) -> Reply:
    t0 = time.perf_counter()
    cats = engine.resolve(sources)
    z = torch.stack([c.z for c in cats])
    frame: np.ndarray = engine.draw(blend_latents(z, torch.tensor(weights, dtype=z.dtype)))[0]
    buf = io.BytesIO()
    render.upscale(frame, 256).save(buf, format="PNG")
    return Reply(buf.getvalue(), "image/png", "kitten-blend.png", 1, [c.report for c in cats if c.report is not None],
                 {"total": time.perf_counter() - t0}, cats)


async def blend(engine: Engine, sources: Sequence[bytes | Cat], weights: Sequence[float] | None = None) -> Reply:
    """One cat weighted from 2-4 photos or Cats (`/blend 70 30`); weights need not add up to 100."""
    if not 2 <= len(sources) <= 4:
        raise BadRequest(f"blending needs 2 to 4 cats, got {len(sources)}.", count=len(sources))
    w = [float(x) for x in weights] if weights is not None else [1.0] * len(sources)
    # `not 0 <= x < inf` also turns away nan, which every comparison calls False
    if len(w) != len(sources) or any(not 0 <= x < math.inf for x in w) or not 0 < sum(w) < math.inf:
        raise BadRequest("blend weights must be one finite, non-negative number per cat, not all zero.")
    return await engine.run(blend_sync, engine, list(sources), w)


PORTRAIT_SIDE = 384  # the size of a mix's large GIF: one cat as a mix would show it


def portrait_sync(engine: Engine, source: bytes | Cat) -> Reply:
    t0 = time.perf_counter()
    (cat,) = engine.resolve([source])
    buf = io.BytesIO()
    render.upscale(engine.picture(cat), PORTRAIT_SIDE).save(buf, format="PNG")
    return Reply(buf.getvalue(), "image/png", "kitten-cat.png", 1, [cat.report] if cat.report is not None else [],
                 {"total": time.perf_counter() - t0}, [cat])


async def portrait(engine: Engine, source: bytes | Cat) -> Reply:
    """One cat, large (`/cat 12`): a gallery or adopted cat as the model draws it, or a photo's
    face as the bot cut it, which shows a user what a mix of that photo will start from."""
    return await engine.run(portrait_sync, engine, source)
