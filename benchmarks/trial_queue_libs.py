"""The measured trial behind the queue library choice (issue 24): taskiq + taskiq-redis's stream
broker against arq, on one local redis-server.

Two questions, each on a trivial job so that only the library is measured:
- per-job overhead: 200 jobs one after another, from the kick until the job has run (the job
  pushes to a list the caller waits on with BLPOP, so no result-polling is in the figure);
- a worker SIGKILLed mid-job: how long until another worker runs the job, and how many times it ran.

`python -m benchmarks.trial_queue_libs` (needs `redis-server`; about a minute). The choice and the
figures are in the README's "Scaling out" section.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis.asyncio as aioredis

URL = os.environ.get("TRIAL_REDIS_URL", "")
IDLE_S = 8  # both libraries' "a job not finished after this long is taken again" (taskiq idle_timeout, arq timeout)

# ---- taskiq ---------------------------------------------------------------------------------------
if URL and os.environ.get("TRIAL_KIND") == "taskiq":
    from taskiq_redis import RedisStreamBroker

    broker = RedisStreamBroker(URL, queue_name="trial", idle_timeout=IDLE_S * 1000, xread_count=1, xread_block=1000)

    @broker.task(task_name="trial_job")
    async def trial_job(key: str, sleep_s: float) -> None:
        r = aioredis.from_url(URL)
        await r.rpush(f"{key}:starts", os.getpid())
        await asyncio.sleep(sleep_s)
        await r.rpush(key, os.getpid())
        await r.aclose()


# ---- arq ------------------------------------------------------------------------------------------
async def arq_job(ctx: dict, key: str, sleep_s: float) -> None:
    r = ctx["redis"]
    await r.rpush(f"{key}:starts", os.getpid())
    await asyncio.sleep(sleep_s)
    await r.rpush(key, os.getpid())


class ArqSettings:
    functions = [arq_job]
    job_timeout = 5  # a job may run 5 s; arq takes a job again after job_timeout + 10 s (its fixed margin)
    poll_delay = float(os.environ.get("TRIAL_ARQ_POLL", "0.5"))
    max_jobs = 1
    if URL and os.environ.get("TRIAL_KIND") == "arq":
        from arq.connections import RedisSettings
        redis_settings = RedisSettings.from_dsn(URL)


# ---- the trial --------------------------------------------------------------------------------------
def start_worker(kind: str, env: dict) -> subprocess.Popen:
    py = sys.executable
    cmd = ([py, "-m", "taskiq", "worker", "benchmarks.trial_queue_libs:broker", "--workers", "1",
            "--no-configure-logging"] if kind == "taskiq"
           else [py, "-m", "arq", "benchmarks.trial_queue_libs.ArqSettings"])
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def kick(kind: str, key: str, sleep_s: float, pool) -> None:
    if kind == "taskiq":
        await trial_job.kiq(key, sleep_s)
    else:
        await pool.enqueue_job("arq_job", key, sleep_s)


async def trial(kind: str, env: dict) -> dict:
    r = aioredis.from_url(URL)
    pool = None
    if kind == "taskiq":
        await broker.startup()
    else:
        from arq import create_pool
        pool = await create_pool(ArqSettings.redis_settings)
    worker = start_worker(kind, env)
    await kick(kind, "warm", 0, pool)
    await r.blpop(["warm"], timeout=60)
    lat = []
    for i in range(200):
        t0 = time.perf_counter()
        await kick(kind, f"j{i}", 0, pool)
        await r.blpop([f"j{i}"], timeout=10)
        lat.append((time.perf_counter() - t0) * 1000)
    # SIGKILL mid-job, a second worker already running
    other = start_worker(kind, env)
    await asyncio.sleep(3)
    await r.delete("kill", "kill:starts")
    # the job goes to whichever worker reads first; kill that one
    await kick(kind, "kill", 2.0, pool)
    started = await r.blpop(["kill:starts"], timeout=10)
    pid = int(started[1])
    t_kill = time.perf_counter()
    os.kill(pid, signal.SIGKILL)  # the process running the job (taskiq's worker is a child of its CLI)
    survivor, victim = other, worker
    try:
        done = await r.blpop(["kill"], timeout=40)
    except Exception:  # noqa: BLE001  (a client timeout: not re-run either)
        done = None
    quiet_rerun_s = time.perf_counter() - t_kill if done else None  # nothing else arriving
    if not done:  # taskiq-redis 1.2.4 reclaims only after reading new messages: send one
        await kick(kind, "nudge", 0, pool)
        done = await r.blpop(["kill"], timeout=40)
    rerun_s = time.perf_counter() - t_kill if done else None
    await asyncio.sleep(IDLE_S + 8)  # does it run a third time?
    starts = await r.llen("kill:starts") + 1
    for p in (survivor, victim):
        p.kill()
        p.wait()
    if pool is not None:
        await pool.aclose()
    else:
        await broker.shutdown()
    await r.aclose()
    lat.sort()
    return {"p50_ms": statistics.median(lat), "p95_ms": lat[int(0.95 * len(lat))], "quiet_rerun_s": quiet_rerun_s,
            "rerun_s": rerun_s,
            "runs_of_killed_job": starts}


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="km-trial-"))
    sock = tmp / "redis.sock"
    server = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", str(sock), "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        while not sock.exists():
            time.sleep(0.05)
        url = f"unix://{sock}"
        runs = (("taskiq", None), ("arq", "0.5"), ("arq", "0.005"))
        for kind, poll in [r for r in runs if r[0] in os.environ.get("TRIAL_ONLY", "taskiq arq")]:
            env = dict(os.environ, TRIAL_REDIS_URL=url, TRIAL_ARQ_POLL=poll or "0.5", TRIAL_KIND=kind,
                       PYTHONPATH=str(Path(__file__).resolve().parent.parent))
            # arq pins redis-py < 6 and taskiq-redis >= 1.2.3 needs >= 8: arq runs from its own venv
            py = sys.executable if kind == "taskiq" else os.environ.get("ARQ_PYTHON", "/tmp/km/arq-venv/bin/python")
            print(f"trial: {kind}{' poll ' + poll + ' s' if poll else ''} ...", flush=True)
            code = (f"import asyncio, json, benchmarks.trial_queue_libs as t; "
                    f"print(json.dumps(asyncio.run(t.trial({kind!r}, __import__('os').environ.copy()))))")
            out = subprocess.run([py, "-c", code], env=env, capture_output=True, text=True, timeout=180)
            line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-800:]
            subprocess.run(["redis-cli", "-s", str(sock), "flushall"], capture_output=True)
            print(f"  {line}", flush=True)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
