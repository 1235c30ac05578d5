"""Every text the bots send fits its place: one shared rule instead of a check per handler.

Why: a 4,096-character `/mix QQQ…` used to be echoed back whole ("I don't know the option
QQQ…"), Telegram refused the reply as too long, and the user saw only "something went wrong".
Two things fix it: what a user typed is cut short before it is quoted back (`echo`), and every
message or caption is cut to the platform's limit as it is sent (`fit`). Telegram counts its
limits in UTF-16 code units, so that is what is counted here.
"""

from __future__ import annotations

ECHO_CHARS = 40  # how much of one typed word a reply quotes back
ELLIPSIS = "…"

TELEGRAM_TEXT = 4096
TELEGRAM_CAPTION = 1024
DISCORD_CONTENT = 2000


def echo(value: object, limit: int = ECHO_CHARS) -> str:
    """A user's word as a reply may quote it: at most `limit` characters, "…" when cut."""
    try:
        text = str(value)
    except ValueError:  # an integer too long for Python to print (over 4,300 digits)
        return ELLIPSIS
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int) -> str:
    """`text` cut (with "…") so that it is at most `limit` UTF-16 code units long."""
    if _utf16_len(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > limit - 1:
            break
        out.append(ch)
        used += size
    return "".join(out) + ELLIPSIS
