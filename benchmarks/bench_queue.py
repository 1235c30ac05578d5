"""Fair-line benchmark: a burst of /mix albums from one busy group and many private chats.

Issue 12's target: 12 members of one group and 32 private chats each send a /mix album within one
second; every request is served, none lost or refused, each user's in the order sent. Half the
group members also send /random right after their album (so "in order" means something: the
album came first, so its mix must too), 50 requests in all, within the line's default bounds
(20 waiting per chat, 64 overall). It runs the real Telegram bot (python-telegram-bot, the real handlers, the fair line,
the shipped model) against the local fake Bot API from the tests.

Printed: requests served / refused / lost / out of order; p50, p95 and max of the time a request
spent ready but waiting in line, and of the time from the request to its result; and, on the
same arrivals and the same measured job times, what the old limiter (a 5 s per-user cooldown and
at most 2 jobs in flight per chat, 16 in the engine) would have done: how many it refused.

`python -m benchmarks.bench_queue` (12 + 32 users); `--quick` for CI (3 + 4 users). The bot paces
its own calls to a group to Telegram's flood limit (about 20 a minute), as shipped; `--group-rate 0`
turns that off, `--notice-s 1e9` turns the place notices off (to see what they cost). Exit code 1
when anything was refused, lost or served out of order.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bot.common.scheduler import Ticket
from bot.common.settings import Secret, Settings
from bot.common.texts import TEXTS, t
from bot.telegram.app import build_application
from bot.telegram.state import STATE_KEY
from vae_core.checkpoint import load_checkpoint
from vae_core.engine import DEFAULT_WEIGHTS, Engine, MixOptions
from vae_core.errors import FaceNotFound
from vae_core.samples import sample_photos

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "bot" / "telegram"))
from tg_fake_api import TOKEN, FakeBotApi, group_chat, private_chat, user  # noqa: E402

PHOTOS = ROOT.parent / "shared" / "data" / "photos"
OLD_COOLDOWN_S, OLD_CHAT_MAX_JOBS, OLD_ENGINE_MAX_PENDING = 5.0, 2, 16


@dataclasses.dataclass
class Request:
    user_id: int
    chat_id: int
    kind: str  # "mix" | "random"
    message_id: int
    sent_at: float
    answered_at: float | None = None
    method: str | None = None
    run_s: float | None = None  # started -> finished, from the line's own records
    in_line_s: float | None = None


class StampedCalls(list):
    """The fake's call log, with the moment each call arrived."""

    def append(self, call) -> None:
        call.at = time.monotonic()
        super().append(call)


def photo_files(n: int, engine: Engine) -> list[bytes]:
    """Real cat photos where the finder sees a face (others get a "where's the face?" question,
    a different flow), or, when the shared photos are missing, cats drawn by the model itself
    (the finder sees those too; blank or noisy pictures would all get the question)."""
    def usable(data: bytes) -> bool:
        try:
            engine.mix_sync([data, data], MixOptions(frames=2, format="grid"))
        except FaceNotFound:
            return False
        return True

    found = [d for f in (sorted(PHOTOS.glob("*.jpg")) if PHOTOS.is_dir() else []) if usable(d := f.read_bytes())]
    seed = 0
    while len(found) < 4 and seed < 50:
        found += [d for d in sample_photos(engine, seed) if usable(d)]
        seed += 1
    if len(found) < 2:
        raise RuntimeError("the finder found no face in the sample photos nor in the model's own cats")
    return [found[i % len(found)] for i in range(n)]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))] if xs else float("nan")


def old_limiter_replay(requests: list[Request], album_wait_s: float) -> dict[str, int]:
    """The removed Limiter's decisions on the same arrivals and job times (a discrete-event replay).

    Albums reached it when their wait ended, /random at once; a refused request was gone. Each
    accepted job holds its chat slot and the engine for the time it took in the measured run.
    """
    events = sorted(((r.sent_at + (album_wait_s if r.kind == "mix" else 0.0), r) for r in requests),
                    key=lambda e: e[0])
    last_start: dict[int, float] = {}
    running: list[tuple[float, int]] = []  # (ends at, chat)
    counts = {"served": 0, "cooldown": 0, "chat_busy": 0, "engine_busy": 0}
    for at, r in events:
        running = [(end, chat) for end, chat in running if end > at]
        if r.user_id in last_start and at - last_start[r.user_id] < OLD_COOLDOWN_S:
            counts["cooldown"] += 1
        elif sum(1 for _, chat in running if chat == r.chat_id) >= OLD_CHAT_MAX_JOBS:
            counts["chat_busy"] += 1
        elif len(running) >= OLD_ENGINE_MAX_PENDING:
            counts["engine_busy"] += 1
        else:
            counts["served"] += 1
            last_start[r.user_id] = at
            running.append((at + (r.run_s or 0.5), r.chat_id))
    return counts


async def run(members: int, dms: int, timeout_s: float, group_rate: int, weights: Path,
              album_wait_s: float | None = None, notice_s: float | None = None) -> int:
    api = FakeBotApi()
    api.calls = StampedCalls()
    await api.start()
    shipped = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        settings = dataclasses.replace(
            shipped, telegram_bot_token=Secret(TOKEN), telegram_base_url=api.base_url,
            telegram_base_file_url=api.base_file_url, database_path=Path(tmp) / "bench.db",
            telegram_group_rate=group_rate, album_wait_s=album_wait_s or shipped.album_wait_s,
            queue_notice_s=shipped.queue_notice_s if notice_s is None else notice_s)
        engine = Engine(load_checkpoint(weights), settings.engine_settings())
        app = build_application(settings, engine)
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        line = app.bot_data[STATE_KEY].scheduler
        finished: dict[int, list[tuple[float, float]]] = defaultdict(list)  # user -> (run s, in line s)
        finish = line.finish

        def recording_finish(ticket: Ticket, charged: bool = True) -> None:
            if ticket.started_at is not None:
                finished[ticket.user_id].append((time.monotonic() - ticket.started_at, ticket.in_line_s))
            finish(ticket, charged)

        line.finish = recording_finish  # type: ignore[method-assign]
        try:
            return await _burst(api, app, settings, members, dms, timeout_s, finished)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            engine.close()
            await api.close()


async def _burst(api: FakeBotApi, app, settings: Settings, members: int, dms: int, timeout_s: float,
                 finished: dict[int, list[tuple[float, float]]]) -> int:
    group = group_chat(-100_424_242)
    people = [(user(1000 + i, f"G{i}", "es" if i % 3 == 0 else "en"), group) for i in range(members)]
    people += [(user(2000 + i, f"P{i}"), private_chat(2000 + i)) for i in range(dms)]
    pictures = photo_files(2 * len(people), app.bot_data[STATE_KEY].engine)
    rng = np.random.default_rng(12)
    starts = sorted(rng.uniform(0, 0.8, len(people)))  # everyone within one second
    requests: list[Request] = []
    t0 = time.monotonic()

    async def send(i: int, who: dict, chat: dict, start: float) -> None:
        await asyncio.sleep(start)
        cmd = api.message(who, chat, photo=pictures[2 * i], caption="/mix", media_group_id=f"album{i}")
        api.message(who, chat, photo=pictures[2 * i + 1], media_group_id=f"album{i}")
        requests.append(Request(who["id"], chat["id"], "mix", cmd["message_id"], time.monotonic()))
        if chat["id"] > 0 or i % 2:  # half the group adds a /random (within the chat's 20 places)
            return
        await asyncio.sleep(0.15)
        rnd = api.message(who, chat, text="/random 4")
        requests.append(Request(who["id"], chat["id"], "random", rnd["message_id"], time.monotonic()))

    await asyncio.gather(*(send(i, who, chat, start) for i, ((who, chat), start)
                           in enumerate(zip(people, starts, strict=True))))
    requests.sort(key=lambda r: r.sent_at)
    print(f"{len(requests)} requests from {members} group members and {dms} private chats "
          f"sent in {time.monotonic() - t0:.2f} s")

    by_id = {r.message_id: r for r in requests}
    full_texts = {t(k, lang, count=n) for lang in TEXTS for n in range(200)
                  for k in ("line_full_user", "line_full_chat", "line_full_total")}
    with tqdm(total=len(requests), desc="results", unit="req") as bar:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for call in api.sent("sendPhoto", "sendAnimation"):
                r = by_id.get(call.reply_to or -1)
                if r is not None and r.answered_at is None:
                    r.answered_at, r.method = call.at, call.method
                    bar.update()
            turned_away = {c.reply_to for c in api.sent("sendMessage") if c.text in full_texts}
            if all(r.answered_at is not None or r.message_id in turned_away for r in requests):
                break  # nothing more is coming (a refusal waits for a tap that never comes here)
            await asyncio.sleep(0.02)
    await asyncio.sleep(1.0)  # let the last notices be deleted

    refused = [c for c in api.sent("sendMessage") if c.text in full_texts]
    errors = [c for c in api.sent("sendMessage") if c.text in {t("internal_error", lang) for lang in TEXTS}]
    lost = [r for r in requests if r.answered_at is None]
    wrong_kind = [r for r in requests if r.method and r.method != ("sendAnimation" if r.kind == "mix" else "sendPhoto")]
    out_of_order = 0
    for uid in {r.user_id for r in requests}:
        mine = [r for r in requests if r.user_id == uid]
        answered = sorted((r for r in mine if r.answered_at), key=lambda r: r.answered_at)
        if [r.message_id for r in answered] != [r.message_id for r in mine if r.answered_at]:
            out_of_order += 1
        for r, (run_s, in_line) in zip(mine, finished.get(uid, []), strict=False):
            r.run_s, r.in_line_s = run_s, in_line
    starts = tuple(t("queue_place", lang, place=999).split("999")[0] for lang in TEXTS)
    starts += tuple(t("queue_places", lang, places="@@").split("@@")[0] for lang in TEXTS)  # groups' boards
    notices = [c for c in api.sent("sendMessage") if c.text.startswith(starts)]
    deleted = {int(c.params["message_id"]) for c in api.sent("deleteMessage")}
    notices_left = [n for n in notices if n.result["message_id"] not in deleted]

    served = [r for r in requests if r.answered_at is not None]
    e2e = [r.answered_at - r.sent_at for r in served]
    in_line = [r.in_line_s for r in served if r.in_line_s is not None]
    print(f"served {len(served)}/{len(requests)}, refused {len(refused)}, lost {len(lost)}, "
          f"errors {len(errors)}, wrong result kind {len(wrong_kind)}, users served out of order {out_of_order}")
    print(f"place-in-line notices shown {len(notices)}, left behind {len(notices_left)}")
    print(f"time in line (ready -> started): p50 {pct(in_line, .5):.2f} s, p95 {pct(in_line, .95):.2f} s, "
          f"max {max(in_line, default=float('nan')):.2f} s")
    print(f"request -> result (album collection included): p50 {pct(e2e, .5):.2f} s, "
          f"p95 {pct(e2e, .95):.2f} s, max {max(e2e, default=float('nan')):.2f} s")
    group_e2e = [r.answered_at - r.sent_at for r in served if r.chat_id < 0]
    dm_e2e = [r.answered_at - r.sent_at for r in served if r.chat_id > 0]
    print(f"  group members p95 {pct(group_e2e, .95):.2f} s; private chats p95 {pct(dm_e2e, .95):.2f} s")
    runs = [r.run_s for r in served if r.run_s]
    print(f"job time (download, mix, upload): median {statistics.median(runs) if runs else float('nan'):.2f} s")
    old = old_limiter_replay(requests, settings.album_wait_s)
    old_refused = len(requests) - old["served"]
    print(f"old limiter on the same arrivals: served {old['served']}/{len(requests)}, refused {old_refused} "
          f"(cooldown {old['cooldown']}, chat busy {old['chat_busy']}, engine busy {old['engine_busy']})")
    for r in lost:
        said = [c.text.splitlines()[0] for c in api.sent("sendMessage") if c.reply_to == r.message_id]
        print(f"  lost: {r.kind} from {r.user_id} in {r.chat_id}; the bot said {said}")
    for r in wrong_kind:
        call = next(c for c in api.sent("sendPhoto", "sendAnimation") if c.reply_to == r.message_id)
        print(f"  {r.kind} answered by {r.method}: {call.text.splitlines()[0] if call.text else ''!r}")
    ok = not refused and not lost and not errors and not wrong_kind and not out_of_order
    print("PASS: every request served, none refused or lost, each user's in order" if ok else "FAIL")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="CI-sized run (3 group members, 4 private chats)")
    ap.add_argument("--members", type=int, default=None, help="group members (default 12, quick 3)")
    ap.add_argument("--dms", type=int, default=None, help="private chats (default 32, quick 4)")
    ap.add_argument("--group-rate", type=int, default=Settings().telegram_group_rate,
                    help="the bot's own pacing of calls per group per minute (as shipped: Telegram's ~20; 0: off)")
    ap.add_argument("--album-wait", type=float, default=None, help="seconds to collect an album (default: as shipped)")
    ap.add_argument("--notice-s", type=float, default=None,
                    help="wait before a place-in-line notice (default: as shipped; 1e9: none)")
    ap.add_argument("--timeout", type=float, default=None, help="seconds to wait for all results")
    ap.add_argument("--weights", default=str(DEFAULT_WEIGHTS), help="checkpoint to serve")
    a = ap.parse_args(argv)
    members = a.members if a.members is not None else (3 if a.quick else 12)
    dms = a.dms if a.dms is not None else (4 if a.quick else 32)
    timeout = a.timeout or (120.0 if a.quick else 600.0)
    return asyncio.run(run(members, dms, timeout, a.group_rate, Path(a.weights), a.album_wait,
                           a.notice_s))


if __name__ == "__main__":
    sys.exit(main())
