"""Requests waiting for the user to show where a cat's face is ("tap its square").

When the finder is not sure about a photo, the bot asks instead of mixing the middle of it; the
request's photos wait here (as bytes, so the tap needs no second download) until the owner taps a
square or time runs out. The store is bounded by count and by bytes, oldest first, so a flood of
unanswered questions cannot grow the bot's memory; a tap on a forgotten question is told kindly
that it expired. Used from one event loop (both bots are asyncio), so no locks.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from bot.common.texts import t
from vae_core.engine import Cat, Engine
from vae_core.hints import FaceHint

log = logging.getLogger(__name__)


class TapResult(Enum):
    OK = "ok"  # a hint was recorded for the photo being asked about
    EXPIRED = "expired"  # unknown token: timed out, pushed out by newer questions, or the bot restarted
    NOT_YOURS = "not_yours"  # someone else's question (groups): nothing changes


@dataclass
class FaceAsk:
    """One waiting request: its photos, the hints so far, and which photos still need one."""

    token: str
    owner: int  # the user who asked for the mix; only they may answer
    chat: int
    images: list  # the request's sources: photo bytes (asked about), or ready Cats (adopted, gallery)
    missing: list[int]  # photo indexes still without a face; `missing[0]` is the one asked about
    lang: str
    expires: float
    hints: list[FaceHint | None] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # the platform's own context (request message, options...)
    got_it: str = "face_got_it"  # texts.py key: what the last tap is told ("Got it, mixing!", "... adopting!")
    dogs: list[int] = field(default_factory=list)  # photos whose only clear head is a dog's (vae_core DogFound)

    @property
    def asking_dog(self) -> bool:
        """The photo asked about looks like a dog: the question offers "mix it anyway"."""
        return self.asking in self.dogs

    def __post_init__(self) -> None:
        if not self.hints:
            self.hints = [None] * len(self.images)

    @property
    def asking(self) -> int:
        return self.missing[0]

    @property
    def size(self) -> int:
        return sum(len(b) for b in self.images if isinstance(b, bytes | bytearray))


class FaceAsks:
    """token -> FaceAsk, expiring after `wait_s`, at most `max_asks` and `max_bytes` kept."""

    def __init__(self, wait_s: float, max_asks: int = 200, max_bytes: int = 256 * 1024 * 1024,
                 clock: Callable[[], float] = time.monotonic):
        self.wait_s, self.max_asks, self.max_bytes = wait_s, max_asks, max_bytes
        self._clock = clock
        self._asks: OrderedDict[str, FaceAsk] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        self._expire()
        return len(self._asks)

    def open(self, owner: int, chat: int, images: list, missing: list[int], lang: str,
             hints: list[FaceHint | None] | None = None, got_it: str = "face_got_it", dogs: Sequence[int] = (),
             **extra: object) -> FaceAsk:
        """Remember a request that needs the user's help with `missing` photos (in that order)."""
        if not missing:
            raise ValueError("a face question needs at least one photo to ask about")
        self._expire()
        ask = FaceAsk(secrets.token_hex(5), owner, chat, list(images), list(missing), lang,
                      self._clock() + self.wait_s, list(hints) if hints else [], dict(extra), got_it, list(dogs))
        self._asks[ask.token] = ask
        self._bytes += ask.size
        while len(self._asks) > self.max_asks or (self._bytes > self.max_bytes and len(self._asks) > 1):
            _, old = self._asks.popitem(last=False)
            self._bytes -= old.size
        return ask

    def tap(self, token: str, user_id: int, hint: FaceHint) -> tuple[TapResult, FaceAsk | None]:
        """Record the owner's answer for the photo being asked about.

        On OK the ask is returned with the hint set and that photo off `missing`; it is forgotten
        when nothing is missing any more (the caller then runs the request), so a second tap on
        the same buttons finds it expired rather than mixing twice.
        """
        self._expire()
        ask = self._asks.get(token)
        if ask is None:
            return TapResult.EXPIRED, None
        if user_id != ask.owner:
            return TapResult.NOT_YOURS, ask
        ask.hints[ask.missing.pop(0)] = hint
        if not ask.missing:
            self.close(token)
        else:
            ask.expires = self._clock() + self.wait_s  # the next photo gets the full wait too
        return TapResult.OK, ask

    def answer(self, token: str, user_id: int, hint: FaceHint, lang: str) -> tuple[TapResult, FaceAsk | None, str]:
        """`tap`, and the line the tapper is told, the same on every platform: expired or not yours
        (in the tapper's `lang`), "one more" when another photo waits, else the ask's `got_it`. On
        OK the platform removes the answered buttons, then asks the next question or runs the request."""
        result, ask = self.tap(token, user_id, hint)
        if result is TapResult.EXPIRED:
            return result, ask, t("face_expired", lang)
        assert ask is not None
        if result is TapResult.NOT_YOURS:
            log.info("chat %s: a face tap by someone else was ignored", ask.chat)
            return result, ask, t("face_not_yours", lang)
        return result, ask, t("face_next" if ask.missing else ask.got_it, ask.lang)

    def close(self, token: str) -> FaceAsk | None:
        ask = self._asks.pop(token, None)
        if ask is not None:
            self._bytes -= ask.size
        return ask

    def _expire(self) -> None:
        now = self._clock()
        for token in [k for k, a in self._asks.items() if a.expires <= now]:
            self.close(token)


async def with_hints(engine: Engine, sources: Sequence[bytes | Cat], hints: Sequence[FaceHint | None]) -> list[Cat]:
    """The request's sources as Cats, each photo cut where its hint says (Cats pass through): what a
    tapped question mixes. One engine call for all the photos."""
    at = [i for i, s in enumerate(sources) if not isinstance(s, Cat)]
    made = await engine.cats([sources[i] for i in at], [hints[i] for i in at]) if at else []
    out = list(sources)
    for i, cat in zip(at, made, strict=True):
        out[i] = cat
    return out
