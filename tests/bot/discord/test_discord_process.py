"""The Discord bot as an operator runs it: the CLI's `bot discord` in a subprocess, killed and
stopped, against the fake Discord. The only change from production is the pair of switches
discord.py offers for a local Discord (the REST base and the gateway URL, as in conftest.py),
set before the real `kitten_mixer.cli.main` runs.

SIGKILL while a mix is in progress, then a restart: the result reaches the user through the
interaction's follow-up webhook. SIGTERM with a hung download: exit 0 within 10 s, the user is
told, and the restart finishes the request.
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

from bot.common.texts import t

TOKEN = "fake-token-never-real"
STOP_LIMIT_S = 10.0
LAUNCH = ("import sys, yarl, discord.http, discord.gateway\n"
          "discord.http.Route.BASE = sys.argv[1]\n"
          "discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])\n"
          "from kitten_mixer.cli import main\n"
          "sys.exit(main(['bot', 'discord']))\n")


class DiscordProcess:
    def __init__(self, fake, weights: Path, workdir: Path):
        self.fake, self.workdir, self.runs = fake, workdir, 0
        self.env = {**os.environ, "DISCORD_BOT_TOKEN": TOKEN, "KITTEN_WEIGHTS": str(weights),
                    "DATABASE_PATH": str(workdir / "kitten.db"), "ENGINE_WORKERS": "1", "RATE_REFILL_S": "0",
                    "DOWNLOAD_TIMEOUT_S": "15", "LOG_LEVEL": "INFO"}
        self.proc: subprocess.Popen | None = None

    async def start(self) -> None:
        self.runs += 1
        self.fake._ws_ready.clear()
        log = open(self.workdir / f"run{self.runs}.log", "wb")  # noqa: SIM115 (closed with the process)
        self.proc = subprocess.Popen([sys.executable, "-c", LAUNCH, self.fake.api_base, str(self.fake.gateway_url)],
                                     cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        try:
            await self.fake.wait_connected(timeout=60)
        except TimeoutError:
            raise AssertionError(self.log()) from None

    def log(self) -> str:
        return (self.workdir / f"run{self.runs}.log").read_text(errors="replace")

    async def wait_exit(self) -> tuple[int, float]:
        start = time.monotonic()
        while self.proc.poll() is None:
            if time.monotonic() - start > STOP_LIMIT_S + 5:
                self.proc.kill()
                raise AssertionError(f"still running:\n{self.log()}")
            await asyncio.sleep(0.05)
        return self.proc.returncode, time.monotonic() - start

    def states(self) -> list[str]:
        conn = sqlite3.connect(self.workdir / "kitten.db")
        try:
            return [r[0] for r in conn.execute("SELECT state FROM requests ORDER BY id")]
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
async def discord_process(fake, tiny_weights, tmp_path):
    p = DiscordProcess(fake, tiny_weights, tmp_path)
    yield p
    p.stop()


async def mix_with_a_held_photo(fake, photos) -> tuple[int, dict]:
    cat1 = fake.attachment_payload("tom.jpg", photos[0], "image/jpeg")
    cat2 = fake.attachment_payload("felix.jpg", photos[1], "image/jpeg", hold=True)
    iid = await fake.inject(fake.slash("mix", {"frames": 4}, attachments={"cat1": cat1, "cat2": cat2}))
    assert (await fake.first_callback(iid, timeout=20)).type == 5
    await fake.wait_for(lambda: fake.hosted_name(cat2) in fake.downloads)
    return iid, cat2


async def test_sigkill_mid_mix_then_restart_answers_through_the_follow_up_webhook(fake, discord_process,
                                                                                   cat_photos):
    await discord_process.start()
    iid, held = await mix_with_a_held_photo(fake, cat_photos)
    discord_process.proc.send_signal(signal.SIGKILL)
    await discord_process.wait_exit()
    assert fake.followups_for(iid) == [] and discord_process.states() == ["open"]

    fake.release(fake.hosted_name(held))
    await discord_process.start()
    result = await fake.first_followup(iid, timeout=40)
    assert result.files and result.files[0].filename.endswith(".gif") and not result.ephemeral
    await asyncio.sleep(1.0)
    assert len(fake.followups_for(iid)) == 1 and len(fake.callbacks_for(iid)) == 1
    assert discord_process.states() == ["done"]


async def test_sigterm_with_a_hung_download_exits_in_time_and_the_restart_finishes(fake, discord_process,
                                                                                    cat_photos):
    await discord_process.start()
    iid, held = await mix_with_a_held_photo(fake, cat_photos)
    discord_process.proc.send_signal(signal.SIGTERM)
    code, took = await discord_process.wait_exit()
    assert code == 0 and took < STOP_LIMIT_S, discord_process.log()
    told = await fake.first_followup(iid)
    assert told.content == t("resume_later", "en") and told.ephemeral
    assert discord_process.states() == ["open"]
    assert "Traceback" not in discord_process.log() and TOKEN not in discord_process.log()
    assert "resuming" not in discord_process.log()  # this run's own request is never taken for a leftover

    fake.release(fake.hosted_name(held))
    await discord_process.start()
    await fake.wait_for(lambda: [f for f in fake.followups_for(iid) if f.files], timeout=40)
    await asyncio.sleep(1.0)
    assert discord_process.states() == ["done"]
