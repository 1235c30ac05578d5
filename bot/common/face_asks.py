"""Requests waiting for the user to show where a cat's face is ("tap its square").

When the finder is not sure about a photo, the bot asks instead of mixing the middle of it; the
request's photos wait here (as bytes, so the tap needs no second download) until the owner taps a
square or time runs out. The store is bounded by count and by bytes, oldest first, so a flood of
unanswered questions cannot grow the bot's memory; a tap on a forgotten question is told kindly
that it expired. Used from one event loop (both bots are asyncio), so no locks.

A question that says how it finishes in plain data (its `recipe`: the platform's JSON) is also
written to the kept store (`keep_in`: the SQLite file, or Redis with REDIS_URL), so a tap after a
restart, or one that reaches another bot process, still finishes the mix (`recall` reads it back).
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from bot.common.results import cat_from_record, cat_record, pack
from bot.common.storage.kept import KeptStore, WriteBehind
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
    # How the platform finishes the request in another process or after a restart, as JSON (kept with
    # the photos); None: only this process's memory (`extra`) can finish it.
    recipe: dict | None = None

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


def encode(ask: FaceAsk, expires_at: float) -> bytes:
    """A question for the kept store: photos as byte arrays, Cats as results keep them, the rest
    (hints as their button tokens, the recipe, `expires_at` on the wall clock) as JSON; no pickles."""
    meta = {"token": ask.token, "owner": ask.owner, "chat": ask.chat, "missing": ask.missing, "lang": ask.lang,
            "expires_at": expires_at, "hints": [h.token() if h is not None else None for h in ask.hints],
            "got_it": ask.got_it, "dogs": ask.dogs, "recipe": ask.recipe, "images": []}
    arrays: dict[str, np.ndarray] = {}
    for i, image in enumerate(ask.images):
        if isinstance(image, Cat):
            cat_meta, cat_arrays = cat_record(image, i)
            meta["images"].append({"cat": cat_meta})
            arrays.update(cat_arrays)
        else:
            meta["images"].append({"photo": True})
            arrays[f"image{i}"] = np.frombuffer(bytes(image), np.uint8)
    return pack(meta, arrays)


def decode(blob: bytes, clock: Callable[[], float]) -> FaceAsk:
    with np.load(io.BytesIO(blob), allow_pickle=False) as f:
        meta = json.loads(f["meta"].tobytes())
        images = [cat_from_record(m["cat"], f, i) if "cat" in m else f[f"image{i}"].tobytes()
                  for i, m in enumerate(meta["images"])]
    return FaceAsk(meta["token"], meta["owner"], meta["chat"], images, meta["missing"], meta["lang"],
                   clock() + meta["expires_at"] - time.time(),
                   [FaceHint.parse(h) if h is not None else None for h in meta["hints"]],
                   got_it=meta["got_it"], dogs=meta["dogs"], recipe=meta["recipe"])


class FaceAsks:
    """token -> FaceAsk, expiring after `wait_s`, at most `max_asks` and `max_bytes` kept."""

    KIND = "face_asks"

    def __init__(self, wait_s: float, max_asks: int = 200, max_bytes: int = 256 * 1024 * 1024,
                 clock: Callable[[], float] = time.monotonic):
        self.wait_s, self.max_asks, self.max_bytes = wait_s, max_asks, max_bytes
        self._clock = clock
        self._asks: OrderedDict[str, FaceAsk] = OrderedDict()
        self._bytes = 0
        self._store: KeptStore | None = None
        self._writes = WriteBehind()  # a question whose write failed still works in this process

    def keep_in(self, store: KeptStore) -> None:
        self._store = store

    async def recall(self, token: str) -> FaceAsk | None:
        """The question behind `token`: from memory, or (after a restart, or asked by another
        process) from the kept store, back in memory so that `tap` and `answer` find it. A question
        read back has an empty `extra`: the platform rebuilds it from `recipe`."""
        self._expire()
        if (ask := self._asks.get(token)) is not None or self._store is None:
            return ask
        await self._writes.flush()  # this process's own last write (a tap a moment ago) lands first
        kept = await self._store.get(self.KIND, token)
        if kept is None or (ask := self._asks.get(token)) is not None:  # or recalled meanwhile
            return ask
        try:
            ask = decode(kept[1], self._clock)
        except Exception as e:  # unreadable: told "expired" like any forgotten question
            log.warning("a kept face question could not be read (%s)", type(e).__name__)
            return None
        self._remember(ask)
        return ask

    async def flush(self) -> None:
        """Wait for the writes in progress (a clean stop)."""
        await self._writes.flush()

    def __len__(self) -> int:
        self._expire()
        return len(self._asks)

    def open(self, owner: int, chat: int, images: list, missing: list[int], lang: str,
             hints: list[FaceHint | None] | None = None, got_it: str = "face_got_it", dogs: Sequence[int] = (),
             recipe: dict | None = None, **extra: object) -> FaceAsk:
        """Remember a request that needs the user's help with `missing` photos (in that order)."""
        if not missing:
            raise ValueError("a face question needs at least one photo to ask about")
        self._expire()
        ask = FaceAsk(secrets.token_hex(5), owner, chat, list(images), list(missing), lang,
                      self._clock() + self.wait_s, list(hints) if hints else [], dict(extra), got_it, list(dogs),
                      recipe)
        self._remember(ask)
        self._keep(ask)
        return ask

    def _remember(self, ask: FaceAsk) -> None:
        self._asks[ask.token] = ask
        self._bytes += ask.size
        while len(self._asks) > self.max_asks or (self._bytes > self.max_bytes and len(self._asks) > 1):
            _, old = self._asks.popitem(last=False)
            self._bytes -= old.size

    def _keep(self, ask: FaceAsk) -> None:
        """Write the question through to the kept store (when it can be finished from there)."""
        if self._store is None or ask.recipe is None:
            return
        store, left = self._store, max(1.0, ask.expires - self._clock())
        blob = encode(ask, time.time() + left)
        self._writes.start(lambda: store.save(self.KIND, ask.token, blob, left, self.max_bytes),
                           f"face question {ask.token}")

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
        if not ask.missing:  # answered before a crash, read back (`recall`): finish it with its hints
            self._forget(token)
            return TapResult.OK, ask
        ask.hints[ask.missing.pop(0)] = hint
        if not ask.missing:
            # Out of memory, so a second tap mixes nothing; the kept copy stays, answered, until the
            # request is served (`served`): a crash in between and the tap's replay finishes it.
            self._forget(token)
        else:
            ask.expires = self._clock() + self.wait_s  # the next photo gets the full wait too
        self._keep(ask)
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
        """Forget the question here and in the kept store (expired, or not finishable)."""
        ask = self._forget(token)
        if ask is not None and ask.recipe is not None:
            self.served(token)
        return ask

    def served(self, token: str) -> None:
        """The tapped request was served (or told why not): its kept copy goes, so no process or
        restart finishes it a second time."""
        if (store := self._store) is not None:
            self._writes.start(lambda: store.delete(self.KIND, token), f"face question {token}")

    def _forget(self, token: str) -> FaceAsk | None:
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
