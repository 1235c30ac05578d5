"""The Redis line across processes (issue 24): a process starts only its own entries, in the shared
fair order, and a dead process's entries are swept out by the live ones' heartbeat, against a real
redis-server of the test's own; and what a job's reply looks like when it crosses Redis."""

from __future__ import annotations

import time

import redis
from redis_server import redis_server  # noqa: F401  (the fixture)

from bot.common.line import Entry
from bot.common.redis_line import RedisLine


def anything(_entry: Entry) -> bool:
    return True


def test_a_dead_process_entries_are_swept_and_stop_holding_its_users_back(redis_server):  # noqa: F811
    client = redis.Redis(unix_socket_path=str(redis_server.sock))
    a = RedisLine(client, owner="a", heartbeat=False)
    b = RedisLine(client, owner="b", heartbeat=False)
    a.push(Entry(1, user_id=7, chat_id=1))
    b.push(Entry(1, user_id=7, chat_id=2))  # user 7's later request, through another process
    b.push(Entry(2, user_id=8, chat_id=2))
    assert b.pop_next(anything).user_id == 8  # user 7's oldest is process a's: b may not overtake it
    assert b.pop_next(anything) is None
    assert b.sweep() == 0  # a is alive: nothing leaves
    client.delete("km:line:alive:a")  # a died: its alive key expired
    assert b.sweep() == 1 and b.waiting() == 1
    taken = b.pop_next(anything)
    assert (taken.id, taken.user_id) == (1, 7)
    assert b.waiting() == 0


def test_the_heartbeat_sweeps_without_any_call(redis_server):  # noqa: F811
    client = redis.Redis(unix_socket_path=str(redis_server.sock))
    dead = RedisLine(client, owner="dead", heartbeat=False)
    dead.push(Entry(1, user_id=7, chat_id=1))
    live = RedisLine(client, owner="live", alive_every_s=0.05)
    try:
        assert live.waiting() == 1
        client.delete("km:line:alive:dead")
        deadline = time.monotonic() + 5
        while live.waiting():
            assert time.monotonic() < deadline, "the dead process's entry was not swept"
            time.sleep(0.02)
    finally:
        live.close()


async def test_a_reply_crosses_redis_with_numpy_latents_and_without_the_cats_one_by_one(engine):
    """What a worker writes for the bot (remote_jobs._portable) and what the bot gets back: the same
    picture and cats (latents as torch tensors again), not the drawn cats one by one that no bot
    reads (the bytes and the torch.save pickling they cost)."""
    import pickle

    import torch

    from bot.common.remote_jobs import _portable, _restored

    reply = await engine.random(2, 7)
    blob = pickle.dumps(("ok", _portable(reply)), protocol=pickle.HIGHEST_PROTOCOL)
    assert len(blob) < len(pickle.dumps(("ok", reply), protocol=pickle.HIGHEST_PROTOCOL))
    status, back = pickle.loads(blob)
    back = _restored(back)
    assert status == "ok" and back.data == reply.data and back.mime == reply.mime and back.pictures == []
    assert len(reply.pictures) == 2  # the worker's own reply is left whole
    for mine, theirs in zip(back.cats, reply.cats, strict=True):
        assert isinstance(mine.z, torch.Tensor) and torch.equal(mine.z, theirs.z)
    again = await engine.mix(back.cats)  # the bot's cats mix as the engine's own do
    assert again.data == (await engine.mix(reply.cats)).data
