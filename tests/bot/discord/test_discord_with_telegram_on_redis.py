"""Issue 24 with the real bots: the Telegram bot and the Discord bot as two processes (the CLI's
`bot telegram` and `bot discord`, against the fake Bot API and the fake Discord), one real
redis-server, two `kitten-mixer worker` processes. Both bots put their requests in the one fair
line in Redis; the workers make the pictures.

A burst of 50 /random requests from 12 users in 3 chats (two Telegram groups, one Discord channel),
sent at once: every request is answered exactly once, each user's answers come in the order they
asked, and no chat waits behind another's burst.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import redis
from redis_server import redis_server  # noqa: F401  (the fixture)
from test_discord_process import DiscordProcess

TELEGRAM_TESTS = Path(__file__).resolve().parents[1] / "telegram"
if str(TELEGRAM_TESTS) not in sys.path:  # the fake Bot API and the Telegram process live beside their tests
    sys.path.insert(0, str(TELEGRAM_TESTS))

from test_telegram_process import BotProcess  # noqa: E402
from test_telegram_redis import start_worker, stop_workers, wait_until  # noqa: E402
from tg_fake_api import FakeBotApi, group_chat, user  # noqa: E402

from bot.common.remote_jobs import status  # noqa: E402

TG_CHATS = (-1001, -1002)
DISCORD_CHAT = "discord"
MAX_OTHERS_BETWEEN = 10  # fair turns give 2 (three chats); requests started at once and two workers add slack
LINE = {"QUEUE_PER_USER": "10", "QUEUE_NOTICE_S": "60", "RATE_REFILL_S": "0"}  # the burst fits; no place notices


@pytest.fixture
async def tg_api():
    api = FakeBotApi()
    await api.start()
    yield api
    await api.close()


def burst(n: int = 50, users: int = 12) -> list[dict]:
    """Users 0-3 in the first Telegram group, 4-7 in the second, 8-11 on Discord; seeds number them."""
    reqs, seq = [], Counter()
    for i in range(n):
        who = i % users
        seq[who] += 1
        chat = TG_CHATS[0] if who < 4 else TG_CHATS[1] if who < 8 else DISCORD_CHAT
        reqs.append({"user": 500 + who, "chat": chat, "seq": seq[who], "seed": 1000 + i})
    return reqs


async def test_a_burst_from_telegram_and_discord_shares_one_line_and_two_workers(
        tg_api, fake, tiny_weights, tmp_path, redis_server):  # noqa: F811
    client = redis.Redis(unix_socket_path=str(redis_server.sock))
    (tmp_path / "tg").mkdir()
    (tmp_path / "dc").mkdir()
    workers = [start_worker(redis_server.url, tiny_weights, tmp_path / f"w{i}.log", f"w{i}") for i in (1, 2)]
    telegram = BotProcess(tg_api, tiny_weights, tmp_path / "tg", REDIS_URL=redis_server.url, **LINE)
    discord_bot = DiscordProcess(fake, tiny_weights, tmp_path / "dc")
    discord_bot.env.update(REDIS_URL=redis_server.url, **LINE)
    try:
        await wait_until(lambda: client.exists("km:worker:w1") and client.exists("km:worker:w2"), 60, "no workers")
        await telegram.start()
        await discord_bot.start()
        assert len(client.keys("km:line:alive:*")) == 2  # both bots took their place in the shared line

        reqs = burst()
        asked: dict[object, dict] = {}  # Telegram message id or Discord interaction id -> request
        for r in reqs:
            if r["chat"] == DISCORD_CHAT:
                iid = await fake.inject(fake.slash("random", {"count": 2, "seed": r["seed"]}, user_id=r["user"]))
                asked[("dc", iid)] = r
            else:
                m = tg_api.message(user(r["user"], f"u{r['user']}"), group_chat(r["chat"]),
                                   text=f"/random 2 {r['seed']}")
                asked[("tg", m["message_id"])] = r

        def answers() -> list[tuple[float, tuple]]:
            tg = [(c.at, ("tg", c.reply_to)) for c in tg_api.sent("sendPhoto")]
            dc = [(f.at, ("dc", int(f.token.removeprefix("token-")))) for f in fake.followups if f.files]
            return tg + dc

        await tg_api.wait_for(lambda: len(answers()) >= len(reqs), timeout=240)
        await asyncio.sleep(2.0)  # a second answer to anything would have come by now
        got = sorted(answers())
        assert Counter(key for _, key in got) == Counter(list(asked)), "each request answered exactly once"
        by_user = defaultdict(list)
        for _, key in got:
            by_user[asked[key]["user"]].append(asked[key]["seq"])
        assert all(s == sorted(s) for s in by_user.values()), by_user
        order = [asked[key]["chat"] for _, key in got]
        for chat in (*TG_CHATS, DISCORD_CHAT):
            at = [i for i, c in enumerate(order) if c == chat]
            assert max(j - i - 1 for i, j in zip(at, at[1:])) <= MAX_OTHERS_BETWEEN, (chat, order)
        assert not [c for c in tg_api.sent("sendMessage") if "line" in (c.text or "").lower()
                    and c.params.get("reply_markup")], "nobody was turned away"
        served = int(client.get("km:worker:w1") or 0) + int(client.get("km:worker:w2") or 0)
        assert served >= len(reqs)
        # `kitten-mixer status` reads every bot's times in line from Redis (sent with the line's heartbeat)
        await wait_until(lambda: client.llen("km:stats:wait_ms") >= len(reqs), 10, "times in line not in Redis")
        s = await status(redis_server.url)
        assert s["time_in_line_ms"]["samples"] == len(reqs) and s["time_in_line_ms"]["p95"] is not None
        assert s["line_length"] == 0 and s["jobs_waiting_for_worker"] == 0 and s["workers_alive"] == 2
        assert "mixes run on kitten-mixer workers" in telegram.log() and "mixes run on kitten-mixer workers" in \
            discord_bot.log()
    finally:
        telegram.stop()
        discord_bot.stop()
        stop_workers(*workers)
