"""Request journal benchmark: what writing a request down (and marking it done) adds to a request.

Issue 15's target: the journal adds at most 2 ms to a request's p50. Each "request" here is one
Telegram album photo update (its real JSON, file ids and caption) handled by a stand-in handler
that takes a fixed ~5 ms (awaited, like real work waiting on the engine); it runs through
`RequestJournal.process` (accept: one INSERT and commit on the database thread; done: one UPDATE
and commit) or straight to the handler, alternating, in the same run, on a real SQLite file
(WAL) in a temporary folder. Printed: p50/p95 with and without, and the difference.

`python -m benchmarks.bench_journal` (500 requests each way); `--quick` for CI (60 each way).
Exit code 1 when the p50 difference is over the target.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from telegram import Update
from tqdm import tqdm

from bot.common.storage import open_storage
from bot.telegram.journal import RequestJournal

TARGET_MS = 2.0
WORK_S = 0.005


def update_dict(i: int) -> dict:
    """A caption-carrying album photo, as Telegram delivers it (only references: no photo bytes)."""
    return {"update_id": 10_000 + i, "message": {
        "message_id": 50 + i, "date": 1_700_000_000, "media_group_id": None,
        "chat": {"id": -1001234567890, "type": "supergroup", "title": "Cat lovers"},
        "from": {"id": 42, "is_bot": False, "first_name": "Ana", "language_code": "es"},
        "caption": "/mix 16 grid", "caption_entities": [{"type": "bot_command", "offset": 0, "length": 4}],
        "photo": [{"file_id": f"AgACAgQAAxkBAAI{i:08d}" + "x" * 40, "file_unique_id": f"AQAD{i}", "width": w,
                   "height": w, "file_size": w * 100} for w in (90, 320, 800, 1280)]}}


async def run(n: int, db_path: Path) -> tuple[list[float], list[float]]:
    storage = await open_storage(db_path)
    journal = RequestJournal(SimpleNamespace(job_queue=None), storage.journal, max_age_s=600, grace_s=6)

    async def handler(update: Update) -> None:
        await asyncio.sleep(WORK_S)

    with_j: list[float] = []
    without: list[float] = []
    try:
        for i in tqdm(range(2 * n), desc="requests", unit="req", leave=False):
            update = Update.de_json(update_dict(i), None)
            start = time.perf_counter()
            if i % 2:
                await journal.process(update, handler)
                with_j.append((time.perf_counter() - start) * 1000)
            else:
                await handler(update)
                without.append((time.perf_counter() - start) * 1000)
        left_open = len(await storage.journal.unfinished("telegram"))
        assert left_open == 0, f"{left_open} requests left open"
    finally:
        await storage.close()
    return with_j, without


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="CI-sized run (60 requests each way)")
    ap.add_argument("-n", type=int, default=None, help="requests each way (default 500, quick 60)")
    a = ap.parse_args(argv)
    n = a.n or (60 if a.quick else 500)
    with tempfile.TemporaryDirectory() as tmp:
        with_j, without = asyncio.run(run(n, Path(tmp) / "bench.db"))
    p50_with, p50_without = statistics.median(with_j), statistics.median(without)
    print(f"requests: {n} with the journal, {n} without, alternating; handler {WORK_S * 1000:.0f} ms; "
          "SQLite WAL on a temporary file")
    print(f"without journal: p50 {p50_without:.2f} ms  p95 {p(without, 95):.2f} ms")
    print(f"with journal:    p50 {p50_with:.2f} ms  p95 {p(with_j, 95):.2f} ms")
    added = p50_with - p50_without
    ok = added <= TARGET_MS
    print(f"journal adds {added:.2f} ms at p50 (target <= {TARGET_MS:.0f} ms): {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
