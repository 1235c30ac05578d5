"""What `kitten-mixer status` shows of one bot process in the embedded mode (no Redis): how many
sends and downloads were retried, and the last failed requests. With Redis the workers count their
own (bot/common/remote_jobs.py `status`); here the process counts, and the status row carries it
(bot/common/scale.py `figures`). Lines hold only our own words (platform, command, error class or
texts.py key), never user content or tokens, like the request log they come from.
"""

from __future__ import annotations

import time
from collections import deque


class ProcessStats:
    def __init__(self, keep_errors: int = 5):
        self.retried = 0
        self._errors: deque[str] = deque(maxlen=keep_errors)

    def retry(self) -> None:
        self.retried += 1

    def error(self, what: str) -> None:
        self._errors.appendleft(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {what}"[:300])

    @property
    def last_errors(self) -> list[str]:
        """Newest first."""
        return list(self._errors)


STATS = ProcessStats()  # this process's; read by scale.figures every few seconds
