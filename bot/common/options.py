"""Words typed after a chat command -> engine options.

Shared by both bots so that `/mix 16 grid slerp` means the same thing everywhere. Parsing is
forgiving about case and order, strict about unknown words: a typo should get a sentence naming
the problem ("33 is more than 32 frames", "did you mean grid?") and the usage line, not a
silently different GIF.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from bot.common.numbers import is_negative_number, whole_number
from bot.common.texts import t
from vae_core.engine import MAX_FRAMES, MAX_RANDOM, MIN_FRAMES, MixOptions
from vae_core.seeds import MAX_SEED

DEFAULT_RANDOM = 16

_FORMATS = {"gif", "grid"}
_PATHS = {"linear", "slerp"}
_SIZES = {"256px": 256, "384px": 384, "large": 384}  # GIF side (grid cells are half); a bare number is frames


_MIX_WORDS = sorted(_FORMATS | _PATHS | set(_SIZES) | {"boomerang"})


class OptionError(ValueError):
    """A word we could not use. `key`/`params` name the problem in texts.py (`opt_*`); the bot
    answers with that sentence and the usage line (see `option_error_text`)."""

    def __init__(self, word: str, key: str = "opt_unknown", **params: object):
        super().__init__(f"unusable option {word!r} ({key})")
        self.word, self.key = word, key
        self.params: dict[str, object] = {"word": word, **params}


def option_error_text(err: OptionError, lang: str, usage_key: str) -> str:
    return f"{t(err.key, lang, **err.params)}\n{t(usage_key, lang)}"


def _unknown(raw: str, vocabulary: Iterable[str]) -> OptionError:
    close = difflib.get_close_matches(raw.strip().lower(), list(vocabulary), n=1, cutoff=0.6)
    return OptionError(raw, "opt_did_you_mean", suggestion=close[0]) if close else OptionError(raw)


def _range_error(raw: str, value: int, low: int, high: int, unit: str) -> OptionError:
    if value > high:
        return OptionError(raw, f"opt_too_many_{unit}", value=value, limit=high)
    return OptionError(raw, f"opt_too_few_{unit}", value=value, limit=low)


@dataclass(frozen=True)
class RandomRequest:
    count: int = DEFAULT_RANDOM
    seed: int | None = None


def _number(word: str) -> int | None:
    return whole_number(word)  # any script's digits, no signs or underscores (bot/common/numbers.py)


def parse_mix_options(words: Iterable[str], base: MixOptions | None = None) -> MixOptions:
    """`["16", "grid", "slerp", "boomerang"]` -> MixOptions; later words win over earlier ones, and
    over `base` (a front end's typed options, e.g. Discord's)."""
    base = base or MixOptions()
    frames, fmt, path, boomerang, size = base.frames, base.format, base.path, base.boomerang, base.size
    for raw in words:
        word = raw.strip().lower()
        if not word:
            continue
        number = _number(word)
        if is_negative_number(word):
            raise OptionError(raw, "opt_negative")
        if number is not None:
            if not MIN_FRAMES <= number <= MAX_FRAMES:
                raise _range_error(raw, number, MIN_FRAMES, MAX_FRAMES, "frames")
            frames = number
        elif word in _FORMATS:
            fmt = word
        elif word in _PATHS:
            path = word
        elif word == "boomerang":
            boomerang = True
        elif word in _SIZES:
            size = _SIZES[word]
        else:
            raise _unknown(raw, _MIX_WORDS)
    return MixOptions(frames=frames, format=fmt, path=path, boomerang=boomerang, size=size)


def parse_random_args(words: Iterable[str]) -> RandomRequest:
    """`[n] [seed]`: how many cats (1-16) and an optional seed to get the same cats again."""
    items = [w for w in (raw.strip() for raw in words) if w]
    if len(items) > 2:
        raise OptionError(items[2], "opt_extra_word")
    numbers = [_number(w) for w in items]
    for word, number in zip(items, numbers, strict=True):
        if number is None:
            raise OptionError(word, "opt_negative" if is_negative_number(word) else "opt_not_number")
    count = numbers[0] if numbers else DEFAULT_RANDOM
    if not 1 <= count <= MAX_RANDOM:
        raise _range_error(items[0], count, 1, MAX_RANDOM, "cats")
    seed = numbers[1] if len(numbers) > 1 else None
    if seed is not None and seed > MAX_SEED:
        raise OptionError(items[1], "opt_seed_too_big", limit=MAX_SEED)
    return RandomRequest(count, seed)
