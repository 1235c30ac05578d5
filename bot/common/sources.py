"""Which cats a command means: the photos it carries, gallery numbers, and the chat's named cats.

One place for both bots and the CLI, so `/mix 12 47`, a photo captioned `/mix 12`, and
`kitten-mixer mix '#12' photo.jpg` all resolve the same way. Two steps:

1. `split_cat_words(words, photos)` (pure, no I/O) separates the words naming cats from the
   words left for the option parser. `#12` is always gallery cat 12. A bare number is ambiguous
   (`/mix 16` has always meant 16 frames), so bare numbers name gallery cats only when they
   complete the set: with no photo, `/mix 12 47` is two cats while `/mix 16 grid` is still
   "ask me for photos, 16 frames"; a photo plus `/mix 12` is that photo and cat 12; two photos
   plus `/mix 16` is 16 frames. `/blend` passes `bare_numbers=False`: its numbers are weights.
   A word `is_name` accepts (the chat's adopted cats, see bot/common/adoption.py) is a NamePick.
2. `resolve_cats(...)` turns photos and picks into engine Cats/bytes, photos first, picks in the
   order typed. Named cats come from the `named` callable (e.g. AdoptedCats.latents bound to a
   chat), so this module needs no storage.

Problems are `SourceProblem(key, **params)`; the key picks the sentence from texts.py.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from bot.common.numbers import whole_number
from vae_core.engine import Cat, Engine
from vae_core.gallery import Gallery, GalleryError, load_gallery

log = logging.getLogger(__name__)

MIN_CATS, MAX_CATS = 2, 4


@dataclass(frozen=True)
class GalleryPick:
    number: int


@dataclass(frozen=True)
class NamePick:
    name: str


Pick = GalleryPick | NamePick


class SourceProblem(ValueError):
    """A cat we can't find; `key` and `params` pick the sentence from texts.py."""

    def __init__(self, key: str, **params: object):
        super().__init__(key)
        self.key, self.params = key, params


@dataclass(frozen=True)
class CatWords:
    picks: list[Pick] = field(default_factory=list)
    rest: list[str] = field(default_factory=list)  # for the options parser


def hash_number(word: str) -> int | None:
    """`#12` (or `#١٢`: bot/common/numbers.py) -> 12; anything else -> None. Also what the CLI
    accepts for a path."""
    w = word.strip()
    return whole_number(w[1:]) if len(w) > 1 and w[0] == "#" else None


def _bare(word: str) -> int | None:
    return whole_number(word)


def split_cat_words(words: Sequence[str], photos: int = 0, *, bare_numbers: bool | str = True,
                    is_name: Callable[[str], bool] | None = None, want: int = MIN_CATS) -> CatWords:
    """Pick out the words that name cats (see the module docstring for the rules).

    `bare_numbers="all"`: every number is a cat (Discord's `cats` option holds nothing else)."""
    kinds: list[Pick | int | None] = []  # a pick, a bare number (undecided), or None (an option word)
    for raw in words:
        word = raw.strip()
        if not word:
            continue
        number = hash_number(word)
        if number is not None:
            kinds.append(GalleryPick(number))
        elif (bare := _bare(word)) is not None:
            kinds.append(bare)
        elif is_name is not None and is_name(word):
            kinds.append(NamePick(word))
        else:
            kinds.append(None)
    cleaned = [w.strip() for w in words if w.strip()]
    sure = sum(isinstance(k, GalleryPick | NamePick) for k in kinds)
    bare_count = sum(isinstance(k, int) for k in kinds)
    missing = max(0, want - photos - sure)
    take = missing if bare_numbers and 0 < missing <= bare_count else 0
    if bare_numbers == "all":
        take = bare_count
    picks: list[Pick] = []
    rest: list[str] = []
    for word, kind in zip(cleaned, kinds, strict=True):
        if isinstance(kind, GalleryPick | NamePick):
            picks.append(kind)
        elif isinstance(kind, int) and take:
            picks.append(GalleryPick(kind))
            take -= 1
        else:
            rest.append(word)
    return CatWords(picks, rest)


NamedLatents = Callable[[list[str]], Awaitable[list[torch.Tensor]]]


async def resolve_cats(engine: Engine, photos: Sequence[bytes], picks: Sequence[Pick], gallery: Gallery | None,
                       lang: str = "en", named: NamedLatents | None = None) -> list[bytes | Cat]:
    """Photos (as bytes, for the engine to encode) then the picked cats, in order."""
    out: list[bytes | Cat] = list(photos)
    names = [p.name for p in picks if isinstance(p, NamePick)]
    by_name: dict[str, torch.Tensor] = {}
    if names:
        if named is None:
            raise SourceProblem("unknown_cat", name=names[0][:40])
        by_name = dict(zip(names, await named(names), strict=True))
    for pick in picks:
        if isinstance(pick, NamePick):
            out.append(engine.cat_from_latent(by_name[pick.name], pick.name))
            continue
        if gallery is None:
            raise SourceProblem("no_gallery")
        if not gallery.has(pick.number):
            raise SourceProblem("no_such_cat", number=pick.number, count=len(gallery))
        out.append(engine.cat_from_latent(gallery.latent(pick.number),
                                          f"#{pick.number} {gallery.name(pick.number, lang)}"))
    return out


def load_gallery_for(engine: Engine, path: str | Path) -> Gallery | None:
    """The gallery for this engine's model, or None (logged) if it is missing or belongs to another
    model: the bot then serves everything except gallery cats, and says so when asked."""
    try:
        return load_gallery(path, engine.model)
    except GalleryError as e:
        log.warning("gallery disabled: %s", e)
        return None
