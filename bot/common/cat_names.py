"""The rules for a chat's cat names, shared by both bots.

A name has to work as a word after `/mix` or `/kittens`, next to gallery numbers and options, so:
1-20 letters, digits, `-` or `_` (any script: Luna, Миша, 小虎, ลูกแมว), at least one letter
(a number means a gallery cat), and not one of the command or option words. Names are unique
per chat regardless of case ("luna" is "Luna"), compared after Unicode normalisation so the
same name typed on two keyboards is still one name.
"""

from __future__ import annotations

import unicodedata

MAX_NAME_LEN = 20
MAX_NAMES_PER_CHAT = 50

# Words that already mean something after a command, in both languages.
RESERVED = frozenset({
    "all", "todos", "todo",  # /forget all
    "mix", "mezclar", "kittens", "gatitos", "cats", "gatos", "map", "mapa", "adopt", "adoptar",
    "forget", "olvidar", "random", "blend", "help", "ayuda", "start", "gallery", "galeria", "galería",
    "gif", "grid", "linear", "slerp", "boomerang",  # mix options
    "photo", "foto", "me", "yo",
})


class NameProblem(ValueError):
    """A name we can't use; `key` picks the sentence from texts.py."""

    def __init__(self, key: str, **params: object):
        super().__init__(key)
        self.key, self.params = key, params


def normalize(raw: str) -> str:
    """The name as it will be shown: NFC, so accents typed either way look and compare the same."""
    return unicodedata.normalize("NFC", raw.strip())


def name_key(name: str) -> str:
    """What uniqueness and lookups use: compatibility-normalised and case-folded."""
    return unicodedata.normalize("NFKC", name.strip()).casefold()


def _allowed(ch: str) -> bool:
    # Letters, digits and combining marks (Devanagari, Thai... need the marks), plus - and _.
    return ch in "-_" or unicodedata.category(ch)[0] in "LNM"


def check_name(raw: str) -> str:
    """The name to store, or NameProblem saying what is wrong with it."""
    name = normalize(raw)
    if not name:
        raise NameProblem("name_empty")
    if len(name) > MAX_NAME_LEN:
        raise NameProblem("name_too_long", limit=MAX_NAME_LEN)
    if not all(_allowed(ch) for ch in name):
        raise NameProblem("name_bad_chars", name=name[:MAX_NAME_LEN])
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        raise NameProblem("name_number", name=name)
    if name_key(name) in RESERVED:
        raise NameProblem("name_reserved", name=name)
    return name


def could_be_name(word: str) -> bool:
    """Whether `word` (after a command) is worth looking up as a chat's cat."""
    try:
        check_name(word)
    except NameProblem:
        return False
    return True
