"""The buttons' memory (bot/common/results.py): bounded by bytes and by age, LRU first out."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bot.common.results import MixState, Owner, Refusal, ResultCache, buttons, next_state, random_cat
from vae_core.engine import Cat, MixOptions


def _state(photo_side: int = 100, **options) -> MixState:
    cats = tuple(Cat(torch.full((8,), float(i)), np.zeros((photo_side, photo_side, 3), np.uint8)) for i in (1, 2))
    return MixState(cats, MixOptions(**options))


CHAT = Owner(5)


def _get(cache: ResultCache, key: str) -> MixState | None:
    """A press in the result's own chat: the memory tests are about bounds, not owners."""
    got = cache.press(key, CHAT.chat, 1)
    return None if isinstance(got, Refusal) else got


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_state_counts_its_latents_and_crops():
    assert _state(100).nbytes == 2 * (8 * 4 + 100 * 100 * 3)


def test_least_recently_used_goes_first_when_over_the_byte_bound():
    one = _state().nbytes
    cache = ResultCache(max_bytes=int(2.5 * one), ttl_s=60)
    keys = [cache.reserve() for _ in range(3)]
    assert len(set(keys)) == 3 and all(len(k) == 8 for k in keys)
    cache.put(keys[0], _state(), CHAT)
    cache.put(keys[1], _state(), CHAT)
    assert _get(cache, keys[0]) is not None  # touched: now the most recently used
    cache.put(keys[2], _state(), CHAT)
    assert _get(cache, keys[1]) is None and _get(cache, keys[0]) is not None and _get(cache, keys[2]) is not None
    assert len(cache) == 2 and cache.nbytes == 2 * one


def test_entries_expire_and_one_too_big_is_not_kept():
    clock = Clock()
    cache = ResultCache(max_bytes=10**9, ttl_s=10, clock=clock)
    key = cache.reserve()
    cache.put(key, _state(), CHAT)
    clock.now = 9.9
    assert _get(cache, key) is not None
    clock.now = 10.1
    assert _get(cache, key) is None and cache.nbytes == 0
    small = ResultCache(max_bytes=100, ttl_s=10)
    small.put("k" * 8, _state(), CHAT)
    assert len(small) == 0 and small.nbytes == 0
    assert _get(small, "never-put") is None


def test_a_result_answers_only_in_its_own_chat_and_for_its_user_if_it_has_one():
    """Issue 21, defect 8: the key is not a capability. A press from another chat (forged or copied
    data) is refused as foreign and does not refresh the result; a user-bound result refuses others."""
    clock = Clock()
    cache = ResultCache(max_bytes=10**9, ttl_s=10, clock=clock)
    shared, mine = cache.reserve(), cache.reserve()
    cache.put(shared, _state(), Owner(-100))
    cache.put(mine, _state(), Owner("channel-7", user=42))
    assert cache.press(shared, 200, 200) is Refusal.FOREIGN  # chat A's key pressed in a private chat
    assert cache.press(shared, "-100", 1) is Refusal.FOREIGN  # ids are compared exactly, not as text
    assert isinstance(cache.press(shared, -100, 1), MixState)  # anyone in the group may press
    assert isinstance(cache.press(shared, -100, 2), MixState)
    assert cache.press(mine, "channel-7", 43) is Refusal.FOREIGN
    assert cache.press(mine, "channel-8", 42) is Refusal.FOREIGN
    assert isinstance(cache.press(mine, "channel-7", 42), MixState)
    assert cache.press("AAAAAAAA", -100, 1) is Refusal.EXPIRED
    clock.now = 10.1
    assert cache.press(shared, 200, 200) is Refusal.EXPIRED  # an expired result says so to anyone
    assert len(cache) == 1  # and is dropped


def test_next_states():
    s = _state(frames=12)
    assert [c.z[0].item() for c in next_state(s, "swap", None).cats] == [2.0, 1.0]
    assert next_state(s, "boom", None).options.boomerang
    assert next_state(s, "fmt", None).options.format == "grid"
    assert next_state(next_state(s, "fmt", None), "fmt", None).options.format == "gif"
    assert next_state(s, "more", None).options.frames == 24
    assert next_state(next_state(s, "more", None), "more", None).options.frames == 32
    made = []
    rnd = next_state(s, "rnd", lambda seed: made.append(seed) or Cat(torch.zeros(8)))
    assert rnd.cats[0] is s.cats[0] and rnd.random_seed == made[0]
    with pytest.raises(ValueError):
        next_state(s, "explode", None)


def test_buttons_follow_the_state():
    assert [a for a, _ in buttons(_state())] == ["swap", "boom", "fmt", "more", "rnd"]
    assert [a for a, _ in buttons(_state(frames=32, format="grid"))] == ["swap", "fmt", "rnd"]
    assert dict(buttons(_state(format="grid")))["fmt"] == "btn_gif"


def test_random_cat_is_reproducible(engine):
    a, b = random_cat(engine, 7), random_cat(engine, 7)
    assert torch.equal(a.z, b.z) and a.photo is None and not torch.equal(a.z, random_cat(engine, 8).z)
