"""Requests the line had no room for, kept behind a "try again" button for a while.

When the line is full the user gets a clear sentence and a button; the request itself (file
references and options, never the photos' bytes) waits here, so a tap sends it again without
re-uploading. In memory, bounded (the oldest go first) and with an expiry: a lost button only
costs the user a re-send, and an unbounded store would grow with every busy minute.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Kept(Generic[T]):
    user_id: int
    item: T
    until: float


class RetryStore(Generic[T]):
    def __init__(self, keep_s: float = 900.0, limit: int = 1000, clock: Callable[[], float] = time.monotonic):
        self.keep_s, self.limit = keep_s, limit
        self._clock = clock
        self._kept: OrderedDict[str, Kept[T]] = OrderedDict()

    def put(self, user_id: int, item: T) -> str:
        """Keep `item` for `user_id`; the key is short and URL-safe (Telegram callback data is 64 bytes)."""
        self._expire()
        key = secrets.token_urlsafe(9)
        self._kept[key] = Kept(user_id, item, self._clock() + self.keep_s)
        while len(self._kept) > self.limit:
            self._kept.popitem(last=False)
        return key

    def get(self, key: str) -> Kept[T] | None:
        """The kept request, still kept (it goes only when `discard`ed, i.e. accepted into the line)."""
        self._expire()
        return self._kept.get(key)

    def discard(self, key: str) -> None:
        self._kept.pop(key, None)

    def __len__(self) -> int:
        self._expire()
        return len(self._kept)

    def _expire(self) -> None:
        now = self._clock()
        while self._kept:
            key, kept = next(iter(self._kept.items()))
            if kept.until > now:
                break
            del self._kept[key]
