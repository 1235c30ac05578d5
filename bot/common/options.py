"""Words typed after a chat command -> engine options.

Shared by both bots so that `/mix 16 grid slerp` means the same thing everywhere. Parsing is
forgiving about case and order, strict about unknown words: a typo should get the usage line,
not a silently different GIF.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vae_core.engine import MAX_FRAMES, MAX_RANDOM, MIN_FRAMES, MixOptions

DEFAULT_RANDOM = 16
MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed takes any non-negative 64-bit int

_FORMATS = {"gif", "grid"}
_PATHS = {"linear", "slerp"}


class OptionError(ValueError):
    """A word we could not use; the bot answers with the short usage line."""

    def __init__(self, word: str):
        super().__init__(f"unknown option {word!r}")
        self.word = word


@dataclass(frozen=True)
class RandomRequest:
    count: int = DEFAULT_RANDOM
    seed: int | None = None


def _number(word: str) -> int | None:
    """ASCII digits only: `int()` would also accept '١٢' or '1_6', which nobody means as a count."""
    return int(word) if word.isascii() and word.isdigit() else None


def parse_mix_options(words: Iterable[str]) -> MixOptions:
    """`["16", "grid", "slerp", "boomerang"]` -> MixOptions; later words win over earlier ones."""
    base = MixOptions()
    frames, fmt, path, boomerang = base.frames, base.format, base.path, base.boomerang
    for raw in words:
        word = raw.strip().lower()
        if not word:
            continue
        number = _number(word)
        if number is not None:
            if not MIN_FRAMES <= number <= MAX_FRAMES:
                raise OptionError(raw)
            frames = number
        elif word in _FORMATS:
            fmt = word
        elif word in _PATHS:
            path = word
        elif word == "boomerang":
            boomerang = True
        else:
            raise OptionError(raw)
    return MixOptions(frames=frames, format=fmt, path=path, boomerang=boomerang)


def parse_random_args(words: Iterable[str]) -> RandomRequest:
    """`[n] [seed]`: how many cats (1-16) and an optional seed to get the same cats again."""
    items = [w for w in (raw.strip() for raw in words) if w]
    if len(items) > 2:
        raise OptionError(items[2])
    numbers = [_number(w) for w in items]
    for word, number in zip(items, numbers, strict=True):
        if number is None:
            raise OptionError(word)
    count = numbers[0] if numbers else DEFAULT_RANDOM
    if not 1 <= count <= MAX_RANDOM:
        raise OptionError(items[0])
    seed = numbers[1] if len(numbers) > 1 else None
    if seed is not None and seed > MAX_SEED:
        raise OptionError(items[1])
    return RandomRequest(count, seed)
