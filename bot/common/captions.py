"""What a result is, in words, for both bots: frames, path and format of a mix; a random grid's seed.

A caption that says "12 frames · slerp path · GIF" lets people tell two results apart in a busy
chat and ask for the same again; a seed shown under `/random` is the only way to get those
cats back, so a request without one is given one before it runs (vae_core.seeds).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.common.texts import t
from vae_core.engine import Cat, MixOptions


def about_mix(options: MixOptions, lang: str) -> str:
    """e.g. "12 frames · slerp path · GIF" (a boomerang GIF shows its forward frames)."""
    fmt = "format_grid" if options.format == "grid" else "format_boomerang_gif" if options.boomerang \
        else "format_gif"
    return t("about_mix", lang, frames=options.frames, path=t(f"path_{options.path}", lang), format=t(fmt, lang))


def source_labels(cats: Sequence[Cat], files: Sequence[str], lang: str) -> list[str]:
    """Each source as a caption names it: a gallery or adopted cat's own label ("#12 Luna"), else
    the next photo's file name (`files`, already made safe by the platform; Telegram has none),
    else "photo 2" (texts.py `source_photo`, counted among all the sources)."""
    names: list[str] = []
    photos = iter(files)
    for cat in cats:
        names.append(cat.label or next(photos, None) or t("source_photo", lang, n=len(names) + 1))
    return names


def random_caption(count: int, seed: int, lang: str, again: str) -> str:
    """`again` is how this platform's users type the same request (`/random 4 42` on Telegram)."""
    return f"{t('random_done', lang, count=count)}\n{t('random_seed', lang, seed=seed, again=again)}"
