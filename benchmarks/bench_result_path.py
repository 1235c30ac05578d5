"""Result-path benchmark (issue 24, "Results"): who uploads a finished GIF/PNG to the platform?

Path A (shipped, bot/common/remote_jobs.py): the worker pickles the Reply (`_portable`: latents as
numpy, no drawn cats) and writes it into Redis with the module's own finish write (`finish_writer`:
SET NX with the 120 s TTL + RPUSH of the wake-up); the bot's BLPOP wakes with the bytes, unpickles
them (`_restored`) and uploads the file with python-telegram-bot's `send_animation` / `send_photo`.
Path B (not built): the worker uploads the file itself with the same python-telegram-bot call and
writes only a marker through the same finish write: the message id and the sent file's id (the bot's
inline "recent results" need it). Path B+: the same, and the marker also carries the Reply without
its file, which today's bot still uses after sending: the cats (latents, and for a /mix the users'
face crops: most of its size) for the result buttons' MixState, the reports for the caption and log.
B is the bare marker; B+ is what B costs if the caption and the buttons' state stay in the bot.

Real components: a redis-server of its own on a Unix socket in a temp dir; the local fake Telegram
Bot API from the tests (tests/bot/telegram/tg_fake_api.py: real HTTP on 127.0.0.1, real multipart
uploads), run in this (the orchestrating) process as "the platform"; python-telegram-bot's ExtBot
with the shipped PatientRateLimiter on the sending side (the bot in A, the worker in B); real
results made up front by the shipped engine (default weights): /mix GIFs of two photos from
../shared/data/photos and /random 2 PNGs. The worker and the bot are two OS processes, so each
one's CPU time is its own (time.process_time, all threads).

One result at a time; each result is sent all three ways in turn, the order rotating (background
load on a shared machine hits every path alike). Each round the bot tells the worker "go" (a Redis
list, outside the timed span) and blocks in BLPOP; the worker sleeps GAP_S, stamps "result ready"
(time.monotonic: CLOCK_MONOTONIC, one clock for all processes of the machine), then does its side.
Printed per path and kind, p50/p95:
- ready -> on the platform: to the moment the fake server has read the whole upload (its Call.at);
- ready -> the bot knows it is sent: A, the bot's send_animation returned; B, the marker unpickled;
- CPU ms per result in the bot process and in the worker process (mean over the measured rounds);
- bytes through Redis per result (the finish write's blob: written once, read once by BLPOP) and
  what Redis still holds once the bot has read it (MEMORY USAGE of the result key: the bot deletes a read
  outcome, as RemoteEngine.run does, so 0; before that change a GIF's ~990 KB stayed for the 120 s TTL);
then paths B and B+ against path A as the baseline. Not counted: redis-server's own CPU, and the
fake platform's (this process).

`nice -n 5 .venv/bin/python -m benchmarks.bench_result_path [--mixes 20] [--randoms 20]` (needs
redis-server and the shared photos; about 1 minute here).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = ROOT.parent / "shared" / "data" / "photos"
sys.path.insert(0, str(ROOT / "tests" / "bot" / "telegram"))

CHAT_ID = 4242  # a private chat: no group flood limit in the rate limiter
REQUEST_MESSAGE_ID = 7  # the user's /mix the result quotes (the fake accepts any)
CAPTION = "Here is your mix! 🐱"
GAP_S = 0.01  # the worker waits this long after "go": the bot is blocked in BLPOP when the result is ready
SOCKET_TIMEOUT_S = 180.0  # above every BLPOP's own timeout (redis-py's default socket timeout is shorter)
WARMUP = 2  # rounds per path and kind before the measured ones (connections opened, first-call costs)
PATHS = ("A", "B", "B+")
KINDS = ("gif", "png")


# ---- the schedule both processes follow ----------------------------------------------------------------
def schedule(n_gif: int, n_png: int) -> list[dict[str, Any]]:
    """Every round: one result (`index` into the results file), one path, measured or warm-up.
    Each result is sent every way in turn, the order rotating, so drift hits all paths alike."""
    rounds: list[dict[str, Any]] = []
    counts = {"gif": n_gif, "png": n_png}
    offset = {"gif": 0, "png": n_gif}  # the results file holds the GIFs first, then the PNGs
    for kind in KINDS:
        for i in range(min(WARMUP, counts[kind])):
            for path in PATHS:
                rounds.append({"kind": kind, "index": offset[kind] + i, "path": path, "measured": False})
    for i in range(max(counts.values())):
        for kind in KINDS:
            if i >= counts[kind]:
                continue
            k = (i + (kind == "png")) % len(PATHS)
            order = PATHS[k:] + PATHS[:k]
            for path in order:
                rounds.append({"kind": kind, "index": offset[kind] + i, "path": path, "measured": True})
    for n, r in enumerate(rounds):
        r["tag"] = f"r{n}-{r['path']}-{r['kind']}{r['index']}"
    return rounds


def make_bot(token: str, base_url: str) -> Any:
    """The sending side as the shipped bot has it: ExtBot behind the PatientRateLimiter."""
    from telegram.ext import ExtBot

    from bot.telegram.sending import PatientRateLimiter

    return ExtBot(token, base_url=base_url, rate_limiter=PatientRateLimiter())


async def upload(bot: Any, reply: Any) -> Any:
    """The shipped send_result's call: the file quoting the request, caption and a result button."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters

    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="mx:bench:again"),
                                    InlineKeyboardButton("Adopt", callback_data="mx:bench:adopt")]])
    quote = ReplyParameters(REQUEST_MESSAGE_ID, allow_sending_without_reply=True)
    if reply.mime == "image/gif":
        return await bot.send_animation(CHAT_ID, reply.data, filename=reply.filename, caption=CAPTION,
                                        reply_markup=markup, reply_parameters=quote)
    return await bot.send_photo(CHAT_ID, reply.data, filename=reply.filename, caption=CAPTION,
                                reply_markup=markup, reply_parameters=quote)


def finish_writer(r: Any) -> Any:
    """The worker's real outcome write from bot/common/remote_jobs.py, as `await write(rid, blob, job_ms)`:
    a MULTI of `_finish` (SET NX with the TTL + RPUSH of the wake-up)."""
    import bot.common.remote_jobs as rj

    async def by_multi(rid: str, blob: bytes, job_ms: float) -> None:
        pipe = r.pipeline(transaction=True)
        rj._finish(pipe, rid, blob, job_ms)
        assert (await pipe.execute())[0], f"{rid}: an outcome was there already"

    return by_multi


# ---- the worker process -----------------------------------------------------------------------------
async def worker_main(a: argparse.Namespace) -> None:
    import redis.asyncio as aioredis

    from bot.common.remote_jobs import _portable

    replies = pickle.loads(Path(a.results).read_bytes())
    r = aioredis.from_url(a.redis_url, socket_timeout=SOCKET_TIMEOUT_S)
    finish = finish_writer(r)
    bot = make_bot(a.token, a.base_url)
    await bot.initialize()
    await r.rpush("bench:ready", "1")
    records = []
    for rnd in schedule(a.n_gif, a.n_png):
        got = await r.blpop(["bench:go"], timeout=60)
        assert got and got[1].decode() == rnd["tag"], f"worker: out of step at {rnd['tag']}: {got}"
        await asyncio.sleep(GAP_S)
        reply = replies[rnd["index"]]
        rid = f"bench:{rnd['tag']}"
        job_ms = round(reply.timings.get("total", 0.0) * 1000, 1)
        ready, cpu0 = time.monotonic(), time.process_time()
        if rnd["path"] == "A":  # remote_jobs.Worker.run_job's last steps
            message_id = None
            blob = pickle.dumps(("ok", _portable(reply)), protocol=pickle.HIGHEST_PROTOCOL)
        else:
            sent = await upload(bot, reply)
            message_id = sent.message_id
            file_id = sent.animation.file_id if sent.animation else sent.photo[-1].file_id
            marker: dict[str, Any] = {"message_id": message_id, "file_id": file_id}
            if rnd["path"] == "B+":  # what today's bot keeps after sending: all of the Reply but its file
                marker["reply"] = dataclasses.replace(_portable(reply), data=b"")
            blob = pickle.dumps(("sent", marker), protocol=pickle.HIGHEST_PROTOCOL)
        await finish(rid, blob, job_ms)
        cpu = time.process_time() - cpu0
        records.append({"tag": rnd["tag"], "ready": ready, "worker_cpu": cpu, "blob": len(blob),
                        "message_id": message_id, "rid": rid, "file": len(reply.data)})
    Path(a.out).write_text(json.dumps(records))
    await bot.shutdown()
    await r.aclose()


# ---- the bot process --------------------------------------------------------------------------------
async def bot_main(a: argparse.Namespace) -> None:
    import redis.asyncio as aioredis

    from bot.common.remote_jobs import _restored, keys

    r = aioredis.from_url(a.redis_url, socket_timeout=SOCKET_TIMEOUT_S)
    bot = make_bot(a.token, a.base_url)
    await bot.initialize()
    assert await r.blpop(["bench:ready"], timeout=120), "the worker did not start"
    rounds = schedule(a.n_gif, a.n_png)
    records = []
    for n, rnd in enumerate(rounds, 1):
        done_key = keys(f"bench:{rnd['tag']}")[2]
        await r.lpush("bench:go", rnd["tag"])
        cpu0 = time.process_time()
        got = await r.blpop([done_key], timeout=60)  # RemoteEngine.run's wait: the wake-up carries the outcome
        assert got, f"bot: no outcome for {rnd['tag']}"
        await r.unlink(*keys(f"bench:{rnd['tag']}")[1:])  # read: RemoteEngine.run deletes the outcome's copies
        status, value = pickle.loads(got[1])
        if status == "ok":  # path A: the bot has the bytes and uploads them
            reply = _restored(value)
            sent = await upload(bot, reply)
            message_id = sent.message_id
        else:  # path B: the worker has sent it; the bot keeps what it needs for buttons and inline
            assert status == "sent"
            if "reply" in value:
                _restored(value["reply"])
            message_id = value["message_id"]
        known = time.monotonic()
        records.append({"tag": rnd["tag"], "known": known, "bot_cpu": time.process_time() - cpu0,
                        "message_id": message_id})
        if n % 20 == 0 or n == len(rounds):
            print(f"  {n}/{len(rounds)} rounds", flush=True)
    Path(a.out).write_text(json.dumps(records))
    await bot.shutdown()
    await r.aclose()


# ---- the orchestrating process: results, Redis, the platform, the figures --------------------------------
def make_results(n_mix: int, n_random: int) -> list[Any]:
    """Real /mix GIFs (two photos each, default options) and /random 2 PNGs from the shipped engine."""
    import cv2
    import torch

    from vae_core.engine import Engine, EngineSettings, MixOptions
    from vae_core.errors import KittenError

    torch.set_num_threads(1)  # as an engine worker thread has it (the calls below run in this thread)
    cv2.setNumThreads(1)
    photos = sorted(PHOTOS.glob("*.jpg"))
    if len(photos) < 2:
        raise SystemExit(f"needs the shared photos in {PHOTOS}")
    engine = Engine(settings=EngineSettings(workers=1, middle_without_face=True, mix_dogs=True))
    out: list[Any] = []
    pairs = [(photos[i % len(photos)], photos[(i + 1) % len(photos)]) for i in range(0, 4 * len(photos), 2)]
    for p, q in pairs:
        if len(out) == n_mix:
            break
        try:
            out.append(engine.mix_sync([p.read_bytes(), q.read_bytes()], MixOptions()))
        except KittenError as e:
            print(f"  (skipped {p.name} + {q.name}: {type(e).__name__})")
    for i in range(n_random):
        out.append(engine.random_sync(2, i))
    engine.close()
    assert all(x.mime == "image/gif" for x in out[:n_mix]) and all(x.mime == "image/png" for x in out[n_mix:])
    return out


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


async def orchestrate(a: argparse.Namespace) -> None:
    from tg_fake_api import TOKEN, FakeBotApi

    from bot.common.remote_jobs import keys

    tmp = Path(tempfile.mkdtemp(prefix="km-bench-result-"))
    t_start = time.monotonic()
    print(f"making {a.mixes} /mix GIFs and {a.randoms} /random 2 PNGs with the shipped engine ...", flush=True)
    results = make_results(a.mixes, a.randoms)
    (tmp / "results.pkl").write_bytes(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
    n_gif, n_png = a.mixes, a.randoms
    sock = tmp / "redis.sock"
    server = subprocess.Popen([shutil.which("redis-server") or "/usr/bin/redis-server", "--port", "0",
                               "--unixsocket", str(sock), "--save", "", "--appendonly", "no", "--dir", str(tmp)],
                              stdout=subprocess.DEVNULL)
    api = FakeBotApi()
    await api.start()
    procs: list[asyncio.subprocess.Process] = []
    try:
        while not sock.exists():
            await asyncio.sleep(0.05)
        url = f"unix://{sock}"
        common = ["--redis-url", url, "--token", TOKEN, "--base-url", api.base_url, "--results",
                  str(tmp / "results.pkl"), "--n-gif", str(n_gif), "--n-png", str(n_png)]
        env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
        print(f"{len(schedule(n_gif, n_png))} rounds ({WARMUP} warm-up per path and kind), "
              "worker and bot processes starting ...", flush=True)
        for role in ("worker", "bot"):
            procs.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "benchmarks.bench_result_path", "--role", role, "--out",
                str(tmp / f"{role}.json"), *common, cwd=ROOT, env=env))
        rcs = await asyncio.gather(*(p.wait() for p in procs))
        if any(rcs):
            raise SystemExit(f"worker/bot exited with {rcs}")
        worker = {x["tag"]: x for x in json.loads((tmp / "worker.json").read_text())}
        bot = {x["tag"]: x for x in json.loads((tmp / "bot.json").read_text())}
        on_platform = {c.result["message_id"]: c.at for c in api.sent("sendAnimation", "sendPhoto")}
        import redis

        client = redis.Redis(unix_socket_path=str(sock))
        rows: dict[tuple[str, str], dict[str, list[float]]] = {}
        for rnd in schedule(n_gif, n_png):
            if not rnd["measured"]:
                continue
            w, b = worker[rnd["tag"]], bot[rnd["tag"]]
            assert b["message_id"] is not None and (w["message_id"] in (None, b["message_id"]))
            row = rows.setdefault((rnd["path"], rnd["kind"]), {k: [] for k in (
                "platform", "known", "bot_cpu", "worker_cpu", "blob", "held", "file")})
            row["platform"].append((on_platform[b["message_id"]] - w["ready"]) * 1000)
            row["known"].append((b["known"] - w["ready"]) * 1000)
            row["bot_cpu"].append(b["bot_cpu"] * 1000)
            row["worker_cpu"].append(w["worker_cpu"] * 1000)
            row["blob"].append(w["blob"])
            row["held"].append(client.memory_usage(keys(w["rid"])[1]) or 0)
            row["file"].append(w["file"])
        sent = len(api.sent("sendAnimation", "sendPhoto"))
        assert sent == len(schedule(n_gif, n_png)), f"{sent} uploads on the platform"
        report(rows, n_gif, n_png, time.monotonic() - t_start)
    finally:
        for p in procs:
            if p.returncode is None:
                p.kill()
        await api.close()
        server.terminate()
        server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def report(rows: dict[tuple[str, str], dict[str, list[float]]], n_gif: int, n_png: int, took_s: float) -> None:

    gif, png = rows[("A", "gif")]["file"], rows[("A", "png")]["file"]
    print(f"\nresults: {n_gif} /mix GIFs ({pct(gif, .5) / 1024:.0f} KB p50, {max(gif) / 1024:.0f} KB max), "
          f"{n_png} /random 2 PNGs ({pct(png, .5) / 1024:.0f} KB p50); one at a time, paths interleaved; "
          f"{os.cpu_count()} cores (shared); {took_s:.0f} s from the first result made")
    print("A: the worker writes the Reply into Redis (MULTI _finish), the bot uploads it (shipped); B: the worker "
          "uploads, the message and file ids come back the same way; B+: and the Reply without its file")
    print(f"{'':7}{'ready->platform ms':>20}{'ready->bot knows ms':>21}{'CPU ms/result':>24}"
          f"{'Redis bytes/result':>20}{'kept after read':>16}")
    print(f"{'':7}{'p50':>10}{'p95':>10}{'p50':>10}{'p95':>11}{'bot':>8}{'worker':>8}{'sum':>8}"
          f"{'':>20}{'':>12}")
    for kind in KINDS:
        for path in PATHS:
            r = rows[(path, kind)]
            print(f"{path + ' ' + kind:7}{pct(r['platform'], .5):10.2f}{pct(r['platform'], .95):10.2f}"
                  f"{pct(r['known'], .5):10.2f}{pct(r['known'], .95):11.2f}{mean(r['bot_cpu']):8.2f}"
                  f"{mean(r['worker_cpu']):8.2f}{mean(r['bot_cpu']) + mean(r['worker_cpu']):8.2f}"
                  f"{mean(r['blob']):20,.0f}{mean(r['held']):16,.0f}")
    for other in PATHS[1:]:
        print(f"path {other} against path A (baseline):")
        for kind in KINDS:
            a, b = rows[("A", kind)], rows[(other, kind)]
            both = mean(b["bot_cpu"]) + mean(b["worker_cpu"]) - mean(a["bot_cpu"]) - mean(a["worker_cpu"])
            print(f"  {kind}: to the platform p50 {delta(a, b, 'platform', .5)}, p95 {delta(a, b, 'platform', .95)}; "
                  f"bot knows p50 {delta(a, b, 'known', .5)}, p95 {delta(a, b, 'known', .95)}; "
                  f"CPU per result: bot {delta(a, b, 'bot_cpu')}, worker {delta(a, b, 'worker_cpu')}, "
                  f"both {both:+.2f} ms; Redis bytes {mean(a['blob']):,.0f} -> {mean(b['blob']):,.0f}")


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def delta(a: dict[str, list[float]], b: dict[str, list[float]], key: str, q: float | None = None) -> str:
    """B's figure against A's: the percentile `q`, or the mean when q is None."""
    va, vb = (mean(a[key]), mean(b[key])) if q is None else (pct(a[key], q), pct(b[key], q))
    return f"{vb - va:+.2f} ms ({vb / va - 1:+.0%})" if va else f"{vb - va:+.2f} ms"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mixes", type=int, default=20, help="/mix GIFs to make and send each way")
    p.add_argument("--randoms", type=int, default=20, help="/random 2 PNGs to make and send each way")
    p.add_argument("--role", choices=("worker", "bot"), help=argparse.SUPPRESS)
    for name in ("--out", "--redis-url", "--token", "--base-url", "--results"):
        p.add_argument(name, help=argparse.SUPPRESS)
    p.add_argument("--n-gif", type=int, help=argparse.SUPPRESS)
    p.add_argument("--n-png", type=int, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.role == "worker":
        asyncio.run(worker_main(a))
    elif a.role == "bot":
        asyncio.run(bot_main(a))
    else:
        if a.mixes < 1 or a.randoms < 1:
            p.error("--mixes and --randoms must be at least 1")
        asyncio.run(orchestrate(a))


if __name__ == "__main__":
    main()
