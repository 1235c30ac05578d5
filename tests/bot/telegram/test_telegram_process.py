"""The operator's view: the real entry point (`python -m kitten_mixer bot telegram`) as a
subprocess, pointed at the fault-injecting fake Bot API, killed and stopped the ways a host does.

Each scenario is issue 15's: a 429 and three 500s on the send; SIGKILL during a mix, then a
restart; SIGTERM during the album wait; SIGTERM with a hung download. And issue 21's group
flood of /adopt killed after the cats are stored but before anyone is told. Real cat photos (the
finder must see a head, as in production); the tiny test model keeps the start-up quick.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tg_fake_api import TOKEN, group_chat, private_chat, user
from tg_images import gif_frames

from bot.common.texts import t

ANA = user(10, "Ana")
CHAT = private_chat(10)
STOP_LIMIT_S = 10.0  # Docker's default stop grace


class BotProcess:
    def __init__(self, api, weights: Path, workdir: Path, **env: str):
        self.api, self.workdir = api, workdir
        self.env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": api.base_url,
                    "TELEGRAM_BASE_FILE_URL": api.base_file_url, "KITTEN_WEIGHTS": str(weights),
                    "DATABASE_PATH": str(workdir / "kitten.db"), "ENGINE_WORKERS": "1", "RATE_REFILL_S": "0",
                    "QUEUE_NOTICE_S": "30", "LOG_LEVEL": "INFO", **env}
        self.proc: subprocess.Popen | None = None
        self.runs = 0

    async def start(self, **env: str) -> None:
        self.runs += 1
        log = open(self.workdir / f"run{self.runs}.log", "wb")  # noqa: SIM115 (closed with the process)
        polls = self.api.polls
        self.proc = subprocess.Popen([sys.executable, "-m", "kitten_mixer", "bot", "telegram"], cwd=self.workdir,
                                     env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT)
        await self.api.wait_for(lambda: self.api.polls > polls + 1 or self.proc.poll() is not None, timeout=60)
        assert self.proc.poll() is None, self.log()

    def log(self, run: int | None = None) -> str:
        return (self.workdir / f"run{run or self.runs}.log").read_text(errors="replace")

    async def wait_exit(self, limit_s: float) -> tuple[int, float]:
        start = time.monotonic()
        while self.proc.poll() is None:
            if time.monotonic() - start > limit_s + 5:
                self.proc.kill()
                raise AssertionError(f"still running after {limit_s + 5} s:\n{self.log()}")
            await asyncio.sleep(0.05)
        return self.proc.returncode, time.monotonic() - start

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def states(self) -> list[str]:
        conn = sqlite3.connect(self.workdir / "kitten.db")
        try:
            return [r[0] for r in conn.execute("SELECT state FROM requests ORDER BY id")]
        except sqlite3.OperationalError:  # not created yet
            return []
        finally:
            conn.close()


@pytest.fixture
async def bot_process(tg_api, tiny_weights, tmp_path):
    made: list[BotProcess] = []

    def make(**env: str) -> BotProcess:
        made.append(BotProcess(tg_api, tiny_weights, tmp_path, **env))
        return made[-1]

    yield make
    for p in made:
        p.stop()


def album(tg_api, photos, caption: str, group: str = "a") -> list[dict]:
    return [tg_api.message(ANA, CHAT, photo=photos[0], caption=caption, media_group_id=group),
            tg_api.message(ANA, CHAT, photo=photos[1], media_group_id=group)]


def no_token_in(text: str) -> bool:
    return TOKEN not in text and TOKEN.split(":")[1] not in text


async def test_one_429_and_three_500s_on_the_send_and_the_gif_still_arrives(tg_api, bot_process, cat_photos):
    bot = bot_process()
    await bot.start()
    tg_api.fail_next("sendAnimation", "Too Many Requests: retry after 1", code=429, retry_after=1)
    for _ in range(3):
        tg_api.fail_next("sendAnimation", "Internal Server Error", code=500)
    album(tg_api, cat_photos, "/mix 4")
    (gif,) = await tg_api.wait_replies(1, timeout=40)
    assert gif.method == "sendAnimation" and gif_frames(gif.upload("animation")) == 4
    assert [c.error is None for c in tg_api.calls if c.method == "sendAnimation"] == [False] * 4 + [True]
    bot.signal(signal.SIGTERM)
    assert (await bot.wait_exit(STOP_LIMIT_S))[0] == 0
    log = bot.log()
    assert log.count("sendAnimation failed (") == 3 and "Traceback" not in log and no_token_in(log)
    assert bot.states() == ["done", "done"]


async def test_sigkill_during_a_mix_then_a_restart_and_the_gif_arrives_once(tg_api, bot_process, cat_photos):
    bot = bot_process()
    await bot.start()
    tg_api.hold("sendAnimation")  # the mix is made; its upload never completes
    first, _ = album(tg_api, cat_photos, "/mix 5")
    await tg_api.wait_for(lambda: tg_api.held_calls, timeout=30)
    bot.signal(signal.SIGKILL)
    await bot.wait_exit(STOP_LIMIT_S)
    assert tg_api.replies() == [] and bot.states() == ["open", "open"]
    tg_api.release("sendAnimation")

    await bot.start()  # Telegram will not send the album again: it was confirmed by the last poll
    (gif,) = await tg_api.wait_replies(1, timeout=40)
    assert gif.method == "sendAnimation" and gif.reply_to == first["message_id"]
    assert gif_frames(gif.upload("animation")) == 5
    await asyncio.sleep(1.5)
    assert len(tg_api.replies()) == 1 and bot.states() == ["done", "done"]  # answered once
    assert "resuming 1 unfinished request" in bot.log() or "resuming 2 unfinished request" in bot.log()


async def test_sigterm_during_the_album_wait_exits_in_time_with_the_gif_sent(tg_api, bot_process, cat_photos):
    bot = bot_process(ALBUM_WAIT_S="20")
    await bot.start()
    album(tg_api, cat_photos, "/mix 3")
    await tg_api.wait_for(lambda: len(bot.states()) == 2, timeout=20)
    bot.signal(signal.SIGTERM)
    code, took = await bot.wait_exit(STOP_LIMIT_S)
    assert code == 0 and took < STOP_LIMIT_S, bot.log()
    assert "Traceback" not in bot.log() and "ERROR" not in bot.log()
    (gif,) = tg_api.replies()
    assert gif.method == "sendAnimation" and gif_frames(gif.upload("animation")) == 3
    assert bot.states() == ["done", "done"]


async def test_sigterm_with_a_hung_download_exits_in_time_tells_the_user_and_finishes_after_restart(
        tg_api, bot_process, cat_photos):
    bot = bot_process(DOWNLOAD_TIMEOUT_S="15", ALBUM_WAIT_S="0.3")
    await bot.start()
    first, second = album(tg_api, cat_photos, "/mix 3")
    stalled = second["photo"][0]["file_id"]
    tg_api.stall_file(stalled)
    await tg_api.wait_for(lambda: tg_api.files[stalled].path in tg_api.downloads, timeout=20)
    bot.signal(signal.SIGTERM)
    code, took = await bot.wait_exit(STOP_LIMIT_S)
    assert code == 0 and took < STOP_LIMIT_S, bot.log()
    (told,) = tg_api.replies()
    assert told.text == t("resume_later", "en") and told.reply_to == first["message_id"]
    assert bot.states() == ["open", "open"]
    assert "hung download" in bot.log() and no_token_in(bot.log())
    assert "resuming" not in bot.log()  # this run's own request is never taken for a leftover
    assert "Traceback" not in bot.log() and "ERROR" not in bot.log()

    tg_api.unstall_file(stalled)
    await bot.start()
    gif = (await tg_api.wait_replies(2, timeout=40))[1]
    assert gif.method == "sendAnimation" and gif.reply_to == first["message_id"]
    await asyncio.sleep(1.5)
    assert len(tg_api.replies()) == 2 and bot.states() == ["done", "done"]


def adopted_names(workdir: Path) -> list[str]:
    conn = sqlite3.connect(workdir / "kitten.db")
    try:
        return [r[0] for r in conn.execute("SELECT name FROM adopted_cats ORDER BY name")]
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        conn.close()


async def test_sigkill_after_a_group_adopt_flood_is_stored_then_everyone_is_told_adopted(
        tg_api, bot_process, cat_photos, tmp_path):
    """Issue 21, defect 3b as filed: group members send `/adopt PetNN`; the process is SIGKILLed
    with most cats stored and no reply sent, and restarted. Telegram never sends those updates
    again (the poll confirmed them), so the journal replays every request; a replay must know its
    own earlier write by the request id and say "adopted", never "name taken" about the member's
    own cat. The last members' photos hang, so some requests are still unstored at the kill."""
    group = group_chat(-1002100)
    members = [user(300 + i, f"Member{i}") for i in range(10)]
    stored_first = 7  # the rest have photos whose downloads hang
    bot = bot_process(DOWNLOAD_TIMEOUT_S="30")
    await bot.start()
    tg_api.hold("sendMessage")  # the answers never get out: the state a kill leaves behind
    asked = {}
    for i, member in enumerate(members):
        msg = tg_api.message(member, group, photo=cat_photos[i % len(cat_photos)], caption=f"/adopt Pet{i:02d}")
        asked[msg["message_id"]] = f"Pet{i:02d}"
        if i >= stored_first:
            tg_api.stall_file(msg["photo"][0]["file_id"])
    await tg_api.wait_for(lambda: len(adopted_names(tmp_path)) == stored_first and len(bot.states()) == len(members),
                          timeout=30)
    bot.signal(signal.SIGKILL)
    await bot.wait_exit(STOP_LIMIT_S)
    assert tg_api.replies() == [] and bot.states() == ["open"] * len(members)
    tg_api.release("sendMessage")
    for file_id in list(tg_api.files):
        tg_api.unstall_file(file_id)

    await bot.start()
    replies = await tg_api.wait_replies(len(members), timeout=40)
    told = {r.reply_to: r.text for r in replies}
    assert told == {mid: t("adopt_done", "en", name=name) for mid, name in asked.items()}, bot.log()
    assert adopted_names(tmp_path) == sorted(asked.values())
    await asyncio.sleep(1.0)
    assert len(tg_api.replies()) == len(members) and bot.states() == ["done"] * len(members)  # answered once
    assert "Traceback" not in bot.log() and no_token_in(bot.log())
