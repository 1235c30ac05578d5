"""The buttons under a mix: the two cats kept for a while, so "swap", "boomerang", "grid/GIF",
"more frames" and "with a random cat" need no re-upload.

A result remembers its cats (latents and the users' face crops, see vae_core.engine.Cat) and its
options under a short key that goes into the buttons' data. Memory is bounded twice: by bytes
(a photo crop is ~0.4 MB, the latents a few KB; least recently used results are dropped first)
and by time (a button older than `ttl_s` gets "this button has expired"). The state is plain
data behind a small interface, like the line's: in memory, written through to the kept store (SQLite, or
Redis with REDIS_URL) and read back after a restart.

A result belongs to the chat it was posted in (and, if made so, to one user): the key alone is not
a capability. Button data can be forged or copied, and a press of chat A's `mx:<key>:swap` on a
message in chat B must not post A's cats in B. `press` is the one way to read a result for a button,
so both bots check the owner the same way and answer a foreign press with a toast.
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from enum import Enum

import numpy as np
import torch

from bot.common.captions import about_mix, mix_done
from bot.common.storage.kept import KeptStore, WriteBehind
from bot.common.texts import t
from vae_core.engine import MAX_FRAMES, Cat, Engine, MixOptions
from vae_core.intake import CropReport
from vae_core.seeds import new_seed

log = logging.getLogger(__name__)

ACTIONS = ("swap", "boom", "fmt", "more", "rnd")
ACTION_PATTERN = "|".join(ACTIONS)
KEY_PATTERN = r"[A-Za-z0-9_-]{8}"


@dataclass(frozen=True)
class MixState:
    """What a result was made of: enough to make the next one from a button."""

    cats: tuple[Cat, ...]
    options: MixOptions
    random_seed: int | None = None  # set when the second cat is a random one (shown in the caption)

    @property
    def nbytes(self) -> int:
        return sum(c.z.numel() * c.z.element_size() + (c.photo.nbytes if c.photo is not None else 0)
                   for c in self.cats)


def buttons(state: MixState) -> list[tuple[str, str]]:
    """(action, texts.py key) for the buttons worth showing under this result."""
    out = [("swap", "btn_swap")]
    if state.options.format == "gif" and not state.options.boomerang:
        out.append(("boom", "btn_boomerang"))
    out.append(("fmt", "btn_grid" if state.options.format == "gif" else "btn_gif"))
    if state.options.frames < MAX_FRAMES:
        out.append(("more", "btn_more"))
    out.append(("rnd", "btn_random_cat"))
    return out


def more_frames(frames: int) -> int:
    """12 -> 24 -> 32: visibly smoother each time, never past the limit."""
    return min(MAX_FRAMES, frames * 2)


def next_state(state: MixState, action: str, random_cat: Callable[[int], Cat]) -> MixState:
    """The state a button asks for. `random_cat(seed)` makes the stranger for "with a random cat"."""
    o = state.options
    if action == "swap":
        return replace(state, cats=tuple(reversed(state.cats)))
    if action == "boom":
        return replace(state, options=replace(o, format="gif", boomerang=True))
    if action == "fmt":
        return replace(state, options=replace(o, format="grid" if o.format == "gif" else "gif"))
    if action == "more":
        return replace(state, options=replace(o, frames=more_frames(o.frames)))
    if action == "rnd":
        seed = new_seed()
        return MixState((state.cats[0], random_cat(seed)), o, random_seed=seed)
    raise ValueError(f"unknown result action {action!r}")


def random_cat(engine: Engine, seed: int) -> Cat:
    """A cat that never existed, from the model's latent density (a few microseconds: no pool)."""
    z = engine.sample(1, seed)[0]  # the best-formed of a few draws, as /random shows
    return engine.cat_from_latent(z, label=f"seed {seed}")


ChatId = int | str  # Telegram's chat id, Discord's channel id


@dataclass(frozen=True)
class Owner:
    """Where a result's buttons may be pressed: its chat, and one user when only they may."""

    chat: ChatId
    user: int | None = None  # None: anyone who sees the result in its chat may press (a shared mix)

    def allows(self, chat: ChatId, user: int | None) -> bool:
        return chat == self.chat and (self.user is None or user == self.user)


class Refusal(Enum):
    """Why a press gets no result; the value is the toast's texts.py key."""

    EXPIRED = "button_expired"  # unknown, dropped for memory, or older than ttl_s
    FOREIGN = "button_foreign"  # made for another chat (or user): forged or copied data


def cat_record(cat: Cat, i: int) -> tuple[dict, dict[str, np.ndarray]]:
    """One cat for a kept .npz: its JSON part and its arrays (`z<i>`, `photo<i>`); no pickles."""
    meta = {"label": cat.label, "photo": cat.photo is not None,
            "report": asdict(cat.report) if cat.report is not None else None}
    arrays = {f"z{i}": cat.z.detach().cpu().numpy()}
    if cat.photo is not None:
        arrays[f"photo{i}"] = cat.photo
    return meta, arrays


def cat_from_record(meta: dict, arrays: np.lib.npyio.NpzFile, i: int) -> Cat:
    report = None
    if meta["report"] is not None:
        report = CropReport(**{k: tuple(v) if isinstance(v, list) else v for k, v in meta["report"].items()})
    return Cat(torch.from_numpy(arrays[f"z{i}"].copy()), arrays[f"photo{i}"].copy() if meta["photo"] else None,
               report, meta["label"])


def pack(meta: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """JSON and arrays in one .npz (what the kept store holds)."""
    out = io.BytesIO()
    np.savez(out, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8), **arrays)
    return out.getvalue()


def encode(owner: Owner, state: MixState) -> bytes:
    """A result as bytes for the kept store (bot/common/storage/kept.py): the latents and the face
    crops as .npy arrays, the owner, options and reports as JSON, in one .npz; no pickles."""
    meta = {"owner": [owner.chat, owner.user], "options": asdict(state.options), "seed": state.random_seed,
            "cats": []}
    arrays: dict[str, np.ndarray] = {}
    for i, c in enumerate(state.cats):
        cat_meta, cat_arrays = cat_record(c, i)
        meta["cats"].append(cat_meta)
        arrays.update(cat_arrays)
    return pack(meta, arrays)


def decode(blob: bytes) -> tuple[Owner, MixState]:
    with np.load(io.BytesIO(blob), allow_pickle=False) as f:
        meta = json.loads(f["meta"].tobytes())
        cats = [cat_from_record(c, f, i) for i, c in enumerate(meta["cats"])]
    chat, user = meta["owner"]
    return Owner(chat, user), MixState(tuple(cats), MixOptions(**meta["options"]), meta["seed"])


class ResultCache:
    """key -> (owner, MixState), least recently used first out, bounded by bytes and by age.

    With a kept store (`keep_in`: SQLite by default, Redis with REDIS_URL) every result is also
    written there, with the same bounds, and `restore` reads the fresh ones back after a restart,
    so a button pressed after a restart (or served by another process) still works."""

    KIND = "results"

    def __init__(self, max_bytes: int, ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self.max_bytes, self.ttl_s, self._clock = max_bytes, ttl_s, clock
        self._items: OrderedDict[str, tuple[float, Owner, MixState]] = OrderedDict()
        self._bytes = 0
        self._store: KeptStore | None = None
        self._writes = WriteBehind()  # memory still has a result whose write failed

    def keep_in(self, store: KeptStore) -> None:
        self._store = store

    async def restore(self) -> int:
        """The kept results still fresh, back in memory (newest first, up to the byte bound)."""
        if self._store is None:
            return 0
        restored = 0
        for key, blob, expires_at in reversed(await self._store.load(self.KIND, self.max_bytes)):
            try:
                owner, state = decode(blob)
            except Exception as e:  # one unreadable entry must not cost the others
                log.warning("a kept result could not be read (%s); skipped", type(e).__name__)
                continue
            self._drop(key)
            age = self.ttl_s - (expires_at - time.time())
            self._items[key] = (self._clock() - max(0.0, age), owner, state)
            self._bytes += state.nbytes
            restored += 1
        self._evict()
        return restored

    async def flush(self) -> None:
        """Wait for the writes in progress (a clean stop)."""
        await self._writes.flush()

    def _keep(self, key: str, owner: Owner, state: MixState) -> None:
        store = self._store
        if store is not None:
            blob = encode(owner, state)
            self._writes.start(lambda: store.save(self.KIND, key, blob, self.ttl_s, self.max_bytes), f"result {key}")

    def reserve(self) -> str:
        """A fresh key for a result still being made (its buttons are built before it is sent);
        until `put` fills it, the key reads as expired."""
        return secrets.token_urlsafe(6)  # 8 characters: callback data stays far below Telegram's 64 bytes

    def put(self, key: str, state: MixState, owner: Owner) -> None:
        """Keep `state` for the buttons of the result posted where `owner` says."""
        self._drop(key)
        self._items[key] = (self._clock(), owner, state)
        self._bytes += state.nbytes
        self._evict()
        self._keep(key, owner, state)

    def press(self, key: str, chat: ChatId, user: int | None) -> MixState | Refusal:
        """The result behind a button pressed by `user` in `chat`, or why not. A foreign press
        neither refreshes the result nor tells its cats or options to the presser."""
        item = self._items.get(key)
        if item is None:
            return Refusal.EXPIRED
        stamp, owner, state = item
        if self._clock() - stamp > self.ttl_s:
            self._drop(key)
            return Refusal.EXPIRED
        if not owner.allows(chat, user):
            return Refusal.FOREIGN
        self._items.move_to_end(key)
        return state

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def _drop(self, key: str) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            self._bytes -= item[2].nbytes

    def _evict(self) -> None:
        now = self._clock()
        for key in [k for k, (stamp, _, _) in self._items.items() if now - stamp > self.ttl_s]:
            self._drop(key)
        while self._bytes > self.max_bytes and len(self._items) > 1:
            self._drop(next(iter(self._items)))
        if self._bytes > self.max_bytes:  # one result alone over the bound: not worth keeping
            self._drop(next(iter(self._items)))


def button_caption(state: MixState, lang: str) -> str:
    """The caption of a mix made from a result button: the same on both platforms."""
    lines = [mix_done(len(state.cats), lang), about_mix(state.options, lang)]
    if state.random_seed is not None:
        note = t("with_random_cat", lang, seed=state.random_seed)
        lines.append(note[:1].upper() + note[1:])
    return "\n".join(lines)
