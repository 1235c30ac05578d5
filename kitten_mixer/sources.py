"""Command-line cat arguments: a photo path, or `#12` for gallery cat 12 (quote it: `'#12'`).

The same `#N` rule as the bots (bot/common/sources.py), so a command copied from a chat works here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.common.sources import hash_number
from kitten_mixer.outputs import OutputError
from vae_core.engine import Cat, Engine
from vae_core.gallery import DEFAULT_GALLERY, Gallery, load_gallery


def needs_gallery(args: Sequence[str]) -> bool:
    return any(hash_number(a) is not None for a in args)


def open_gallery(engine: Engine, path: str | None) -> Gallery:
    """The gallery for the engine's model (GalleryError, a ValueError, says how to fix a mismatch)."""
    return load_gallery(path or DEFAULT_GALLERY, engine.model)


def read_photo(path: str) -> bytes:
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"{path} is a folder; give a photo file")
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise OutputError(f"{path}: no such file (gallery cats are written '#12')") from None
    except OSError as e:
        raise OutputError(f"can't read {path}: {e.strerror or e}") from None


def read_sources(args: Sequence[str], engine: Engine, gallery_path: str | None = None) -> list[bytes | Cat]:
    """Each argument as the engine takes it: photo bytes, or a gallery Cat labelled '#12 Name'."""
    gallery = open_gallery(engine, gallery_path) if needs_gallery(args) else None
    out: list[bytes | Cat] = []
    for arg in args:
        number = hash_number(arg)
        if number is None:
            out.append(read_photo(arg))
            continue
        assert gallery is not None
        if not gallery.has(number):
            raise OutputError(f"{arg}: the gallery has cats #1 to #{len(gallery)} (see `kitten-mixer gallery`)")
        out.append(engine.cat_from_latent(gallery.latent(number), f"#{number} {gallery.name(number)}"))
    return out
