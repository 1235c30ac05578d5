"""Scaling out (issue 24): `kitten-mixer worker` runs engine jobs from Redis; `kitten-mixer status`
says how the line and the workers are doing. See the README's "Scaling out"."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os

log = logging.getLogger(__name__)


def register(sub) -> None:
    p = sub.add_parser("worker", help="run mixes for the bots: engine jobs from Redis (REDIS_URL), until stopped")
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL"),
                   help="the Redis the bots use (default: $REDIS_URL), e.g. redis://10.0.0.5:6379/0")
    p.add_argument("--weights", default=None, help="a Kitten Mixer checkpoint (default: the shipped model)")
    p.add_argument("--concurrency", type=int, default=int(os.environ.get("WORKER_CONCURRENCY", "1")),
                   help="jobs at once (default 1, or $WORKER_CONCURRENCY): about one per core")
    p.add_argument("--name", default=None, help="how `status` names this worker (default host:pid)")
    p.set_defaults(func=_worker)

    s = sub.add_parser("status", help="the line and the workers: line length, time in line p50/p95, workers alive, "
                                      "jobs retried, last errors (from Redis; without it, the running bot's "
                                      "own figures from its SQLite file)")
    s.add_argument("--redis-url", default=os.environ.get("REDIS_URL"), help="default: $REDIS_URL")
    s.add_argument("--db", default=None, help="without Redis: the running bot's DATABASE_PATH (default: the "
                                              "setting's), where it writes its figures every 5 s")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=_status)


def _need_url(a: argparse.Namespace) -> str:
    if not a.redis_url:
        raise ValueError("no Redis: set REDIS_URL or give --redis-url (without Redis everything runs in the bot "
                         "process, and its log says how the line is doing)")
    return a.redis_url


def _worker(a: argparse.Namespace) -> int:
    from bot.common.remote_jobs import Worker
    from vae_core.engine import Engine, EngineSettings

    url = _need_url(a)
    engine = Engine(a.weights, EngineSettings(workers=max(1, a.concurrency)))
    worker = Worker(url, engine, name=a.name, concurrency=max(1, a.concurrency))
    log.info("worker %s: taking jobs from %s", worker.name, url.split("@")[-1])
    try:
        asyncio.run(worker.serve())
    finally:
        engine.close()
    return 0


def _embedded_status(a: argparse.Namespace) -> int:
    """No Redis: each running bot's own figures, from the row it writes to its SQLite file."""
    from bot.common.scale import read_status
    from bot.common.settings import Settings

    db = a.db or Settings.from_env().database_path
    rows = read_status(db)
    if a.json:
        print(json.dumps({"mode": "embedded", "database": str(db), "bots": rows}, indent=2))
        return 0
    if not rows:
        print(f"no running bot has written to {db} in the last 15 s (is it running, with this DATABASE_PATH?)")
        return 1
    for r in rows:
        w = r["time_in_line_ms"]
        print(f"{r['platform']} (pid {r['pid']}, one process): line: {r['line_length']} waiting, {r['running']} "
              f"running; time in line p50 {w['p50']} ms, p95 {w['p95']} ms ({w['samples']} recent requests); "
              f"engine: {r['engine_pending']} jobs running or queued; sends and downloads retried: "
              f"{r.get('retried', 0)}")
        print("  last errors:" + ("".join(f"\n    {e}" for e in r.get("last_errors", [])) or " none"))
    return 0


def _status(a: argparse.Namespace) -> int:
    from bot.common.remote_jobs import status

    if not a.redis_url:
        return _embedded_status(a)
    s = asyncio.run(status(_need_url(a)))
    if a.json:
        print(json.dumps(s, indent=2))
        return 0
    w = s["time_in_line_ms"]
    print(f"line: {s['line_length']} waiting; time in line p50 {w['p50']} ms, p95 {w['p95']} ms "
          f"({w['samples']} recent requests); jobs waiting for a worker: {s['jobs_waiting_for_worker']}")
    print(f"workers alive: {s['workers_alive']} ({', '.join(f'{k}: {v} jobs' for k, v in s['workers'].items())}); "
          f"jobs running or unacknowledged: {s['jobs_running_or_unacknowledged']}; retried: {s['jobs_retried']}")
    j = s["job_ms"]
    print(f"job time p50 {j['p50']} ms, p95 {j['p95']} ms")
    print("last errors:" + ("".join(f"\n  {e}" for e in s["last_errors"]) or " none"))
    return 0
