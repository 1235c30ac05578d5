"""A bot process without a chat platform, for the scaling-out tests and benchmark (issue 24).

It does what a bot's runner does with each request, minus the platform: journal it (the real
SQLite journal), take a place in the fair line (the Redis line and buckets when REDIS_URL is
given, else the in-memory ones), wait its turn, run the engine (on the workers through Redis, or
in this process), "send" the answer (a JSON line appended to the answers file: the test's stand-in
for the chat), mark it answered in the journal, free the place. A restarted driver resumes its
journal's open requests first, as the bots do.

`python -m bot.common.scale_driver REQUESTS.json ANSWERS.jsonl --db J.sqlite [--redis-url URL]`;
REQUESTS.json is a list of {"rid", "user", "chat", "seq", "kind": "random", "n", "seed", "at_s"}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path

from bot.common.scheduler import Bounds, Scheduler
from bot.common.storage import open_storage

PLATFORM = "scale"


async def drive(requests: list[dict], answers: Path, db: Path, redis_url: str | None, *, weights: str | None,
                running: int, owner: str | None, warmup: int = 0, cpu_out: Path | None = None) -> None:
    storage = await open_storage(db)
    journal = storage.journal
    line = rate = engine = None
    if redis_url:
        from bot.common.redis_line import RedisLine, RedisTokenBuckets, connect
        from bot.common.remote_jobs import RemoteEngine

        client = connect(redis_url)
        line, rate = RedisLine(client, owner=owner), RedisTokenBuckets(client, burst=100, refill_s=0)
        engine = RemoteEngine(redis_url, resend_s=float(os.environ.get("KM_RESEND_S", "45")))
    else:
        from bot.common.ratelimit import TokenBuckets
        from vae_core.engine import Engine, EngineSettings

        rate = TokenBuckets(burst=100, refill_s=0)
        engine = Engine(weights, EngineSettings(workers=2, max_pending=64))
    sched = Scheduler(Bounds(running=running, per_user=50, per_chat=100, total=200), rate, line, clock=time.time,
                      recent_waits=line.waits if line is not None else None)  # as scale.scheduler() does
    out = answers.open("a", buffering=1)

    async def one(req: dict, entry_id: int) -> None:
        from bot.common.remote_jobs import request_id, reset_request_id

        ticket = sched.enter(req["user"], req["chat"])
        try:
            await sched.wait_turn(ticket)
            token = request_id(PLATFORM, req["rid"])
            asked_at, t0 = time.time(), time.perf_counter()
            reply = await engine.random(req.get("n", 2), req.get("seed", 0))
            job_s = time.perf_counter() - t0
            reset_request_id(token)
            out.write(json.dumps({"rid": req["rid"], "user": req["user"], "chat": req["chat"], "seq": req["seq"],
                                  "bytes": len(reply.data), "at": time.time(), "pid": os.getpid(),
                                  "job_s": job_s, "in_line_s": ticket.in_line_s, "entered_at": ticket.entered_at,
                                  "started_at": ticket.started_at, "asked_at": asked_at}) + "\n")
            await journal.finish([entry_id])
        finally:
            sched.finish(ticket)

    if redis_url:
        await engine.start()  # as a bot does before taking requests: the first jobs go out at once
    if warmup:  # benchmarks: the engine's one-time set-up (and the workers') before the measured requests
        await asyncio.gather(*(engine.random(2, 10_000 + i) for i in range(warmup)))
    cpu_at_start = time.process_time()  # this process's CPU from here (the set-up and warm-up left out)
    tasks = []
    for old in await journal.unfinished(PLATFORM):  # a restart: what was accepted and not answered
        tasks.append(asyncio.create_task(one(old.payload, old.id)))
    start = time.monotonic()
    for req in requests:
        delay = req.get("at_s", 0) - (time.monotonic() - start)
        if delay > 0:
            await asyncio.sleep(delay)
        entry_id = await journal.accept(PLATFORM, req["rid"], req["chat"], req["user"], req)
        if entry_id is None:
            continue  # journaled before: answered once, or resumed above
        tasks.append(asyncio.create_task(one(req, entry_id)))
    await asyncio.gather(*tasks)
    if cpu_out is not None:  # the benchmark's CPU cost per request (all threads of this process)
        cpu_out.write_text(json.dumps({"cpu_s": time.process_time() - cpu_at_start}))
    out.close()
    if line is not None:
        line.close()
    if redis_url:
        await engine.close()
    else:
        engine.close()
    await storage.close()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("requests")
    p.add_argument("answers")
    p.add_argument("--db", required=True)
    p.add_argument("--redis-url", default=None)
    p.add_argument("--weights", default=None)
    p.add_argument("--running", type=int, default=4)
    p.add_argument("--owner", default=None)
    p.add_argument("--warmup", type=int, default=0, help="engine calls made (and not answered) before the requests")
    p.add_argument("--cpu-out", type=Path, default=None, help="write the CPU seconds the requests cost here")
    a = p.parse_args()
    requests = json.loads(Path(a.requests).read_text())
    asyncio.run(drive(requests, Path(a.answers), Path(a.db), a.redis_url, weights=a.weights, running=a.running,
                      owner=a.owner, warmup=a.warmup, cpu_out=a.cpu_out))


if __name__ == "__main__":
    main()
