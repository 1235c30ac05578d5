"""The fair line without any chat platform: order, bounds, the token bucket, the retry store.

The line's and the buckets' tests run twice: on the in-memory line, and on the Redis line
(bot/common/redis_line.py) against a real redis-server of the test's own (tests/redis_server.py)."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis_server import redis_server  # noqa: F401  (the fixture)

from bot.common.line import Entry, RoundRobinLine
from bot.common.ratelimit import TokenBuckets
from bot.common.retry import RetryStore
from bot.common.scheduler import Bounds, LineFull, Scheduler
from bot.common.settings import Settings


class Clock:
    def __init__(self, now: float = 100.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def backend(request):
    """Makers of lines and token buckets: in memory, or in a real Redis."""
    if request.param == "memory":
        yield RoundRobinLine, TokenBuckets
        return
    import redis as redis_client

    from bot.common.redis_line import RedisLine, RedisTokenBuckets

    client = redis_client.Redis(unix_socket_path=str(request.getfixturevalue("redis_server").sock))
    lines: list[RedisLine] = []

    def line() -> RedisLine:
        lines.append(RedisLine(client, heartbeat=False))
        return lines[-1]

    yield line, lambda burst, refill_s: RedisTokenBuckets(client, burst, refill_s)
    for made in lines:
        made.close()


@pytest.fixture
def make_line(backend):
    return backend[0]


@pytest.fixture
def buckets(backend):
    return backend[1]


# ---- the line's order --------------------------------------------------------------------------
def test_round_robin_across_chats_then_users_fifo_per_user(make_line):
    line = make_line()
    # A busy group (chat 1: users 10, 11, 12, two requests each) and two private chats.
    ids = iter(range(1, 100))
    for user in (10, 10, 11, 11, 12, 12):
        line.push(Entry(next(ids), user, 1))
    line.push(Entry(next(ids), 20, 2))
    line.push(Entry(next(ids), 30, 3))
    served = []
    while (e := line.pop_next(lambda _: True)) is not None:
        served.append((e.chat_id, e.user_id, e.id))
    # Turns alternate between chats; inside the group, between users; each user's own in order.
    assert served == [(1, 10, 1), (2, 20, 7), (3, 30, 8), (1, 11, 3), (1, 12, 5), (1, 10, 2), (1, 11, 4),
                      (1, 12, 6)]


def test_place_predicts_the_serving_order(make_line):
    line = make_line()
    entries = [Entry(i, user, chat) for i, (user, chat) in enumerate([(10, 1), (10, 1), (11, 1), (20, 2)], 1)]
    for e in entries:
        line.push(e)
    places = {e.id: line.place(e.id) for e in entries}
    served = []
    while (e := line.pop_next(lambda _: True)) is not None:
        served.append(e.id)
    assert sorted(places, key=places.get) == served
    assert line.place(99) == 0


def test_a_users_later_request_never_overtakes_an_earlier_one_even_in_another_chat(make_line):
    line = make_line()
    line.push(Entry(1, 10, chat_id=1, ready=False))  # an album still arriving, in a group
    line.push(Entry(2, 10, chat_id=2))  # then /random in a private chat
    line.push(Entry(3, 11, chat_id=1))
    assert line.pop_next(lambda e: e.ready).id == 3  # others go on
    assert line.pop_next(lambda e: e.ready) is None  # user 10's /random waits behind the album
    line.get(1).ready = True
    assert [line.pop_next(lambda e: e.ready).id for _ in range(2)] == [1, 2]


def test_counts_per_user_chat_and_overall(make_line):
    line = make_line()
    for i, (user, chat) in enumerate([(10, 1), (10, 2), (11, 1)], 1):
        line.push(Entry(i, user, chat))
    assert (line.waiting(user_id=10), line.waiting(chat_id=1), line.waiting()) == (2, 2, 3)
    assert line.remove(1).id == 1 and line.remove(1) is None
    assert (line.waiting(user_id=10), line.waiting(chat_id=1), line.waiting()) == (1, 1, 2)


# ---- the token bucket ----------------------------------------------------------------------------
def test_token_bucket_allows_a_burst_then_paces(buckets):
    buckets, now = buckets(3, 10), 0.0
    assert buckets.wait_s(1, now) == 0  # a first request is never held back
    assert [buckets.take(1, now) for _ in range(4)] == [True, True, True, False]
    assert buckets.wait_s(1, now) == pytest.approx(10)
    assert buckets.wait_s(2, now) == 0  # other users have their own bucket
    assert buckets.wait_s(1, now + 4) == pytest.approx(6)
    assert buckets.take(1, now + 10) and not buckets.take(1, now + 10)
    buckets.give_back(1, now + 10)  # a request that produced nothing
    assert buckets.take(1, now + 10)
    assert buckets.wait_s(1, now + 1000) == 0 and buckets.take(1, now + 1000)  # never above the burst
    assert [buckets.take(1, now + 1000) for _ in range(3)] == [True, True, False]


def test_token_bucket_without_refill_time_is_no_limit(buckets):
    buckets = buckets(1, 0)
    assert all(buckets.take(1, 0.0) for _ in range(50))


# ---- the scheduler ---------------------------------------------------------------------------------
@pytest.fixture
def unlimited(buckets):
    return lambda: buckets(1, 0)


async def test_waits_instead_of_refusing_and_serves_in_fair_order(make_line, unlimited, buckets):
    sched = Scheduler(Bounds(running=1, per_user=5, per_chat=20, total=50), unlimited(), line=make_line())
    started: list[str] = []
    release = asyncio.Event()

    async def request(name: str, user: int, chat: int) -> None:
        ticket = sched.enter(user, chat)
        try:
            await sched.wait_turn(ticket)
            started.append(name)
            if name == "first":
                await release.wait()
        finally:
            sched.finish(ticket)

    first = asyncio.create_task(request("first", 1, 100))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(request(n, u, c)) for n, u, c in
            [("g-a1", 2, 100), ("g-a2", 2, 100), ("g-b", 3, 100), ("dm", 4, 200)]]
    await asyncio.sleep(0.01)
    assert started == ["first"] and sched.waiting() == 4 and sched.running == 1
    release.set()
    await asyncio.gather(first, *rest)
    # The private chat's turn comes between the group's; user 2's requests keep their order.
    assert started == ["first", "dm", "g-a1", "g-b", "g-a2"]
    assert sched.waiting() == 0 and sched.running == 0


async def test_one_job_at_a_time_per_user_keeps_results_in_order(make_line, unlimited, buckets):
    sched = Scheduler(Bounds(running=4), unlimited(), line=make_line())
    a, b = sched.enter(1, 10), sched.enter(1, 10)
    assert a.state == "running" and b.state == "waiting"
    other = sched.enter(2, 10)
    assert other.state == "running"  # other users still start at once
    sched.finish(a)
    assert b.state == "running"


def test_bounds_refuse_with_the_reason(make_line, unlimited, buckets):
    sched = Scheduler(Bounds(running=1, per_user=2, per_chat=3, total=4), unlimited(), line=make_line())
    sched.enter(1, 10)  # running
    sched.enter(1, 10), sched.enter(1, 10)  # two waiting
    with pytest.raises(LineFull) as user_full:
        sched.enter(1, 11)
    assert (user_full.value.scope, user_full.value.count, user_full.value.key) == ("user", 2, "line_full_user")
    sched.enter(2, 10)
    with pytest.raises(LineFull, match="chat"):
        sched.enter(3, 10)
    sched.enter(3, 11)
    with pytest.raises(LineFull, match="total"):
        sched.enter(4, 12)


def test_bounds_come_from_the_settings_and_the_engine_capacity():
    assert Settings(engine_max_pending=8).queue_bounds() == Bounds(running=4, per_user=3, per_chat=20, total=32)
    assert Settings(queue_total=10, queue_per_user=0).queue_bounds().total == 10
    assert Settings(queue_per_user=0).queue_bounds().per_user == 1  # a first request always fits


async def test_over_rate_requests_wait_for_a_token_then_run(make_line, unlimited, buckets):
    clock = Clock()
    sched = Scheduler(Bounds(running=4, per_user=5), buckets(2, 0.2), line=make_line(), clock=clock)
    tickets = [sched.enter(1, 10) for _ in range(3)]
    sched.finish(tickets[0])
    sched.finish(tickets[1])
    assert tickets[2].state == "waiting"  # out of tokens: waits, not refused
    clock.now += 0.2  # the bucket refills on this clock; the wake-up comes from the event loop
    await asyncio.wait_for(sched.wait_turn(tickets[2]), 2)
    assert tickets[2].state == "running"


async def test_refund_when_nothing_was_delivered(make_line, unlimited, buckets):
    clock = Clock()
    sched = Scheduler(Bounds(running=4), buckets(1, 60), line=make_line(), clock=clock)
    t1 = sched.enter(1, 10)
    sched.finish(t1, charged=False)  # e.g. the photo was not a photo
    assert sched.enter(1, 10).state == "running"


async def test_place_notice_only_after_the_notice_delay(make_line, unlimited, buckets):
    sched = Scheduler(Bounds(running=1), unlimited(), line=make_line())
    busy = sched.enter(1, 10)
    waiting = [sched.enter(u, 10) for u in (2, 3)]
    told: list[int] = []

    async def notify(place: int) -> None:
        told.append(place)

    task = asyncio.create_task(sched.wait_turn(waiting[1], notify, notify_after_s=0.05))
    await asyncio.sleep(0.15)
    assert told == [2] and not task.done()
    sched.finish(busy)
    sched.finish(waiting[0])
    await asyncio.wait_for(task, 1)
    assert told == [2]  # once
    sched.finish(waiting[1])

    quick = sched.enter(5, 11)
    await sched.wait_turn(quick, notify, notify_after_s=0.05)  # started at once: nothing to tell
    assert told == [2]


async def test_a_held_place_blocks_only_its_own_user_until_ready(make_line, unlimited, buckets):
    sched = Scheduler(Bounds(running=4), unlimited(), line=make_line())
    album = sched.enter(1, 10, ready=False)
    later = sched.enter(1, 10)
    other = sched.enter(2, 10)
    assert (album.state, later.state, other.state) == ("waiting", "waiting", "running")
    await sched.wait_turn(album)  # the album's photos are in
    assert album.state == "running" and later.state == "waiting"
    assert album.ready_at is not None and 0 <= album.in_line_s < 0.01 and album.waited_s >= album.in_line_s
    sched.finish(album)
    assert later.state == "running"


async def test_cancelled_places_free_the_line(make_line, unlimited, buckets):
    sched = Scheduler(Bounds(running=1, per_user=1), unlimited(), line=make_line())
    first = sched.enter(1, 10)
    held = sched.enter(2, 10, ready=False)
    sched.cancel(held)  # an album that turned out unusable
    assert sched.waiting() == 0
    sched.cancel(first)  # already running: cancelling is a no-op
    assert first.state == "running"
    waiter = sched.enter(3, 10)
    task = asyncio.create_task(sched.wait_turn(waiter))
    await asyncio.sleep(0.01)
    task.cancel()  # the handler went away while waiting
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sched.waiting() == 0
    sched.finish(first)
    assert sched.running == 0


# ---- the retry store ---------------------------------------------------------------------------------
def test_retry_store_is_bounded_and_expires():
    clock = Clock()
    store: RetryStore[str] = RetryStore(keep_s=60, limit=2, clock=clock)
    a = store.put(1, "a")
    b = store.put(1, "b")
    assert len(a) <= 20 and a != b and store.get(a).item == "a"
    c = store.put(2, "c")  # over the limit: the oldest goes
    assert store.get(a) is None and store.get(c).user_id == 2
    clock.now += 61
    assert store.get(b) is None and len(store) == 0
    d = store.put(1, "d")
    store.discard(d)
    assert store.get(d) is None


def test_in_redis_a_request_that_starts_at_once_costs_two_round_trips(redis_server):  # noqa: F811
    """The bot's event loop waits on each of the line's Redis calls: entering checks the bounds and
    pushes in one script, starting picks the entry and takes the user's token in another (it was
    eight calls: three counts, the push, the heads, the bucket's wait, the take, the token)."""
    import redis as redis_client

    from bot.common.redis_line import RedisLine, RedisTokenBuckets

    client = redis_client.Redis(unix_socket_path=str(redis_server.sock))
    line = RedisLine(client, heartbeat=False)
    try:
        sched = Scheduler(Bounds(running=2, per_user=3), RedisTokenBuckets(client, 1, 60), line=line, clock=time.time)
        sched.finish(sched.enter(2, 10))  # the scripts are loaded into Redis on their first use
        sent: list[str] = []
        execute = client.execute_command

        def counted(*args, **kwargs):
            sent.append(str(args[0]))
            return execute(*args, **kwargs)

        client.execute_command = counted
        first = sched.enter(1, 10)
        assert first.state == "running" and sent == ["EVALSHA", "EVALSHA"]
        second = sched.enter(1, 10)  # the user's one token is spent: waits, told when the next comes
        sched.finish(first)
        assert second.state == "waiting" and 59 < line.token_wait_s <= 60
        assert client.hget("km:line:tb:1", "tokens") is not None  # the bucket RedisTokenBuckets reads
        assert RedisTokenBuckets(client, 1, 60).wait_s(1, time.time()) > 59
    finally:
        line.close()
