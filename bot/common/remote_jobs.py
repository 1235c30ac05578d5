"""Engine work on `kitten-mixer worker` processes, through Redis (REDIS_URL, issue 24).

The bot's fair line decides *when* a request runs; this module decides *where*: the engine call
(`mix`, `random`) becomes a job on taskiq's Redis stream broker (taskiq-redis), run by whichever
worker reads it first, on any machine. Why taskiq and not arq: the README's "Scaling out".

One request id end to end. The caller gives it (`request_id(...)`: the journal's platform and
reference, so a restarted bot asks for the same job again); the job's input waits in Redis under
it, and its outcome is written once, `SET NX`, with a short TTL. A job can run twice (a worker
SIGKILLed mid-job is taken for dead after RECLAIM_S and its job runs again elsewhere; a bot that
gave up waiting sends it again), but only the first outcome is kept, and the bot that asked
reads it once and sends it once: the answer never appears twice. Results come back as bytes
through Redis (a GIF is 0.1-2 MB; the README has the measured cost) and the bot sends them, so
the workers hold no platform credentials and the 10 MiB Discord check stays where it is.

Which job a worker runs next is the line's decision, not the stream's: a bot sends its job's input
and the job's place (the chat and user of the line entry it serves, `redis_line.LINE_PLACE`) to the
job line (`km:jl`, the fair line's own Lua: round-robin across chats, then users, FIFO per user),
and a taskiq message that says "a job is waiting". A worker that reads a message claims the job
whose turn it is. Each bot process has a few jobs in flight at once (the scheduler's `running`),
so in stream order a process serving one chat would get as many turns as one serving twenty, and a
bot that started late would wait behind another's whole backlog; in the job line, each chat gets
its turn at the workers, whichever process sent it. The message names its own job too: a message
read when the job line is empty (the job was claimed for an earlier message, or the message was
reclaimed from a dead worker) runs that job if it has no outcome and no live worker has it.

Redis away: submitting and waiting retry every RETRY_S until the request's deadline; a job whose
outcome has not come within RESEND_S is sent again (a Redis restarted without its data lost it).
Nothing is lost as long as the bot process lives, and its SQLite journal covers a restart.

Jobs are pickled: Redis must be reachable only by the bot and its workers (see the README).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import logging
import os
import pickle
import socket
import time
import uuid
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from taskiq.exceptions import TaskiqError

from bot.common.redis_line import LINE_PLACE, LUA_LIB, STATS_KEEP, WAITS_KEY
from bot.common.scale import REQUEST_ID
from vae_core.errors import EngineTimeout

log = logging.getLogger(__name__)

PREFIX = "km"
QUEUE = "km:jobs"
GROUP = "km-workers"
RECLAIM_S = 20.0  # a job unacknowledged this long is taken for dead and run again (SIGKILL -> within ~21 s)
RESULT_TTL_S = 120  # the outcome waits this long for the bot that asked
INPUT_TTL_S = 3600
RESEND_S = 45.0
RETRY_S = 0.5
DEADLINE_S = 300.0
ALIVE_TTL_S = 10
JOB_LINE = f"{PREFIX}:jl"  # the jobs waiting for a worker, in the fair line's order
TURN_MEMORY = 10_000  # chats/users whose last turn at the workers is remembered (as the line's MEMORY)
JOB_DELAY_S = float(os.environ.get("KM_JOB_DELAY_S", "0"))  # drills and tests: every job takes this much longer

_request_id = REQUEST_ID  # [the request's id, engine jobs it has asked for so far]


def request_id(platform: str, ref: str) -> contextvars.Token:
    """Name the engine work of the current request (its journal's platform and reference)."""
    return _request_id.set([f"{platform}:{ref}", 0])


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


def current_request_id() -> str:
    """The next engine job's id: the request's own for its first job, then `<id>:2`, `<id>:3`... (a
    request replayed after a restart asks for the same jobs in the same order, so it finds their
    outcomes; a second job of one request never reads the first's). No request named: a fresh id."""
    named = _request_id.get()
    if named is None:
        return uuid.uuid4().hex
    named[1] += 1
    return named[0] if named[1] == 1 else f"{named[0]}:{named[1]}"


_BROKER_ARGS: dict[str, Any] = dict(queue_name=QUEUE, consumer_group_name=GROUP, consumer_id="0",
                                    idle_timeout=int(RECLAIM_S * 1000), unacknowledged_lock_timeout=5.0,
                                    xread_count=1, xread_block=1000)


RECLAIM_EVERY_S = 5.0  # how often a worker looks for dead workers' messages (XAUTOCLAIM)


def make_worker_broker(url: str):
    """The workers' broker: taskiq-redis's stream consumer, with the dead-consumer reclaim run every
    RECLAIM_EVERY_S instead of after every message read. After every message it cost three round
    trips (a lock, XAUTOCLAIM, the lock's release) on each job, and (taskiq-redis 1.2.4) it never ran
    while no new message came, so a quiet system never reclaimed; on a timer it runs in both cases.
    The rest is the library's own loop: XREADGROUP, AckableMessage, its ack (XACK after the job)."""
    from redis.asyncio import Redis
    from taskiq import AckableMessage
    from taskiq_redis import RedisStreamBroker

    class WorkerBroker(RedisStreamBroker):
        async def listen(self):  # type: ignore[override]
            async with Redis(connection_pool=self.connection_pool) as conn:
                reclaimed_at = time.monotonic()
                while True:
                    fetched = await conn.xreadgroup(self.consumer_group_name, self.consumer_name,
                                                    {self.queue_name: ">"}, block=self.block, noack=False,
                                                    count=self.count)
                    for stream, messages in fetched or []:
                        for msg_id, msg in messages:
                            yield AckableMessage(data=msg[b"data"], ack=self._ack_generator(id=msg_id,
                                                                                            queue_name=stream))
                    if time.monotonic() - reclaimed_at < RECLAIM_EVERY_S:
                        continue
                    reclaimed_at = time.monotonic()
                    lock = conn.lock(f"autoclaim:{self.consumer_group_name}:{self.queue_name}",
                                     timeout=self.unacknowledged_lock_timeout)
                    if not await lock.acquire(blocking=False):
                        continue  # another worker is reclaiming right now
                    try:
                        _next, pending, *_ = await conn.xautoclaim(
                            self.queue_name, self.consumer_group_name, self.consumer_name,
                            min_idle_time=self.idle_timeout, count=self.unacknowledged_batch_size)
                    finally:
                        with contextlib.suppress(Exception):
                            await lock.release()
                    for msg_id, msg in pending:
                        yield AckableMessage(data=msg[b"data"], ack=self._ack_generator(id=msg_id,
                                                                                        queue_name=self.queue_name))

    return WorkerBroker(url, **_BROKER_ARGS)


@dataclasses.dataclass
class _Submission:
    """A job on its way out (`RemoteEngine._send`), for the bot's broker's `kick`."""

    rid: str
    user: int
    chat: int
    payload: bytes
    sent: bool = False  # False: its outcome was already there (a restarted bot asking again)


_SUBMITTING: contextvars.ContextVar[_Submission | None] = contextvars.ContextVar("km_submitting", default=None)


def make_bot_broker(url: str, submit: Any):
    """The bot's broker: taskiq builds and formats the message as usual, and its `kick` (the broker's
    one sending step, the part a broker overrides) writes the job's input, its place in the job line
    and the message in one script (`_SUBMIT`): one round trip instead of two (1 ms of the 5 ms Redis
    added per request, measured), and a job is never in the line without its message or the reverse."""
    from taskiq_redis import RedisStreamBroker

    class BotBroker(RedisStreamBroker):
        async def kick(self, message: Any) -> None:
            job = _SUBMITTING.get()
            if job is None:  # a message sent outside `_send` (none today): as taskiq-redis sends it
                return await super().kick(message)
            job.sent = bool(await submit(args=[JOB_LINE, job.rid, job.user, job.chat, job.payload, INPUT_TTL_S,
                                               PREFIX, QUEUE, message.message]))

    return BotBroker(url, **_BROKER_ARGS)


def keys(rid: str) -> tuple[str, str, str]:
    return f"{PREFIX}:job:{rid}", f"{PREFIX}:res:{rid}", f"{PREFIX}:done:{rid}"


# The bot sends a job: its input, its place in the job line (once: a job sent again while it still
# waits keeps its place) and the taskiq message that wakes a worker (as taskiq-redis's own XADD).
# 0: the outcome is there already (a restarted bot asking again): nothing is sent.
_SUBMIT = LUA_LIB + r"""
local rid, user, chat, payload, ttl, K = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
if redis.call('EXISTS', K..':res:'..rid) == 1 then return 0 end
redis.call('SET', K..':job:'..rid, payload, 'EX', ttl)
push_entry(rid, user, chat)
redis.call('XADD', ARGV[8], '*', 'data', ARGV[9])
return 1
"""

# A worker takes the job whose turn it is, or else the message's own job if it is unanswered and no
# live worker runs it; the job is marked as this worker's at once. Gives [rid, input, runs] or nil.
_CLAIM = LUA_LIB + r"""
local worker, hint, memory, K = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local rid, user, chat = next_in_turn()
if rid then
  serve(rid, user, chat, memory)
elseif hint ~= '' and redis.call('EXISTS', K..':res:'..hint) == 0 then
  local owner = redis.call('HGET', K..':running', hint)
  if owner and redis.call('EXISTS', K..':worker:'..owner) == 1 then return nil end
  rid = hint
else
  return nil
end
if redis.call('EXISTS', K..':res:'..rid) == 1 then return nil end  -- answered meanwhile (a second send)
local runs = redis.call('HINCRBY', K..':runs', rid, 1)
if runs > 1 then redis.call('INCR', K..':stats:retried') end
redis.call('HSET', K..':running', rid, worker)
return {rid, redis.call('GET', K..':job:'..rid) or false, runs}
"""

# The outcome, written once (SET NX), where a bot asking again reads it. One MULTI, not a script: a
# 150 KB-2 MB blob passed into Lua costs a copy per use (0.84 ms against 0.25 for a plain SET, measured
# with a /random 2 reply). The wake-up carries the outcome (the waiting bot needs no GET). A second run
# of the same job (rare) pushes a second wake-up that nobody reads (it expires); MULTI is atomic, so
# whichever run's SET NX won is also the first wake-up: the bot reads the kept outcome either way.


def _finish(pipe: Any, rid: str, blob: bytes, job_ms: float) -> None:
    job_key, res_key, done_key = keys(rid)
    pipe.set(res_key, blob, nx=True, ex=RESULT_TTL_S)
    pipe.rpush(done_key, blob)
    pipe.expire(done_key, RESULT_TTL_S)
    pipe.delete(job_key)
    pipe.hdel(f"{PREFIX}:runs", rid)
    pipe.hdel(f"{PREFIX}:running", rid)
    pipe.lpush(f"{PREFIX}:stats:job_ms", job_ms)
    pipe.ltrim(f"{PREFIX}:stats:job_ms", 0, STATS_KEEP - 1)


# ---- the bot's side ---------------------------------------------------------------------------------
class RemoteEngine:
    """The engine's async API, with `mix` and `random` run on the workers; everything else (the
    cheap, local calls: gallery pictures, `cat_from_latent`...) goes to the local engine."""

    def __init__(self, url: str, local: Any = None, *, deadline_s: float = DEADLINE_S, resend_s: float = RESEND_S):
        self.url, self.local = url, local
        self.deadline_s, self.resend_s = deadline_s, resend_s
        self.r = aioredis.from_url(url, socket_timeout=5, socket_connect_timeout=1)
        self._submit = self.r.register_script(_SUBMIT)
        self.broker = make_bot_broker(url, self._submit)
        self._task = self.broker.register_task(_never_called_here, task_name="km.run")
        self._started = False
        self._starting = asyncio.Lock()

    def __getattr__(self, name: str) -> Any:
        if self.local is None:
            raise AttributeError(name)
        return getattr(self.local, name)

    async def close(self) -> None:
        if self._started:
            await self.broker.shutdown()
        await self.r.aclose()

    async def mix(self, sources: Sequence[Any], options: Any = None) -> Any:
        return await self.run("mix", list(sources), options)

    async def random(self, n: int = 16, seed: int | None = None) -> Any:
        return await self.run("random", n, seed)

    async def run(self, kind: str, *args: Any, rid: str | None = None) -> Any:
        """Run `kind(*args)` on a worker and give its outcome (a Reply, or the engine's error)."""
        rid = rid or current_request_id()
        job_key, res_key, done_key = keys(rid)
        payload = pickle.dumps((kind, args), protocol=pickle.HIGHEST_PROTOCOL)
        deadline = time.monotonic() + self.deadline_s
        sent_at = -1e9
        while True:
            now = time.monotonic()
            if now > deadline:
                raise EngineTimeout(f"no worker answered request {rid} in {self.deadline_s:.0f} s")
            try:
                ready = False
                if now - sent_at > self.resend_s:
                    ready = not await self._send(rid, job_key, res_key, payload)  # True: a restarted bot asking again
                    sent_at = now
                got = ready or await self.r.blpop([done_key], timeout=1)
                if not got and not await self.r.exists(res_key):
                    if await self._worker_died(rid):
                        sent_at = -1e9  # its worker died mid-job: send it again now
                    continue
                # The wake-up carries the outcome (one round trip less); a restarted bot reads it.
                data = got[1] if isinstance(got, (list, tuple)) and got[1] != b"1" else await self.r.get(res_key)
                if data is None:
                    continue
                # Read: the outcome's copies go now, not in RESULT_TTL_S (at 30 mixes/s, 1 MB GIFs kept
                # 120 s would hold 3.6 GB). Its input is gone too, so a redelivered message runs nothing;
                # a bot that dies before sending asks again after its restart, and the job runs again.
                with contextlib.suppress(RedisError, OSError):
                    await self.r.unlink(res_key, done_key)
            except (RedisError, OSError, TaskiqError) as e:
                log.warning("request %s: Redis away (%s); trying again", rid, type(e).__name__)
                await asyncio.sleep(RETRY_S)
                continue
            status, value = pickle.loads(data)
            if status == "err":
                raise value
            return _restored(value)

    async def _worker_died(self, rid: str) -> bool:
        """The worker running `rid` stopped beating (SIGKILL, out of memory, its machine gone).

        Our own check, not the broker's: taskiq-redis reclaims a dead consumer's message only after
        RECLAIM_S, and (1.2.4) only in a worker that has just read new messages, so in a quiet
        moment a killed job would wait for RESEND_S."""
        owner = await self.r.hget(f"{PREFIX}:running", rid)
        if owner is None or await self.r.exists(f"{PREFIX}:worker:{owner.decode()}"):
            return False
        log.warning("request %s: worker %s stopped mid-job; sending the job again", rid, owner.decode())
        await self.r.hdel(f"{PREFIX}:running", rid)
        return True

    async def start(self) -> None:
        """Connect the broker (once; the first job does it otherwise): a bot that calls this before
        taking requests sends its first jobs as fast as the rest."""
        if self._started:
            return
        async with self._starting:  # the first requests of a burst all send at once: one startup
            if not self._started:
                await self.broker.startup()
                await self.r.script_load(_SUBMIT)
                self._started = True

    async def _send(self, rid: str, job_key: str, res_key: str, payload: bytes) -> bool:
        """The job's input, its place in the job line and its message: one script (`make_bot_broker`)."""
        chat, user = LINE_PLACE.get() or (0, 0)  # outside any line entry: one shared place
        await self.start()
        job = _Submission(rid, user, chat, payload)
        token = _SUBMITTING.set(job)
        try:
            await self._task.kiq(rid)
        finally:
            _SUBMITTING.reset(token)
        return job.sent


async def _never_called_here(rid: str) -> None:  # the bot only sends; workers register the real one
    raise RuntimeError("km.run runs on workers")


# ---- the worker's side ------------------------------------------------------------------------------
class Worker:
    """One `kitten-mixer worker`: reads jobs, runs them on its engine, writes each outcome once."""

    def __init__(self, url: str, engine: Any, *, name: str | None = None, concurrency: int = 1):
        self.url, self.engine, self.concurrency = url, engine, concurrency
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.r = aioredis.from_url(url, socket_timeout=5, socket_connect_timeout=1)
        self.broker = make_worker_broker(url)

        async def km_run(rid: str) -> None:
            await self.run_job(rid)

        self.broker.register_task(km_run, task_name="km.run")
        self._claim = self.r.register_script(_CLAIM)
        self.done = 0

    async def run_job(self, message_rid: str) -> None:
        """Run the job whose turn it is (the job line's), or else the message's own if nobody has it."""
        claimed = await self._claim(args=[JOB_LINE, self.name, message_rid, TURN_MEMORY, PREFIX])
        if not claimed:
            return  # nothing waits: the message's job is answered, or a live worker runs it
        rid, data = claimed[0].decode(), claimed[1]
        if not data:
            log.warning("job %s: its input is gone (expired); nothing to run", rid)
            await self.r.hdel(f"{PREFIX}:running", rid)
            return
        kind, args = pickle.loads(data)
        started = time.perf_counter()
        if JOB_DELAY_S:
            await asyncio.sleep(JOB_DELAY_S)
        try:
            if kind == "mix":
                outcome = ("ok", await self.engine.mix(*args))
            elif kind == "random":
                outcome = ("ok", await self.engine.random(*args))
            else:
                raise ValueError(f"unknown job kind {kind!r}")
        except Exception as e:  # the engine's refusal or failure goes back to the bot as it is
            outcome = ("err", e)
            await self._error(rid, e)
        blob = pickle.dumps((outcome[0], _portable(outcome[1])), protocol=pickle.HIGHEST_PROTOCOL)
        job_ms = round((time.perf_counter() - started) * 1000, 1)
        await _retrying(lambda: self._write_outcome(rid, blob, job_ms))
        self.done += 1

    async def _write_outcome(self, rid: str, blob: bytes, job_ms: float) -> None:
        pipe = self.r.pipeline(transaction=True)
        _finish(pipe, rid, blob, job_ms)
        await pipe.execute()

    async def _error(self, rid: str, e: BaseException) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {self.name} {rid}: {type(e).__name__}: {e}"[:300]
        with contextlib.suppress(RedisError):
            await self.r.lpush(f"{PREFIX}:stats:errors", line)
            await self.r.ltrim(f"{PREFIX}:stats:errors", 0, 19)

    async def heartbeat(self) -> None:
        while True:
            with contextlib.suppress(RedisError):
                await self.r.set(f"{PREFIX}:worker:{self.name}", f"{self.done}", ex=ALIVE_TTL_S)
            await asyncio.sleep(ALIVE_TTL_S / 3)

    async def warm_up(self) -> None:
        """One small random and one small mix before the worker says it is alive: a fresh engine's
        first call pays its one-time set-up (0.9-3.4 s measured on the shipped model, against
        30-90 ms after), which would otherwise fall on the first user's job, and in a burst on
        every job queued behind it."""
        try:
            reply = await self.engine.random(2, 0)
            await self.engine.mix(reply.cats[:2], _warm_mix())
        except Exception as e:  # a worker that cannot warm up still takes jobs (and reports their errors)
            log.warning("worker %s: warm-up failed (%s: %s)", self.name, type(e).__name__, e)

    async def serve(self) -> None:
        """Until cancelled. Redis away: taskiq's listener fails; it is started again every RETRY_S."""
        from taskiq.api import run_receiver_task

        await self.warm_up()
        beat = asyncio.create_task(self.heartbeat())
        try:
            while True:
                try:
                    await self.broker.startup()
                    await run_receiver_task(self.broker, max_async_tasks=self.concurrency, max_prefetch=0,
                                            run_startup=False)
                except (RedisError, OSError, TaskiqError) as e:
                    log.warning("worker %s: Redis away (%s); trying again", self.name, type(e).__name__)
                await asyncio.sleep(RETRY_S)
        finally:
            beat.cancel()
            await self.broker.shutdown()


def _portable(value: Any) -> Any:
    """A Reply as it crosses Redis: its cats' latents as numpy arrays (a torch tensor is pickled
    through torch.save: 0.2 ms out and 0.35 ms in for two cats, against 0.02 ms), and without the
    drawn cats one by one (`pictures`: 220 KB of a /random 2's 377 KB; only the CLI's gallery
    commands write them out, and they run the engine in their own process). Measured with
    a real-sized /random 2 reply: dumps + loads 1.0 + 0.44 ms and 376 KB -> 0.04 + 0.02 ms and 154 KB."""
    from vae_core.engine import Reply

    if not isinstance(value, Reply):
        return value
    cats = [dataclasses.replace(c, z=c.z.detach().cpu().numpy()) if hasattr(c.z, "detach") else c
            for c in value.cats]
    return dataclasses.replace(value, cats=cats, pictures=[])


def _restored(value: Any) -> Any:
    """The bot's side of `_portable`: the latents are torch tensors again (the engine's own type)."""
    cats = getattr(value, "cats", None)
    if cats:
        import numpy as np
        import torch

        for cat in cats:
            if isinstance(cat.z, np.ndarray):
                cat.z = torch.from_numpy(cat.z)
    return value


def _warm_mix() -> Any:
    from vae_core.engine import MixOptions

    return MixOptions(frames=2)


async def _retrying(call, for_s: float = 30.0):
    """A worker's last writes, tried again while Redis is briefly away (the job's work is done)."""
    deadline = time.monotonic() + for_s
    while True:
        try:
            return await call()
        except (RedisError, OSError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(RETRY_S)


# ---- what `kitten-mixer status` reads -----------------------------------------------------------------
async def status(url: str) -> dict[str, Any]:
    r = aioredis.from_url(url, socket_timeout=2, socket_connect_timeout=1)
    try:
        waits = sorted(float(x) for x in await r.lrange(WAITS_KEY, 0, -1))  # the bots' (redis_line.SharedWaits)
        jobs = sorted(float(x) for x in await r.lrange(f"{PREFIX}:stats:job_ms", 0, -1))
        workers = {}
        async for key in r.scan_iter(f"{PREFIX}:worker:*"):
            workers[key.decode().split(":", 2)[2]] = int(await r.get(key) or 0)
        try:
            pending = (await r.xpending(QUEUE, GROUP))["pending"]
        except RedisError:
            pending = 0
        return {
            "line_length": int(await r.get("km:line:n") or 0),
            "jobs_waiting_for_worker": int(await r.get(f"{JOB_LINE}:n") or 0),
            "time_in_line_ms": {"p50": _pct(waits, 50), "p95": _pct(waits, 95), "samples": len(waits)},
            "job_ms": {"p50": _pct(jobs, 50), "p95": _pct(jobs, 95), "samples": len(jobs)},
            "workers_alive": len(workers),
            "workers": workers,
            "jobs_running_or_unacknowledged": pending,
            "jobs_retried": int(await r.get(f"{PREFIX}:stats:retried") or 0),
            "last_errors": [x.decode() for x in await r.lrange(f"{PREFIX}:stats:errors", 0, 4)],
        }
    finally:
        await r.aclose()


def _pct(values: list[float], p: int) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, int(len(values) * p / 100))]
