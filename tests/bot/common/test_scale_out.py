"""Scaling out with real processes (issue 24): one real redis-server, two bot-side processes
(bot/common/scale_driver.py: the journal, the Redis line, the remote engine; no chat platform),
two `kitten-mixer worker` processes on the tiny model.

- a burst of 50 requests from 12 users in 3 chats: all answered once, each user's in order, no chat starved;
- a worker SIGKILLed mid-job: the job is answered exactly once, by the other worker, within 30 s;
- Redis stopped for 5 s during a burst, then started: nothing lost, no duplicates.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import redis
from redis_server import redis_server  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parents[3]



def start_worker(url: str, weights: Path, name: str, env_extra: dict | None = None) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(env_extra or {}))
    return subprocess.Popen([sys.executable, "-m", "kitten_mixer.cli", "worker", "--redis-url", url,
                             "--weights", str(weights), "--name", name], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def start_bot(tmp: Path, name: str, requests: list[dict], url: str, env_extra: dict | None = None, *,
              running: int = 4) -> subprocess.Popen:
    (tmp / f"{name}.json").write_text(json.dumps(requests))
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(env_extra or {}))
    return subprocess.Popen([sys.executable, "-m", "bot.common.scale_driver", str(tmp / f"{name}.json"),
                             str(tmp / "answers.jsonl"), "--db", str(tmp / f"{name}.sqlite"), "--redis-url", url,
                             "--owner", name, "--running", str(running)], cwd=ROOT, env=env, stderr=subprocess.PIPE)


def wait_workers(client: redis.Redis, n: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(list(client.scan_iter("km:worker:*"))) < n:
        assert time.monotonic() < deadline, "workers did not start"
        time.sleep(0.1)


def answers(tmp: Path) -> list[dict]:
    path = tmp / "answers.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def burst(n: int = 50, users: int = 12, chats: int = 3, spread_s: float = 1.0) -> list[dict]:
    """n requests from `users` users in `chats` chats (users 0-3 in chat 0, ...), within `spread_s`."""
    reqs, seq = [], Counter()
    for i in range(n):
        user = i % users
        chat = user * chats // users
        seq[user] += 1
        reqs.append({"rid": f"r{i}", "user": 100 + user, "chat": 10 + chat, "seq": seq[user], "n": 2, "seed": i,
                     "at_s": spread_s * i / n})
    return reqs


def stop(*procs: subprocess.Popen) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


MAX_OTHERS_BETWEEN = 10  # fair turns give 2 (three chats); 4 started at once per bot and 2 workers add slack


def check_exactly_once_in_order(got: list[dict], reqs: list[dict]) -> None:
    assert Counter(a["rid"] for a in got) == Counter(r["rid"] for r in reqs)  # all, each once
    by_user = defaultdict(list)
    for a in sorted(got, key=lambda a: a["at"]):
        by_user[a["user"]].append(a["seq"])
    assert all(s == sorted(s) for s in by_user.values()), by_user


def test_burst_across_two_bots_and_two_workers(redis_server, tiny_weights, tmp_path):  # noqa: F811
    url = redis_server.url
    client = redis.Redis(unix_socket_path=str(redis_server.sock))
    workers = [start_worker(url, tiny_weights, f"w{i}") for i in (1, 2)]
    try:
        wait_workers(client, 2)
        reqs = burst(spread_s=0.0)  # all at once: the line fills, and the order is the line's
        # Two bot processes: chats 10 and 11 on one, chat 12 on the other (say Telegram and Discord).
        a = start_bot(tmp_path, "bot-a", [r for r in reqs if r["chat"] != 12], url)
        b = start_bot(tmp_path, "bot-b", [r for r in reqs if r["chat"] == 12], url)
        for p in (a, b):
            assert p.wait(120) == 0, p.stderr.read().decode()[-2000:]
        got = answers(tmp_path)
        check_exactly_once_in_order(got, reqs)
        order = [a["chat"] for a in sorted(got, key=lambda a: a["at"])]
        # No chat waits behind another's burst: between two answers of a chat, the others get a few
        # turns, never a whole burst. Measured between a chat's own answers, so a bot process that
        # starts a second later on a loaded machine (its chat's first request arrives late) is no
        # failure; each bot starts its first 4 at once, before the line has anything to order.
        for chat in (10, 11, 12):
            at = [i for i, c in enumerate(order) if c == chat]
            gaps = [j - i - 1 for i, j in zip(at, at[1:])]
            assert max(gaps) <= MAX_OTHERS_BETWEEN, (chat, order)
        assert {a["pid"] for a in got} == {a.pid, b.pid}
        # Which worker served how many is left to timing (on a loaded machine one may take them all):
        # two workers' exactly-once and hand-over are what the SIGKILL test below checks.
        assert client.get("km:line:n") in (None, b"0")  # the line is empty
        status = subprocess.run([sys.executable, "-m", "kitten_mixer.cli", "status", "--redis-url", url, "--json"],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
        s = json.loads(status.stdout)
        assert s["workers_alive"] == 2 and s["line_length"] == 0 and s["time_in_line_ms"]["samples"] == 50
    finally:
        stop(*workers)


def test_a_worker_killed_mid_job_is_answered_once_by_the_other(redis_server, tiny_weights, tmp_path):  # noqa: F811
    url = redis_server.url
    client = redis.Redis(unix_socket_path=str(redis_server.sock))
    slow = {"KM_JOB_DELAY_S": "1.5"}
    workers = {f"w{i}": start_worker(url, tiny_weights, f"w{i}", slow) for i in (1, 2)}
    try:
        wait_workers(client, 2)
        reqs = burst(4, users=4, chats=2, spread_s=0)
        bot = start_bot(tmp_path, "bot", reqs, url)
        deadline = time.monotonic() + 60
        while not client.hlen("km:running"):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        rid, name = next(iter(client.hgetall("km:running").items()))
        rid, name = rid.decode(), name.decode()
        killed_at = time.time()
        workers[name].send_signal(signal.SIGKILL)
        assert bot.wait(90) == 0, bot.stderr.read().decode()[-2000:]
        got = answers(tmp_path)
        check_exactly_once_in_order(got, reqs)
        killed_job = next(a for a in got if a["rid"] == rid.split(":", 1)[1])
        assert killed_job["at"] - killed_at < 30
        assert int(client.get("km:stats:retried") or 0) >= 1
    finally:
        stop(*workers.values())


def test_redis_away_for_five_seconds_during_a_burst(redis_server, tiny_weights, tmp_path):  # noqa: F811
    url = redis_server.url
    client = redis.Redis(unix_socket_path=str(redis_server.sock))
    workers = [start_worker(url, tiny_weights, f"w{i}", {"KM_JOB_DELAY_S": "0.2"}) for i in (1, 2)]
    try:
        wait_workers(client, 2)
        reqs = burst(30, spread_s=3.0)
        bot = start_bot(tmp_path, "bot", reqs, url, {"KM_RESEND_S": "15"})
        deadline = time.monotonic() + 60
        while len(answers(tmp_path)) < 5:
            assert time.monotonic() < deadline and bot.poll() is None
            time.sleep(0.05)
        redis_server.stop()
        time.sleep(5)
        redis_server.start()
        assert bot.wait(120) == 0, bot.stderr.read().decode()[-2000:]
        check_exactly_once_in_order(answers(tmp_path), reqs)
    finally:
        stop(*workers)
