"""Scaling-out benchmark (issue 24): the embedded mode against one bot + workers + Redis, same run.

The bot side is bot/common/scale_driver.py (the real journal, fair line and engine call, no chat
platform); the engine is the shipped model; each request is `/random 2` (two cats, a PNG).

Printed, each against the embedded baseline measured in the same run:
- throughput of a burst (requests/s): embedded, one bot + 1 worker, one bot + 2 workers;
- the time Redis adds to a request, p50: one request at a time, the bot's engine call
  (submit, run on a worker, result back through Redis) minus the embedded engine call;
- result bytes through Redis: the SET + GET of a 1 MB GIF-sized blob, p50.

Steady state in both modes: each bot-side process makes WARMUP engine calls before its measured
requests, and each worker warms its engine before it says it is alive (as `kitten-mixer worker`
does), so neither mode's figure holds the engine's one-time set-up (about 1 s on the shipped model,
up to 3 s on a loaded machine: on a 40-request burst that was most of the difference between one
and two workers).

`python -m benchmarks.bench_scale [--burst 40] [--single 30]` (needs redis-server).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def requests(n: int, run: str) -> list[dict]:
    return [{"rid": f"{run}-{i}", "user": 100 + i % 12, "chat": 10 + (i % 12) // 4, "seq": i, "n": 2, "seed": i}
            for i in range(n)]


WARMUP = 4


def run_driver(tmp: Path, name: str, reqs: list[dict], url: str | None, running: int,
               warmup: int = WARMUP) -> tuple[float, list[dict]]:
    (tmp / f"{name}.json").write_text(json.dumps(reqs))
    answers = tmp / f"{name}.jsonl"
    cmd = [sys.executable, "-m", "bot.common.scale_driver", str(tmp / f"{name}.json"), str(answers),
           "--db", str(tmp / f"{name}.sqlite"), "--running", str(running), "--warmup", str(warmup)]
    if url:
        cmd += ["--redis-url", url]
    subprocess.run(cmd, cwd=ROOT, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    got = [json.loads(x) for x in answers.read_text().splitlines()]
    assert len(got) == len(reqs), f"{name}: {len(got)} of {len(reqs)} answered"
    first = min(a["at"] for a in got) - min(a["job_s"] for a in got)
    return max(a["at"] for a in got) - first, got  # from the first job's start to the last answer


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--burst", type=int, default=40)
    p.add_argument("--single", type=int, default=30)
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="km-bench-scale-"))
    sock = tmp / "redis.sock"
    server = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", str(sock), "--save", "", "--dir",
                               str(tmp)], stdout=subprocess.DEVNULL)
    url = f"unix://{sock}"
    workers: list[subprocess.Popen] = []
    import redis

    client = redis.Redis(unix_socket_path=str(sock))

    def start_workers(n: int) -> None:
        while len(workers) < n:
            workers.append(subprocess.Popen([sys.executable, "-m", "kitten_mixer.cli", "worker", "--redis-url", url,
                                             "--name", f"w{len(workers) + 1}"], cwd=ROOT,
                                            env=dict(os.environ, PYTHONPATH=str(ROOT)),
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        while len(list(client.scan_iter("km:worker:*"))) < n:
            time.sleep(0.2)

    try:
        while not sock.exists():
            time.sleep(0.05)
        print("embedded (one process, engine with 2 threads) ...", flush=True)
        t_emb, _ = run_driver(tmp, "emb-burst", requests(a.burst, "emb-burst"), None, 4)
        _, emb_single = run_driver(tmp, "emb-single", requests(a.single, "emb-single"), None, 1)
        print("one bot + 1 worker + Redis ...", flush=True)
        start_workers(1)
        t_one, _ = run_driver(tmp, "r1-burst", requests(a.burst, "r1-burst"), url, 4)
        _, r_single = run_driver(tmp, "r1-single", requests(a.single, "r1-single"), url, 1)
        print("one bot + 2 workers + Redis ...", flush=True)
        start_workers(2)
        t_two, _ = run_driver(tmp, "r2-burst", requests(a.burst, "r2-burst"), url, 4)
        blob = os.urandom(1 << 20)
        io = []
        for i in range(50):
            t0 = time.perf_counter()
            client.set(f"bench:{i}", blob, ex=10)
            client.get(f"bench:{i}")
            io.append((time.perf_counter() - t0) * 1000)
        emb_p50 = statistics.median(x["job_s"] for x in emb_single) * 1000
        r_p50 = statistics.median(x["job_s"] for x in r_single) * 1000
        n = a.burst
        print(f"\nburst of {n} /random 2 (shipped model), this machine ({os.cpu_count()} cores, shared):")
        print(f"  embedded           {n / t_emb:6.1f} req/s  (baseline)")
        print(f"  1 bot + 1 worker   {n / t_one:6.1f} req/s  {t_emb / t_one:6.0%} of embedded")
        print(f"  1 bot + 2 workers  {n / t_two:6.1f} req/s  {t_emb / t_two:6.0%} of embedded (target >= 85%); "
              f"two workers give {t_one / t_two:.2f}x one")
        print(f"one request at a time ({a.single}): engine call p50 embedded {emb_p50:.1f} ms, through Redis "
              f"{r_p50:.1f} ms: Redis adds {r_p50 - emb_p50:.1f} ms p50 (target <= 5 ms)")
        print(f"1 MB result through Redis (SET + GET): p50 {statistics.median(io):.2f} ms")
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(10)
        server.terminate()


if __name__ == "__main__":
    main()
