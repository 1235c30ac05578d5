"""The result buttons' cats kept across a restart (issue 24): serialised without pickles, written
through to SQLite (the default) or Redis (REDIS_URL), read back with the same bounds and expiry."""

from __future__ import annotations

import asyncio

import numpy as np
import torch
from redis_server import redis_server  # noqa: F401  (the fixture)

from bot.common.results import MixState, Owner, ResultCache, decode, encode
from bot.common.storage import open_storage
from bot.common.storage.kept import RedisKept, SqliteKept
from vae_core.engine import Cat, MixOptions
from vae_core.intake import CropReport


def state(seed: int, photo_side: int = 32) -> MixState:
    g = np.random.default_rng(seed)
    report = CropReport(True, (1, 2, 30, 31), (64, 48), "JPEG", head=(3, 4, 20, 21), score=0.9, hint="4")
    cats = (Cat(torch.randn(16, generator=torch.Generator().manual_seed(seed)),
                g.integers(0, 255, (photo_side, photo_side, 3), dtype=np.uint8), report, "a"),
            Cat(torch.randn(16, generator=torch.Generator().manual_seed(seed + 100)), None, None, "seed 7"))
    return MixState(cats, MixOptions(frames=6, format="grid", boomerang=True), random_seed=7)


def same(a: MixState, b: MixState) -> bool:
    return (a.options == b.options and a.random_seed == b.random_seed and len(a.cats) == len(b.cats)
            and all(torch.equal(x.z, y.z) and x.label == y.label and x.report == y.report
                    and ((x.photo is None and y.photo is None) or np.array_equal(x.photo, y.photo))
                    for x, y in zip(a.cats, b.cats, strict=True)))


def test_a_result_reads_back_as_it_was():
    owner, back = decode(encode(Owner(-100123, 42), state(1)))
    assert owner == Owner(-100123, 42) and same(back, state(1))
    assert decode(encode(Owner("chan", None), state(2)))[0] == Owner("chan", None)


async def kept_and_restored(store, closing=None) -> None:
    first = ResultCache(max_bytes=10_000, ttl_s=60)
    first.keep_in(store)
    first.put("k1", state(1), Owner(5))
    first.put("k2", state(2), Owner(5, 9))
    await first.flush()
    second = ResultCache(max_bytes=10_000, ttl_s=60)  # a restarted process
    second.keep_in(store)
    assert await second.restore() == 2
    assert same(second.press("k1", 5, 1), state(1)) and same(second.press("k2", 5, 9), state(2))
    assert second.press("k2", 5, 1).value == "button_foreign"  # the owner came back too
    # the same byte bound: a third result pushes the oldest out of the store as well
    second.put("k3", state(3), Owner(5))
    await second.flush()
    third = ResultCache(max_bytes=10_000, ttl_s=60)
    third.keep_in(store)
    await third.restore()
    assert third.press("k1", 5, 1).value == "button_expired"
    assert same(third.press("k3", 5, 1), state(3))
    # and the same expiry
    short = ResultCache(max_bytes=10_000, ttl_s=1)
    short.keep_in(store)
    short.put("k4", state(4), Owner(5))
    await short.flush()
    await asyncio.sleep(1.3)
    late = ResultCache(max_bytes=10_000, ttl_s=1)
    late.keep_in(store)
    await late.restore()
    assert late.press("k4", 5, 1).value == "button_expired"


async def test_kept_in_the_sqlite_file(tmp_path):
    storage = await open_storage(tmp_path / "k.db")
    try:
        await kept_and_restored(SqliteKept(storage.db))
    finally:
        await storage.close()


async def test_kept_in_redis(redis_server):  # noqa: F811
    store = RedisKept(redis_server.url)
    try:
        await kept_and_restored(store)
    finally:
        await store.close()


def test_put_outside_an_event_loop_stays_in_memory(tmp_path):
    cache = ResultCache(max_bytes=10_000, ttl_s=60)
    cache.keep_in(SqliteKept(None))  # never reached: no loop to write from
    cache.put("k", state(1), Owner(1))
    assert same(cache.press("k", 1, 1), state(1))

