"""Fair turns across bot processes at the workers (issue 24), with real processes: one redis-server,
two bot-side processes (bot/common/scale_driver.py), two `kitten-mixer worker` processes on the tiny model.

Each bot process keeps a few jobs in flight (its scheduler's `running`). When the workers took
jobs in stream order, a process serving one busy chat with 8 jobs in flight was served 8 times
for each job of a process that started later: a chat that had just entered the shared line
waited behind the other process's whole backlog (found as "chat 11's first answer came 21st of
50, fair turns say about 8th"). The workers now take the job whose turn it is in the job line
(round-robin across chats, then users), so a chat that has not been served comes next at the
workers, whichever process sent it.
"""

from __future__ import annotations

import time

import redis
from redis_server import redis_server  # noqa: F401  (the fixture)
from test_scale_out import answers, check_exactly_once_in_order, start_bot, start_worker, stop, wait_workers

# Answers of other chats between a chat's first request entering the line and its first answer.
# Fair turns: chat 10's first job waits for the two jobs the workers are running when it is sent;
# chat 11's first waits for a slot of its bot (its four slots hold chat 10's first jobs), so for
# chat 10's first answer or two and the two jobs then running, then it comes next (as in one
# process with the in-memory line: four running, two engine threads). Each has 2 more for the
# time a bot that has just started takes to send its first jobs on a loaded machine. In stream
# order, each waits behind the busy bot's 8 jobs in flight: 8, and 13 or more, measured.
MOST_OTHERS_BEFORE_FIRST = {10: 5, 11: 8}
# Then the three chats take turns: between two answers of chat 10 (or 11), one of each other chat,
# 2 more for jobs already in flight. In stream order: the busy bot's 8 between each pair of chat
# 10/11 answers.
MOST_OTHERS_BETWEEN = 4


def requests(chat: int, users: list[int], per_user: int, tag: str) -> list[dict]:
    """`per_user` requests from each user, the users taking turns (as a chat's burst arrives)."""
    return [{"rid": f"{tag}{k}-{u}", "user": u, "chat": chat, "seq": k + 1, "n": 2, "seed": k * 100 + u}
            for k in range(per_user) for u in users]


def others_before_first(got: list[dict], chat: int) -> int:
    """Answers of other chats sent after `chat`'s first request entered the line and before its first answer."""
    entered = min(a["entered_at"] for a in got if a["chat"] == chat)
    first = min(a["at"] for a in got if a["chat"] == chat)
    return sum(1 for a in got if a["chat"] != chat and entered < a["at"] < first)


def test_a_chat_that_enters_late_gets_its_turn_at_the_workers_before_another_process_backlog(
        redis_server, tiny_weights, tmp_path):  # noqa: F811
    url = redis_server.url
    client = redis.Redis(unix_socket_path=str(redis_server.sock))
    # Jobs long enough that the order the workers take them in is the line's, not a race of submissions.
    workers = [start_worker(url, tiny_weights, f"w{i}", {"KM_JOB_DELAY_S": "0.15"}) for i in (1, 2)]
    bots = []
    try:
        wait_workers(client, 2)
        # Bot B serves one busy chat (12: 8 users, 12 requests each) with 8 jobs in flight: it is
        # still busy when bot A has started (a few seconds) and sent its requests.
        busy = requests(12, list(range(108, 116)), 12, "b")
        bots.append(start_bot(tmp_path, "bot-b", busy, url, running=8))
        deadline = time.monotonic() + 60
        while len(answers(tmp_path)) < 3:  # B is at full speed: its backlog waits for the workers
            assert time.monotonic() < deadline and bots[0].poll() is None, "bot B did not start"
            time.sleep(0.02)
        # Bot A then gets chat 10's burst (4 users), then chat 11's (4 users): its four slots hold
        # chat 10's first jobs when chat 11 enters the line.
        late = requests(10, [100, 101, 102, 103], 2, "a") + requests(11, [104, 105, 106, 107], 2, "a")
        bots.append(start_bot(tmp_path, "bot-a", late, url))
        for p in bots:
            assert p.wait(120) == 0, p.stderr.read().decode()[-2000:]
        got = sorted(answers(tmp_path), key=lambda a: a["at"])
        check_exactly_once_in_order(got, busy + late)
        order = "".join(str(a["chat"] - 10) for a in got)
        for chat, most in MOST_OTHERS_BEFORE_FIRST.items():
            assert others_before_first(got, chat) <= most, (chat, others_before_first(got, chat), order)
            at = [i for i, a in enumerate(got) if a["chat"] == chat]
            gaps = [j - i - 1 for i, j in zip(at, at[1:])]
            assert max(gaps) <= MOST_OTHERS_BETWEEN, (chat, gaps, order)
        # The busy chat still had a backlog when chats 10 and 11 got their first answers.
        assert "2" in order[order.index("1"):], order
        assert client.get("km:jl:n") in (None, b"0")  # the job line is empty again
    finally:
        stop(*bots, *workers)
