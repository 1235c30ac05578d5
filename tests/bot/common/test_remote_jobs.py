"""A job's trip through Redis (issue 24), in one process against a real redis-server of the test's own:
the bot's one-script send (input, job-line place and taskiq message together), the worker's one-MULTI
outcome, what `kitten-mixer status` counts while jobs wait for a worker, and a second run of a job."""

from __future__ import annotations

import asyncio
import pickle
import time

import pytest
import redis
from redis_server import redis_server  # noqa: F401  (the fixture)

from bot.common import remote_jobs
from bot.common.remote_jobs import JOB_LINE, QUEUE, RemoteEngine, Worker, keys, status


async def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_jobs_wait_for_a_worker_in_status_and_are_answered_once_one_comes(redis_server, engine):  # noqa: F811
    url = redis_server.url
    client = redis.Redis(unix_socket_path=str(redis_server.sock))
    bot = RemoteEngine(url)
    asked = [asyncio.create_task(bot.run("random", 2, seed, rid=f"req-{seed}")) for seed in range(3)]

    async def three_waiting() -> bool:
        return (await status(url))["jobs_waiting_for_worker"] == 3

    await wait_for(three_waiting)
    # each job went out whole, in one script: its input, its place in the job line and its message
    assert client.xlen(QUEUE) == 3
    assert all(client.exists(keys(f"req-{seed}")[0]) for seed in range(3))
    assert not any(t.done() for t in asked)

    worker = Worker(url, engine, name="w-test")
    serving = asyncio.create_task(worker.serve())
    try:
        replies = await asyncio.wait_for(asyncio.gather(*asked), 60)
        for seed, reply in enumerate(replies):
            assert reply.data == (await engine.random(2, seed)).data  # each request got its own job's answer
        s = await status(url)
        assert s["jobs_waiting_for_worker"] == 0 and s["job_ms"]["samples"] == 3 and s["jobs_retried"] == 0
        assert worker.done == 3
        # read outcomes are not kept for their TTL (a 1 MB GIF each): nothing of these jobs is left
        assert not any(client.exists(*keys(f"req-{seed}")) for seed in range(3))
        # an outcome made while its bot was down (restarted, asking again): read back, nothing sent again
        await worker._write_outcome("req-9", pickle.dumps(("ok", "made while the bot was down")), 10.0)
        assert await RemoteEngine(url).run("random", 2, 9, rid="req-9") == "made while the bot was down"
        assert client.xlen(QUEUE) == 3 and worker.done == 3 and not client.exists(*keys("req-9"))
    finally:
        serving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await serving
        await bot.close()


async def test_a_second_run_of_a_job_never_replaces_the_first_outcome(redis_server, engine):  # noqa: F811
    """A job can run twice (its worker taken for dead); the first outcome is the one kept and the one
    that wakes the bot, whatever the second writes."""
    url = redis_server.url
    client = redis.Redis(unix_socket_path=str(redis_server.sock))
    worker = Worker(url, engine, name="w-twice")
    first = pickle.dumps(("ok", "first"))
    await worker._write_outcome("req-x", first, 10.0)
    await worker._write_outcome("req-x", pickle.dumps(("ok", "second")), 12.0)
    _job, res, done = keys("req-x")
    assert client.get(res) == first and client.lindex(done, 0) == first
    assert 0 < client.ttl(res) <= remote_jobs.RESULT_TTL_S and 0 < client.ttl(done) <= remote_jobs.RESULT_TTL_S
    assert await RemoteEngine(url).run("random", 2, 0, rid="req-x") == "first"
    assert client.get(f"{JOB_LINE}:n") is None and client.xlen(QUEUE) == 0  # nothing sent: the outcome was there


async def test_an_idle_worker_reclaims_a_dead_consumers_message(redis_server, engine, monkeypatch):  # noqa: F811
    """A worker that read a job's message and died before running it holds the only message: the live
    worker, with nothing new to read, still reclaims it on its timer and the job is answered (in
    taskiq-redis 1.2.4's own loop the reclaim ran only after new messages, so it waited for the bot's
    resend, RESEND_S later)."""
    monkeypatch.setitem(remote_jobs._BROKER_ARGS, "idle_timeout", 500)  # ms unacknowledged before reclaim
    monkeypatch.setattr(remote_jobs, "RECLAIM_EVERY_S", 0.3)
    url = redis_server.url
    client = redis.Redis(unix_socket_path=str(redis_server.sock))
    bot = RemoteEngine(url)
    asked = asyncio.create_task(bot.run("random", 2, 5, rid="req-r"))
    while client.xlen(QUEUE) < 1:
        await asyncio.sleep(0.02)
    taken = client.xreadgroup(remote_jobs.GROUP, "dead-worker", {QUEUE: ">"}, count=1)  # read, never acked
    assert taken and len(taken[0][1]) == 1
    worker = Worker(url, engine, name="w-alive")
    serving = asyncio.create_task(worker.serve())
    try:
        reply = await asyncio.wait_for(asyncio.shield(asked), 15)
        assert reply.data == (await engine.random(2, 5)).data and worker.done == 1
        assert client.xpending(QUEUE, remote_jobs.GROUP)["pending"] == 0  # acked by the live worker
    finally:
        serving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await serving
        await bot.close()
