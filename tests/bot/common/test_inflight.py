"""bot/common/inflight.py: work in progress as a stop sees it, with real tasks and a real clock."""

from __future__ import annotations

import asyncio

from bot.common.inflight import InFlight, current_work, downloading


async def test_running_registers_the_task_with_its_entries_and_group_for_the_block():
    inflight = InFlight()
    assert current_work() is None
    with inflight.running(entries=frozenset({1, 2}), group=(5, "album")) as work:
        assert current_work() is work and work.task is asyncio.current_task()
        assert len(inflight) == 1 and inflight.busy() == ({1, 2}, {(5, "album")})
    assert len(inflight) == 0 and inflight.busy() == (set(), set()) and current_work() is None


async def test_busy_lists_every_task_at_work():
    inflight = InFlight()
    release = asyncio.Event()

    async def work(entries: frozenset[int], group: tuple[int, str] | None) -> None:
        with inflight.running(entries, group):
            await release.wait()

    tasks = [asyncio.create_task(work(frozenset({1}), None)), asyncio.create_task(work(frozenset(), (9, "g")))]
    await asyncio.sleep(0)
    assert len(inflight) == 2 and inflight.busy() == ({1}, {(9, "g")})
    release.set()
    await asyncio.gather(*tasks)
    assert len(inflight) == 0


async def test_drain_waits_for_work_that_finishes_within_the_grace():
    inflight = InFlight()

    async def quick() -> str:
        with inflight.running(entries=frozenset({1})):
            await asyncio.sleep(0.1)
        return "answered"

    task = asyncio.create_task(quick())
    await asyncio.sleep(0)
    assert await inflight.drain(grace_s=2.0, hung_after_s=1.0, poll_s=0.01) == 0
    assert task.done() and task.result() == "answered"
    assert await inflight.drain(grace_s=2.0, hung_after_s=1.0) == 0  # nothing at work: back at once


async def test_work_past_the_grace_is_cancelled_and_knows_the_stop_did_it():
    inflight = InFlight()
    seen: list[bool] = []

    async def slow() -> None:
        with inflight.running(entries=frozenset({1})) as work:
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                seen.append(work.cancelled_by_stop)  # what the journal checks before saying goodbye
                raise

    task = asyncio.create_task(slow())
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert await inflight.drain(grace_s=0.2, hung_after_s=5.0, poll_s=0.01) == 1
    assert 0.2 <= loop.time() - start < 1.0
    await inflight.settle(1.0)
    assert task.cancelled() and seen == [True]


async def test_a_hung_download_is_cancelled_early_while_other_work_finishes():
    inflight = InFlight()

    async def downloads_forever() -> None:
        with inflight.running(entries=frozenset({1})), downloading():
            await asyncio.sleep(30)

    async def computes() -> str:
        with inflight.running(entries=frozenset({2})):
            await asyncio.sleep(0.4)
        return "answered"

    hung, busy = asyncio.create_task(downloads_forever()), asyncio.create_task(computes())
    await asyncio.sleep(0)
    assert await inflight.drain(grace_s=3.0, hung_after_s=0.1, poll_s=0.01) == 1
    assert hung.cancelled() and busy.result() == "answered"


async def test_downloading_counts_nested_downloads_and_is_harmless_outside_work():
    with downloading():  # no request: nothing to mark
        pass
    inflight = InFlight()
    with inflight.running() as work:
        with downloading():
            with downloading():
                assert work.downloads == 2 and work.download_since is not None
            assert work.downloads == 1
        assert work.downloads == 0 and work.download_since is None


async def test_settle_gives_cancelled_work_time_to_unwind():
    inflight = InFlight()
    told: list[str] = []

    async def polite() -> None:
        with inflight.running(entries=frozenset({1})):
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                await asyncio.sleep(0.05)  # telling the user takes a moment
                told.append("resume_later")
                raise

    asyncio.create_task(polite())
    await asyncio.sleep(0)
    await inflight.drain(grace_s=0.0, hung_after_s=5.0)
    assert told == []
    await inflight.settle(1.0)
    assert told == ["resume_later"] and len(inflight) == 0
