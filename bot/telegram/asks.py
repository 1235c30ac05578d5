"""`/mix` alone: remember that a user owes us photos in a chat, until they arrive or time runs out.

With a kept store (`keep_in`: the SQLite file, or Redis with REDIS_URL) each open ask is also
written there as JSON (the /mix update as Telegram sent it, the options, the photos received so
far), so after a restart the photos that complete it are still mixed (`restore`).
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from contextlib import suppress
from dataclasses import asdict, dataclass, field

from apscheduler.jobstores.base import JobLookupError
from telegram import Bot, Message, Update
from telegram.ext import Job

from bot.common.storage.kept import KeptStore, WriteBehind
from bot.telegram.journal_payload import minimal_update
from bot.telegram.media import PhotoRef
from vae_core.engine import MixOptions

log = logging.getLogger(__name__)

KIND = "mix_asks"
# An ask whose wait ended while the bot was down is still told "time's up" if the bot is back within this.
EXPIRED_NOTICE_S = 600.0


@dataclass
class Ask:
    update: Update  # the /mix update: the result quotes its message
    options: MixOptions
    lang: str
    photos: list[PhotoRef] = field(default_factory=list)
    expiry: Job | None = None
    expires_at: float = 0.0  # wall clock: when the wait ends (kept across a restart)

    @property
    def request(self) -> Message:
        return self.update.effective_message


def encode(ask: Ask) -> bytes:
    return json.dumps({"update": minimal_update(ask.update.to_dict()), "options": asdict(ask.options), "lang": ask.lang,
                       "photos": [asdict(p) for p in ask.photos], "expires_at": ask.expires_at}).encode()


def _photo(d: dict | None) -> PhotoRef | None:
    return None if d is None else PhotoRef(**{**d, "fallback": _photo(d.get("fallback"))})


def decode(blob: bytes, bot: Bot) -> Ask:
    d = json.loads(blob)
    return Ask(Update.de_json(d["update"], bot), MixOptions(**d["options"]), d["lang"],
               [_photo(p) for p in d["photos"]], expires_at=d["expires_at"])


class Asks:
    """Open asks by (chat, user); bounded, the oldest dropped first."""

    def __init__(self, limit: int = 10_000):
        self.limit = limit
        self._open: OrderedDict[tuple[int, int], Ask] = OrderedDict()
        self._store: KeptStore | None = None
        self._writes = WriteBehind()  # an ask whose write failed still works until a restart

    def keep_in(self, store: KeptStore) -> None:
        self._store = store

    async def restore(self, bot: Bot) -> list[Ask]:
        """The asks still open when the last run stopped, back in memory (the caller restarts
        their timers from `expires_at`)."""
        if self._store is None:
            return []
        back = []
        for _, blob, _ in reversed(await self._store.load(KIND, 64 << 20)):
            try:
                ask = decode(blob, bot)
            except Exception as e:  # one unreadable entry must not cost the others
                log.warning("a kept /mix ask could not be read (%s); skipped", type(e).__name__)
                continue
            self._open[(ask.request.chat_id, ask.update.effective_user.id)] = ask
            back.append(ask)
        return back

    def open(self, chat_id: int, user_id: int, ask: Ask) -> None:
        replaced = self._open.pop((chat_id, user_id), None)
        if replaced is not None:  # its kept copy is overwritten below
            _cancel(replaced)
        self._open[(chat_id, user_id)] = ask
        while len(self._open) > self.limit:
            (chat, user), old = self._open.popitem(last=False)
            self._forget(chat, user, old)
        self.kept(chat_id, user_id)

    def get(self, chat_id: int, user_id: int) -> Ask | None:
        return self._open.get((chat_id, user_id))

    def kept(self, chat_id: int, user_id: int) -> None:
        """Write the open ask through to the kept store (opened, or a photo added)."""
        ask, store = self._open.get((chat_id, user_id)), self._store
        if ask is None or store is None:
            return
        blob, keep_s = encode(ask), max(1.0, ask.expires_at - time.time()) + EXPIRED_NOTICE_S
        self._writes.start(lambda: store.save(KIND, f"{chat_id}:{user_id}", blob, keep_s, 64 << 20),
                           f"/mix ask in chat {chat_id}")

    def close(self, chat_id: int, user_id: int, ask: Ask | None = None) -> Ask | None:
        """Forget the open ask (only if it is still `ask`, when given) and stop its timer."""
        current = self._open.get((chat_id, user_id))
        if current is None or (ask is not None and current is not ask):
            return None
        del self._open[(chat_id, user_id)]
        self._forget(chat_id, user_id, current)
        return current

    async def flush(self) -> None:
        await self._writes.flush()

    def _forget(self, chat_id: int, user_id: int, ask: Ask) -> None:
        _cancel(ask)
        if (store := self._store) is not None:
            self._writes.start(lambda: store.delete(KIND, f"{chat_id}:{user_id}"), f"/mix ask in chat {chat_id}")


def _cancel(ask: Ask) -> None:
    job, ask.expiry = ask.expiry, None
    if job is not None:
        with suppress(JobLookupError):  # a one-shot job that already ran is gone from the scheduler
            job.schedule_removal()
