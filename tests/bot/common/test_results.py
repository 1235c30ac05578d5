"""The buttons' memory (bot/common/results.py): bounded by bytes and by age, LRU first out."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bot.common.results import MixState, ResultCache, buttons, next_state, random_cat
from vae_core.engine import Cat, MixOptions


def _state(photo_side: int = 100, **options) -> MixState:
    cats = tuple(Cat(torch.full((8,), float(i)), np.zeros((photo_side, photo_side, 3), np.uint8)) for i in (1, 2))
    return MixState(cats, MixOptions(**options))


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
    cache.put(keys[0], _state())
    cache.put(keys[1], _state())
    assert cache.get(keys[0]) is not None  # touched: now the most recently used
    cache.put(keys[2], _state())
    assert cache.get(keys[1]) is None and cache.get(keys[0]) is not None and cache.get(keys[2]) is not None
    assert len(cache) == 2 and cache.nbytes == 2 * one


def test_entries_expire_and_one_too_big_is_not_kept():
    clock = Clock()
    cache = ResultCache(max_bytes=10**9, ttl_s=10, clock=clock)
    key = cache.reserve()
    cache.put(key, _state())
    clock.now = 9.9
    assert cache.get(key) is not None
    clock.now = 10.1
    assert cache.get(key) is None and cache.nbytes == 0
    small = ResultCache(max_bytes=100, ttl_s=10)
    small.put("k" * 8, _state())
    assert len(small) == 0 and small.nbytes == 0
    assert small.get("never-put") is None


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
