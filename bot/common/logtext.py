"""Tracebacks that keep users' words out of the log.

Why: an exception's message often quotes what a user typed (`int('70,5')` says "invalid literal
for int() with base 10: '70,5'"; a parser's error repeats a whole 4,096-character option), and a
plain traceback copies it into the log, where it outlives the request. The frames themselves
(file, line, function, source line) are our code and stay; each exception's message is replaced
by a short, cut, quoted form, and notes (which libraries fill with context) are left out.

Two ways in: the bots' error handlers log `safe_traceback(error)` as text (so every handler of
the record, a test's capture included, sees only the cut form), and `SafeTracebacks` guards the
root handlers against any other record logged with `exc_info` (a library's own "Ignoring
exception..." lines).
"""

from __future__ import annotations

import logging
import traceback

from bot.common.fitting import echo

LOG_QUOTE_CHARS = 60  # of one exception's message: enough to tell errors apart, not to carry input

# Secrets (the bot token) are taken out of a message *before* it is cut: a cut can end inside
# a token, and a token's first half no longer matches a filter that looks for the whole token.
_SECRETS: set[str] = set()


def hide(secret: str) -> None:
    """Have every traceback rendered here replace `secret` with *** (the process's bot token)."""
    if secret:
        _SECRETS.add(secret)


def quoted(text: object, limit: int = LOG_QUOTE_CHARS) -> str:
    """`text` cut to `limit` characters ("…" when cut) and quoted with repr, so that line breaks
    and control characters in it cannot forge further log lines."""
    return repr(echo(text, limit))


def _message(error: BaseException) -> str:
    try:
        text = str(error)
    except Exception:  # a broken __str__ must not break the error path
        return "<unprintable>"
    for secret in _SECRETS:
        text = text.replace(secret, "***")
    return quoted(text) if text else ""


def _chain(error: BaseException) -> list[BaseException]:
    """`error` and its causes/contexts, oldest first, as Python prints them."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return chain[::-1]


def safe_traceback(error: BaseException) -> str:
    """The traceback of `error` with every exception message cut and quoted (see the module)."""
    parts: list[str] = []
    chain = _chain(error)
    for i, exc in enumerate(chain):
        if i:
            direct = chain[i].__cause__ is chain[i - 1]
            parts.append("\nThe above exception was the direct cause of the following exception:\n\n" if direct
                         else "\nDuring handling of the above exception, another exception occurred:\n\n")
        if exc.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(exc.__traceback__))
        message = _message(exc)
        name = type(exc).__module__ + "." + type(exc).__qualname__ if type(exc).__module__ != "builtins" \
            else type(exc).__qualname__
        parts.append(f"{name}: {message}\n" if message else f"{name}\n")
    return "".join(parts).rstrip("\n")


class SafeTracebacks(logging.Filter):
    """A handler filter: a record's `exc_info` is rendered by `safe_traceback`, never in full."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            error = record.exc_info[1]
            if error is not None:
                record.exc_text = safe_traceback(error)
        return True


def guard_root_handlers() -> None:
    """Add `SafeTracebacks` to every root handler that lacks it (call after logging is set up)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, SafeTracebacks) for f in handler.filters):
            handler.addFilter(SafeTracebacks())
