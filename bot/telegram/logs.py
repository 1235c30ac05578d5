"""Logging that cannot leak the bot token.

The token is part of every Bot API URL, so any library that logs a URL (httpx logs each request
at INFO) or an exception that quotes one would print it. We quiet httpx and scrub the token from
every record that reaches the root handlers, tracebacks included. Tracebacks are rendered by
bot/common/logtext.py, which cuts the exception messages that quote users' words.
"""

from __future__ import annotations

import logging

from bot.common.logtext import guard_root_handlers, hide, safe_traceback


class RedactSecrets(logging.Filter):
    def __init__(self, *secrets: str):
        super().__init__()
        self.secrets = [s for s in secrets if s]
        for secret in self.secrets:
            hide(secret)  # out of tracebacks' messages before they are cut (bot/common/logtext.py)

    def _scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._scrub(record.getMessage()), None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = safe_traceback(record.exc_info[1])
        if record.exc_text:
            record.exc_text = self._scrub(record.exc_text)
        return True


def quiet_http_logs() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)


def protect_logs(token: str, level: str = "INFO") -> None:
    """Set up root logging if nobody has, then guard every root handler against the token."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_http_logs()
    guard_root_handlers()
    for handler in root.handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets(token))
