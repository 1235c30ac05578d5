"""`/mix` alone: remember that a user owes us photos in a chat, until they arrive or time runs out."""

from __future__ import annotations

from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass, field

from apscheduler.jobstores.base import JobLookupError
from telegram import Message, Update
from telegram.ext import Job

from bot.telegram.media import PhotoRef
from vae_core.engine import MixOptions


@dataclass
class Ask:
    update: Update  # the /mix update: the result quotes its message
    options: MixOptions
    lang: str
    photos: list[PhotoRef] = field(default_factory=list)
    expiry: Job | None = None

    @property
    def request(self) -> Message:
        return self.update.effective_message


class Asks:
    """Open asks by (chat, user); bounded, the oldest dropped first."""

    def __init__(self, limit: int = 10_000):
        self.limit = limit
        self._open: OrderedDict[tuple[int, int], Ask] = OrderedDict()

    def open(self, chat_id: int, user_id: int, ask: Ask) -> None:
        self.close(chat_id, user_id)
        self._open[(chat_id, user_id)] = ask
        while len(self._open) > self.limit:
            _, old = self._open.popitem(last=False)
            _cancel(old)

    def get(self, chat_id: int, user_id: int) -> Ask | None:
        return self._open.get((chat_id, user_id))

    def close(self, chat_id: int, user_id: int, ask: Ask | None = None) -> Ask | None:
        """Forget the open ask (only if it is still `ask`, when given) and stop its timer."""
        current = self._open.get((chat_id, user_id))
        if current is None or (ask is not None and current is not ask):
            return None
        del self._open[(chat_id, user_id)]
        _cancel(current)
        return current


def _cancel(ask: Ask) -> None:
    job, ask.expiry = ask.expiry, None
    if job is not None:
        with suppress(JobLookupError):  # a one-shot job that already ran is gone from the scheduler
            job.schedule_removal()
