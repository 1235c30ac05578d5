"""Scaling-out benchmark (issue 24): the embedded mode against one bot + workers + Redis, same run.

The bot side is bot/common/scale_driver.py (the real journal, fair line and engine call, no chat
platform); the engine is the shipped model; each request is `/random 2` (two cats, a PNG).

Printed, each against the embedded baseline measured in the same run:
- throughput of a burst (requests/s): embedded, one bot + 1 worker, one bot + 2 workers; embedded
  and two workers run in turns, `--rounds` times, and the ratio is the median of the rounds' (on a
  shared 2-core machine one run of each moved the ratio between 46% and 170% with a neighbour's load);
- the CPU each request costs in each mode, all processes together (bot, workers, redis-server; each
  bot-side process's set-up and warm-up left out): on cores the engine keeps busy, the ratio of
  the two is the throughput ratio, and a neighbour's load moves it far less than the wall clock;
- the time Redis adds to a request, p50: one request at a time, the bot's engine call
  (submit, run on a worker, result back through Redis) minus the embedded engine call; and paired:
  each call minus the worker's own time for that job (the unpaired figure moves by several ms
  between runs with the engine's own noise; the paired one holds only the trip);
- result bytes through Redis: the SET + GET of a 1 MB GIF-sized blob, p50.

Steady state in both modes: each bot-side process makes WARMUP engine calls before its measured
requests, and each worker warms its engine before it says it is alive (as `kitten-mixer worker`
does), so neither mode's figure holds the engine's one-time set-up (about 1 s on the shipped model,
up to 3 s on a loaded machine: on a 40-request burst that was most of the difference between one
and two workers).

`python -m benchmarks.bench_scale [--burst 40] [--single 30] [--rounds 5]` (needs redis-server).
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


def cpu_s(pid: int) -> float:
    """A running process's CPU seconds so far (user + system, all threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_driver(tmp: Path, name: str, reqs: list[dict], url: str | None, running: int,
               warmup: int = WARMUP, others: tuple[int, ...] = ()) -> tuple[float, list[dict], float]:
    """Run one bot-side process over `reqs`: the burst's wall time, the answers, and the CPU seconds the
    requests cost: the bot process's (after its set-up) plus the `others`' (workers, redis-server)."""
    (tmp / f"{name}.json").write_text(json.dumps(reqs))
    answers, cpu_file = tmp / f"{name}.jsonl", tmp / f"{name}.cpu.json"
    cmd = [sys.executable, "-m", "bot.common.scale_driver", str(tmp / f"{name}.json"), str(answers),
           "--db", str(tmp / f"{name}.sqlite"), "--running", str(running), "--warmup", str(warmup),
           "--cpu-out", str(cpu_file)]
    if url:
        cmd += ["--redis-url", url]
    before = sum(cpu_s(pid) for pid in others)
    subprocess.run(cmd, cwd=ROOT, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    used = sum(cpu_s(pid) for pid in others) - before + json.loads(cpu_file.read_text())["cpu_s"]
    got = [json.loads(x) for x in answers.read_text().splitlines()]
    assert len(got) == len(reqs), f"{name}: {len(got)} of {len(reqs)} answered"
    first = min(a["at"] for a in got) - min(a["job_s"] for a in got)
    return max(a["at"] for a in got) - first, got, used  # from the first job's start to the last answer


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--burst", type=int, default=40)
    p.add_argument("--single", type=int, default=30)
    p.add_argument("--rounds", type=int, default=5)
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
        print("embedded, one request at a time ...", flush=True)
        _, emb_single, _ = run_driver(tmp, "emb-single", requests(a.single, "emb-single"), None, 1)
        print("one bot + 1 worker + Redis ...", flush=True)
        start_workers(1)
        t_one, _, _ = run_driver(tmp, "r1-burst", requests(a.burst, "r1-burst"), url, 4)
        _, r_single, _ = run_driver(tmp, "r1-single", requests(a.single, "r1-single"), url, 1)
        # the worker's own time for each of those jobs (newest first in Redis): the call minus it is
        # what the trip through Redis cost that request, free of the engine's own run-to-run noise
        worker_ms = [float(x) for x in reversed(client.lrange("km:stats:job_ms", 0, a.single - 1))]
        trip_ms = [x["job_s"] * 1000 - w for x, w in zip(sorted(r_single, key=lambda x: x["asked_at"]), worker_ms)]
        start_workers(2)
        # Embedded and one bot + 2 workers in turns (the order swapped each round), so that a
        # neighbour's load on this shared machine falls on both modes alike; the ratio is per round.
        t_embs, t_twos, cpu_embs, cpu_twos = [], [], [], []
        others = (server.pid, *(w.pid for w in workers))
        for r in range(a.rounds):
            for mode in (("emb", "r2") if r % 2 == 0 else ("r2", "emb")):
                if mode == "emb":
                    t, _, cpu = run_driver(tmp, f"emb-burst-{r}", requests(a.burst, f"emb-{r}"), None, 4)
                    t_embs.append(t)
                    cpu_embs.append(cpu)
                else:
                    t, _, cpu = run_driver(tmp, f"r2-burst-{r}", requests(a.burst, f"r2-{r}"), url, 4, others=others)
                    t_twos.append(t)
                    cpu_twos.append(cpu)
            print(f"round {r + 1}/{a.rounds}: embedded {a.burst / t_embs[-1]:.1f} req/s "
                  f"({cpu_embs[-1] / a.burst * 1000:.1f} ms CPU each), 1 bot + 2 workers {a.burst / t_twos[-1]:.1f} "
                  f"req/s ({cpu_twos[-1] / a.burst * 1000:.1f} ms CPU each, Redis included): "
                  f"{t_embs[-1] / t_twos[-1]:.0%}", flush=True)
        t_emb, t_two = statistics.median(t_embs), statistics.median(t_twos)
        ratios = sorted(e / t for e, t in zip(t_embs, t_twos))
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
        print(f"\nburst of {n} /random 2 (shipped model), this machine ({os.cpu_count()} cores, shared), "
              f"median of {a.rounds} rounds:")
        print(f"  embedded           {n / t_emb:6.1f} req/s  (baseline)")
        print(f"  1 bot + 1 worker   {n / t_one:6.1f} req/s  {t_emb / t_one:6.0%} of embedded (one run)")
        print(f"  1 bot + 2 workers  {n / t_two:6.1f} req/s  {statistics.median(ratios):6.0%} of embedded, median "
              f"of the rounds' ratios ({', '.join(f'{x:.0%}' for x in ratios)}) (target >= 85%); "
              f"two workers give {t_one / t_two:.2f}x one")
        cpu_emb, cpu_two = statistics.median(cpu_embs) / n, statistics.median(cpu_twos) / n
        print(f"  CPU per request (all processes: bot, workers, redis-server), median of the rounds: embedded "
              f"{cpu_emb * 1000:.1f} ms, 1 bot + 2 workers {cpu_two * 1000:.1f} ms: on the same cores, when the "
              f"engine keeps them busy, scaling out serves {cpu_emb / cpu_two:.0%} of embedded's requests "
              f"(the wall-clock ratio above moves with a neighbour's load; this one much less)")
        print(f"one request at a time ({a.single}): engine call p50 embedded {emb_p50:.1f} ms, through Redis "
              f"{r_p50:.1f} ms: Redis adds {r_p50 - emb_p50:.1f} ms p50 (target <= 5 ms)")
        print(f"  paired: the call through Redis minus the worker's own time for the same job: "
              f"p50 {statistics.median(trip_ms):.1f} ms, p95 {sorted(trip_ms)[int(len(trip_ms) * 0.95)]:.1f} ms "
              f"(target <= 5 ms p50)")
        print(f"1 MB result through Redis (SET + GET): p50 {statistics.median(io):.2f} ms")
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(10)
        server.terminate()


if __name__ == "__main__":
    main()
