"""What a result is, in words, for both bots: frames, path and format of a mix; a random grid's seed.

A caption that says "12 frames · slerp path · GIF" lets people tell two results apart in a busy
chat and ask for the same again; a seed shown under `/random` is the only way to get those
cats back, so a request without one is given one before it runs (vae_core.seeds).
"""

from __future__ import annotations

from bot.common.texts import t
from vae_core.engine import MixOptions


def about_mix(options: MixOptions, lang: str) -> str:
    """e.g. "12 frames · slerp path · GIF" (a boomerang GIF shows its forward frames)."""
    fmt = "format_grid" if options.format == "grid" else "format_boomerang_gif" if options.boomerang \
        else "format_gif"
    return t("about_mix", lang, frames=options.frames, path=t(f"path_{options.path}", lang), format=t(fmt, lang))


def random_caption(count: int, seed: int, lang: str, again: str) -> str:
    """`again` is how this platform's users type the same request (`/random 4 42` on Telegram)."""
    return f"{t('random_done', lang, count=count)}\n{t('random_seed', lang, seed=seed, again=again)}"
