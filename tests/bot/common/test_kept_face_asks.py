"""Face questions kept across processes (issue 24): written through to the kept store (the SQLite
file, or Redis), read back by another `FaceAsks` (a restarted or second bot process) when its tap
comes, with the photos, the Cats, the hints so far, the recipe and the time left; answered once."""

from __future__ import annotations

import asyncio

import numpy as np
import torch
from redis_server import redis_server  # noqa: F401  (the fixture)

from bot.common.face_asks import FaceAsks, TapResult, decode, encode
from bot.common.storage import open_storage
from bot.common.storage.kept import RedisKept, SqliteKept
from vae_core.engine import Cat
from vae_core.hints import FaceHint

RECIPE = {"kind": "mix", "options": {"frames": 3}, "files": ["tom.jpg", "wall.png"]}


def cat() -> Cat:
    return Cat(torch.arange(8, dtype=torch.float32), np.full((4, 4, 3), 7, np.uint8), None, "#7")


def test_a_question_reads_back_as_it_was():
    asks = FaceAsks(wait_s=60)
    ask = asks.open(1, -5, [b"\xff\xd8photo", cat(), b"png"], [0, 2], "es", dogs=[2], recipe=RECIPE)
    asks.tap(ask.token, 1, FaceHint.mix_anyway())
    back = decode(encode(ask, expires_at=0.0), clock=lambda: 0.0)
    assert (back.token, back.owner, back.chat, back.missing, back.lang, back.dogs, back.recipe) == (
        ask.token, 1, -5, [2], "es", [2], RECIPE)
    assert back.hints == [FaceHint.mix_anyway(), None, None]
    assert back.images[0] == b"\xff\xd8photo" and back.images[2] == b"png"
    assert torch.equal(back.images[1].z, cat().z) and np.array_equal(back.images[1].photo, cat().photo)
    assert back.images[1].label == "#7" and back.extra == {}


async def shared_by_two_processes(store) -> None:
    first, second = FaceAsks(wait_s=60), FaceAsks(wait_s=60)
    first.keep_in(store)
    second.keep_in(store)
    ask = first.open(1, 5, [b"a", b"b"], [0, 1], "en", recipe=RECIPE, request="memory only")
    memory_only = first.open(1, 5, [b"c"], [0], "en")  # no recipe: cannot be finished elsewhere
    await first.flush()

    assert await second.recall(memory_only.token) is None
    assert await second.recall("0123456789") is None
    back = await second.recall(ask.token)
    assert back is not None and back.images == [b"a", b"b"] and back.extra == {}
    assert 55 < back.expires - second._clock() <= 60  # the time left came with it
    assert second.tap(ask.token, 2, FaceHint.at(4))[0] is TapResult.NOT_YOURS
    assert second.tap(ask.token, 1, FaceHint.at(4))[0] is TapResult.OK  # one photo answered, one to go
    await second.flush()

    third = FaceAsks(wait_s=60)  # the next press reaches yet another process: the first answer came along
    third.keep_in(store)
    again = await third.recall(ask.token)
    assert again.missing == [1] and again.hints == [FaceHint.at(4), None]
    result, done = third.tap(ask.token, 1, FaceHint.whole_photo())
    assert result is TapResult.OK and not done.missing
    assert third.tap(ask.token, 1, FaceHint.at(0))[0] is TapResult.EXPIRED  # a second tap mixes nothing
    await third.flush()

    # a crash before the request was served: the tap's replay (or the owner tapping again) finishes it
    # with the hints it had, once per process
    crashed = FaceAsks(wait_s=60)
    crashed.keep_in(store)
    replayed = await crashed.recall(ask.token)
    assert replayed.missing == [] and replayed.hints == [FaceHint.at(4), FaceHint.whole_photo()]
    assert crashed.tap(ask.token, 1, FaceHint.at(8)) == (TapResult.OK, replayed)
    assert replayed.hints == [FaceHint.at(4), FaceHint.whole_photo()]  # the recorded answers stand
    assert crashed.tap(ask.token, 1, FaceHint.at(8))[0] is TapResult.EXPIRED
    crashed.served(ask.token)
    await crashed.flush()
    # served: the kept copy is gone, so no process or restart finishes it a second time
    restarted = FaceAsks(wait_s=60)
    restarted.keep_in(store)
    assert await restarted.recall(ask.token) is None


async def test_shared_through_the_sqlite_file(tmp_path):
    storage = await open_storage(tmp_path / "k.db")
    try:
        await shared_by_two_processes(SqliteKept(storage.db))
    finally:
        await storage.close()


async def test_shared_through_redis(redis_server):  # noqa: F811
    store = RedisKept(redis_server.url)
    try:
        await shared_by_two_processes(store)
    finally:
        await store.close()


async def test_an_expired_question_is_not_read_back(tmp_path):
    storage = await open_storage(tmp_path / "k.db")
    try:
        asks = FaceAsks(wait_s=1.0)
        asks.keep_in(SqliteKept(storage.db))
        ask = asks.open(1, 5, [b"a"], [0], "en", recipe=RECIPE)
        await asks.flush()
        await asyncio.sleep(1.2)
        later = FaceAsks(wait_s=1.0)
        later.keep_in(SqliteKept(storage.db))
        assert await later.recall(ask.token) is None
    finally:
        await storage.close()
