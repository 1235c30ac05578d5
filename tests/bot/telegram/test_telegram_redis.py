"""The real Telegram bot scaled out (issue 24): `python -m kitten_mixer bot telegram` with REDIS_URL
pointing at a redis-server of the test's own, and one `kitten-mixer worker` subprocess. The bot's
line lives in Redis and its mixes run on the worker: a /mix album and a /random are answered once
each, by the worker (its job count in Redis says so), and the bot leaves the shared line on stop.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
from redis_server import redis_server  # noqa: F401  (the fixture)
from test_telegram_process import ANA, CHAT, STOP_LIMIT_S, BotProcess, album
from tg_images import gif_frames

from bot.common.texts import t

ROOT = Path(__file__).resolve().parents[3]


def start_worker(url: str, weights: Path, log: Path, name: str = "w1") -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "kitten_mixer.cli", "worker", "--redis-url", url,
                             "--weights", str(weights), "--name", name], cwd=ROOT, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


def stop_workers(*workers: subprocess.Popen) -> None:
    for w in workers:
        w.send_signal(signal.SIGTERM)
    for w in workers:
        try:
            w.wait(10)
        except subprocess.TimeoutExpired:
            w.kill()


async def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


async def test_a_mix_and_a_random_go_through_redis_to_a_worker_and_are_answered_once(
        tg_api, tiny_weights, tmp_path, cat_photos, redis_server):  # noqa: F811
    client = redis.Redis(unix_socket_path=str(redis_server.sock))
    worker = start_worker(redis_server.url, tiny_weights, tmp_path / "worker.log")
    bot = BotProcess(tg_api, tiny_weights, tmp_path, REDIS_URL=redis_server.url)
    try:
        await wait_until(lambda: client.exists("km:worker:w1") or worker.poll() is not None, 60, "no worker")
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        await bot.start()
        assert client.keys("km:line:alive:*")  # the bot took its place in the shared line

        album(tg_api, cat_photos, "/mix 4")
        tg_api.message(ANA, CHAT, text="/random 2 7")
        replies = await tg_api.wait_replies(2, timeout=60)
        await asyncio.sleep(1.0)  # a second answer would have come by now
        replies = tg_api.replies()
        assert sorted(r.method for r in replies) == ["sendAnimation", "sendPhoto"], [r.method for r in replies]
        gif = next(r for r in replies if r.method == "sendAnimation")
        grid = next(r for r in replies if r.method == "sendPhoto")
        assert gif_frames(gif.upload("animation")) == 4
        assert grid.text.splitlines()[0] == t("random_done", "en", count=2)
        await wait_until(lambda: int(client.get("km:worker:w1") or 0) >= 2, 10, "the worker did not count 2 jobs")
        assert "mixes run on kitten-mixer workers" in bot.log()

        bot.signal(signal.SIGTERM)
        assert (await bot.wait_exit(STOP_LIMIT_S))[0] == 0
        assert bot.states() == ["done", "done", "done"]  # two album messages and the /random
        assert not client.keys("km:line:alive:*")  # it left the shared line
    finally:
        bot.stop()
        stop_workers(worker)


def buttons(call) -> dict[str, str]:
    rows = call.params["reply_markup"]["inline_keyboard"]
    return {b["callback_data"].rsplit(":", 1)[1]: b["callback_data"] for row in rows for b in row}


async def test_a_result_button_pressed_after_a_restart_still_mixes(tg_api, tiny_weights, tmp_path, cat_photos):
    """Embedded mode (no Redis): the cats behind the buttons are kept in the SQLite file."""
    bot = BotProcess(tg_api, tiny_weights, tmp_path)
    try:
        await bot.start()
        album(tg_api, cat_photos, "/mix 4")
        (result,) = await tg_api.wait_replies(1, timeout=40)
        await asyncio.sleep(5.5)  # the next status row (every 5 s) counts the mix
        status = subprocess.run([sys.executable, "-m", "kitten_mixer.cli", "status", "--db",
                                 str(tmp_path / "kitten.db"),
                                 "--json"], env={**os.environ, "PYTHONPATH": str(ROOT), "REDIS_URL": ""},
                                capture_output=True, text=True, timeout=60)
        (row,) = json.loads(status.stdout)["bots"]  # `kitten-mixer status` without Redis: the bot's own figures
        assert row["platform"] == "telegram" and row["pid"] == bot.proc.pid and row["line_length"] == 0
        assert row["time_in_line_ms"]["samples"] == 1
        bot.signal(signal.SIGKILL)  # no clean stop: the result was written down as it was made
        await bot.wait_exit(STOP_LIMIT_S)
        await bot.start()
        tg_api.press_button(ANA, result.result, buttons(result)["swap"])
        again = (await tg_api.wait_replies(2, timeout=40))[1]
        assert again.method == "sendAnimation" and gif_frames(again.upload("animation")) == 4
        answered = [c.params.get("text") for c in tg_api.sent("answerCallbackQuery")]
        assert t("button_expired", "en") not in answered
        assert "results' buttons kept from before the restart" in bot.log()
    finally:
        bot.stop()


DEMO_PHOTOS = sorted((ROOT / "vae_core" / "demo_photos").glob("pixabay_cat_*.jpg"))


def face_callback(question, label: str) -> str:
    rows = question.params["reply_markup"]["inline_keyboard"]
    return next(b["callback_data"] for row in rows for b in row if b["text"] == label)


async def question_killed_restarted_and_tapped(tg_api, bot: BotProcess) -> None:
    """A /mix of a cat and a picture without one: the bot asks where the face is, is SIGKILLed, is
    started again, and the tap then mixes (once)."""
    from tg_images import gradient_png

    await bot.start()
    first = tg_api.message(ANA, CHAT, photo=DEMO_PHOTOS[0].read_bytes(), caption="/mix 3", media_group_id="q")
    tg_api.message(ANA, CHAT, photo=gradient_png(seed=3), media_group_id="q")
    (question,) = await tg_api.wait_replies(1, timeout=60)
    assert question.method == "sendPhoto" and question.params["reply_markup"]["inline_keyboard"]
    # the crash comes once the request is written down as answered (a crash between the question and
    # that write replays the request after the restart, which asks again: at least once, by design)
    await wait_until(lambda: bot.states() == ["done", "done"], 20, "the asked album was not marked done")
    bot.signal(signal.SIGKILL)
    await bot.wait_exit(STOP_LIMIT_S)
    await bot.start()
    tg_api.press_button(ANA, question.result, face_callback(question, "5"))
    result = (await tg_api.wait_replies(2, timeout=60))[1]
    assert result.method == "sendAnimation" and result.reply_to == first["message_id"]
    assert gif_frames(result.upload("animation")) == 3
    toasts = [c.params.get("text") for c in tg_api.sent("answerCallbackQuery")]
    assert t("face_got_it", "en") in toasts and t("face_expired", "en") not in toasts
    tg_api.press_button(ANA, question.result, face_callback(question, "5"))  # answered: not mixed twice
    await tg_api.wait_for(lambda: t("face_expired", "en") in [c.params.get("text")
                                                              for c in tg_api.sent("answerCallbackQuery")], 20)
    assert len(tg_api.sent("sendAnimation")) == 1


async def test_a_face_question_open_at_a_crash_is_finished_by_the_tap_after_the_restart_with_redis(
        tg_api, tiny_weights, tmp_path, redis_server):  # noqa: F811
    client = redis.Redis(unix_socket_path=str(redis_server.sock))
    worker = start_worker(redis_server.url, tiny_weights, tmp_path / "worker.log")
    bot = BotProcess(tg_api, tiny_weights, tmp_path, REDIS_URL=redis_server.url)
    try:
        await wait_until(lambda: client.exists("km:worker:w1") or worker.poll() is not None, 60, "no worker")
        await question_killed_restarted_and_tapped(tg_api, bot)
        assert not client.keys("km:kept:face_asks:*")  # the answered question is gone from Redis
    finally:
        bot.stop()
        stop_workers(worker)


async def test_a_face_question_open_at_a_crash_is_finished_by_the_tap_after_the_restart_embedded(
        tg_api, tiny_weights, tmp_path):
    bot = BotProcess(tg_api, tiny_weights, tmp_path)
    try:
        await question_killed_restarted_and_tapped(tg_api, bot)
    finally:
        bot.stop()
