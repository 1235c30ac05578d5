"""Telegram requests that survive the platform's bad moments.

`PatientRateLimiter` sits where python-telegram-bot sends every Bot API request (except
getUpdates). A 429 is waited out for exactly `retry_after` (AIORateLimiter, with retries
switched on: its default is none); a 5xx or a network error is tried again with the shared
backoff (bot/common/backoff.py) for about 30 s. The request is re-sent as it was, so a finished
GIF is uploaded again, never made again.

`fetch_file` is the download side: getFile and the file itself, retried the same way but within
the download timeout, so a stalled download is still answered in about that time.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import AIORateLimiter

from bot.common.backoff import SENDING, RetryPolicy, reason, retrying
from bot.common.fitting import TELEGRAM_CAPTION, TELEGRAM_TEXT, fit
from bot.common.inflight import downloading

log = logging.getLogger(__name__)

# 429s waited out per request before giving up (each wait is what Telegram asks for).
RATE_LIMIT_RETRIES = 5
# A chat action is a courtesy: retrying it would only delay the work it announces. getFile is
# retried by fetch_file, under the download's own deadline.
NOT_RETRIED = frozenset({"sendChatAction", "getFile"})


def is_transient(error: BaseException) -> bool:
    """5xx answers and network trouble; not a 400 (our request is wrong: it would fail again)."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


class PatientRateLimiter(AIORateLimiter):
    def __init__(self, max_retries: int = RATE_LIMIT_RETRIES, policy: RetryPolicy = SENDING, **kwargs: Any):
        super().__init__(max_retries=max_retries, **kwargs)
        self.policy = policy

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[override]
        fit_request(data)  # every text and caption within Telegram's limits, whoever sent it
        parent = super().process_request

        async def once():
            return await parent(callback, args, kwargs, endpoint, data, rate_limit_args)

        if endpoint in NOT_RETRIED:
            return await once()
        return await retrying(once, is_transient, endpoint, self.policy)


def fit_request(data: dict[str, Any]) -> None:
    """Cut an outgoing message's text (4,096) or caption (1,024) to Telegram's limits, in place:
    a reply cut short is better than a 400 "message is too long" and a generic apology."""
    for field, limit in (("text", TELEGRAM_TEXT), ("caption", TELEGRAM_CAPTION)):
        value = data.get(field)
        if isinstance(value, str):
            data[field] = fit(value, limit)


class DownloadFailed(Exception):
    """The file could not be fetched in time; the reason has been logged."""


async def fetch_file(bot: Bot, file_id: str, timeout_s: float, check: Any = None) -> bytes:
    """getFile and download, retried on transient errors, all within `timeout_s`.

    `check(size)` may refuse the file from getFile's size before anything is downloaded (its
    exception passes through). Failures are logged once at WARNING, with the reason.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s

    async def once() -> bytes:
        left = max(0.1, deadline - loop.time())
        file = await bot.get_file(file_id, read_timeout=left)
        if check is not None:
            check(file.file_size)
        left = max(0.1, deadline - loop.time())
        return bytes(await file.download_as_bytearray(read_timeout=left))

    try:
        with downloading():  # a stop may cancel it if it hangs (bot/common/inflight.py)
            async with asyncio.timeout(timeout_s):
                return await retrying(once, is_transient, "download", RetryPolicy(total_s=timeout_s))
    except TimeoutError:
        log.warning("download timed out after %.0f s", timeout_s)
        raise DownloadFailed() from None
    except TelegramError as e:
        if not is_transient(e):
            log.warning("download refused (%s)", reason(e))
        raise DownloadFailed() from e
