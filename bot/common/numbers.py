"""Numbers as people type them in a chat, read the same way by every command.

Phones offer the digits of the user's script: `١٢` (Arabic-Indic), `۱۲` (Persian) and `१२`
(Devanagari) mean 12 as surely as `12` does, so every command reads any script's decimal digits
(Unicode category Nd) and nothing else: no sign, no `1_6` (which `int()` would take), no `²`.
"""

from __future__ import annotations

MAX_DIGITS = 100  # far past any count, frame or seed; keeps int() away from its 4300-digit guard


def whole_number(word: str) -> int | None:
    """`"12"`, `"١٢"` -> 12; `"-1"`, `"1_6"`, `"12a"`, `""` -> None."""
    w = word.strip()
    if not w or len(w) > MAX_DIGITS or not w.isdecimal():
        return None
    return int(w)


def is_negative_number(word: str) -> bool:
    """`-1`, `−3` (a typographic minus): so a command can say "no negative numbers" instead of
    "not a number"."""
    w = word.strip()
    return len(w) > 1 and w[0] in "-−" and whole_number(w[1:]) is not None
