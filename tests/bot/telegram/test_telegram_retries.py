"""Telegram's bad moments, injected by the fake Bot API: 429s are waited out, 5xx and network
errors retried with backoff, the finished GIF re-sent (never re-made), failed or stalled downloads
logged and answered, polling blips logged as one line."""

from __future__ import annotations

import logging
import time

from tg_fake_api import private_chat, user
from tg_images import gif_frames

from bot.common.texts import t

ANA = user(10, "Ana")
CHAT = private_chat(10)


async def test_a_429_and_three_500s_on_the_send_still_deliver_the_same_gif(tg_api, tg_start, face_jpegs, caplog):
    await tg_start()
    caplog.set_level(logging.INFO)
    tg_api.fail_next("sendAnimation", "Too Many Requests: retry after 1", code=429, retry_after=1)
    for _ in range(3):
        tg_api.fail_next("sendAnimation", "Internal Server Error", code=500)
    start = time.monotonic()
    tg_api.message(ANA, CHAT, photo=face_jpegs[0], caption="/mix 5", media_group_id="a")
    tg_api.message(ANA, CHAT, photo=face_jpegs[1], media_group_id="a")
    (result,) = await tg_api.wait_replies(1, timeout=30)
    assert result.method == "sendAnimation" and gif_frames(result.upload("animation")) == 5
    assert time.monotonic() - start >= 1.0  # the 429's retry_after was waited out
    attempts = [c for c in tg_api.calls if c.method == "sendAnimation"]
    assert [c.error is not None for c in attempts] == [True, True, True, True, False]
    assert len({c.upload("animation") for c in attempts}) == 1  # the same bytes every time
    warnings = [r for r in caplog.records if r.name == "bot.common.backoff"]
    assert len(warnings) == 3 and all("sendAnimation failed" in r.getMessage() and r.exc_info is None
                                      for r in warnings)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_getfile_errors_are_retried_and_logged(tg_api, tg_start, face_jpegs, caplog):
    await tg_start()
    caplog.set_level(logging.WARNING)
    tg_api.fail_next("getFile", "Bad Gateway", code=502)
    tg_api.fail_next("getFile", "Internal Server Error", code=500)
    tg_api.message(ANA, CHAT, photo=face_jpegs[0], caption="/mix 3", media_group_id="g")
    tg_api.message(ANA, CHAT, photo=face_jpegs[1], media_group_id="g")
    (result,) = await tg_api.wait_replies(1, timeout=30)
    assert result.method == "sendAnimation", result.text
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.common.backoff"]
    assert len(lines) == 2 and all(line.startswith("download failed (") for line in lines)


async def test_a_stalled_download_is_answered_within_its_timeout_and_logged(tg_api, tg_start, face_jpegs, caplog):
    await tg_start(download_timeout_s=2.0)
    caplog.set_level(logging.WARNING)
    first = tg_api.message(ANA, CHAT, photo=face_jpegs[0], caption="/mix", media_group_id="s")
    tg_api.stall_file(first["photo"][0]["file_id"])
    start = time.monotonic()
    tg_api.message(ANA, CHAT, photo=face_jpegs[1], media_group_id="s")
    (reply,) = await tg_api.wait_replies(1, timeout=10)
    assert reply.text == t("download_failed", "en")
    assert time.monotonic() - start < 2.0 + 3.0  # the timeout, plus slack for a busy 2-core machine
    assert any(r.name == "bot.telegram.sending" and "timed out" in r.getMessage() for r in caplog.records)


async def test_a_polling_blip_is_one_warning_line_without_a_traceback(tg_api, tg_start, caplog):
    await tg_start()
    caplog.set_level(logging.WARNING)
    tg_api.fail_next("getUpdates", "Internal Server Error", code=500)
    tg_api.message(ANA, CHAT, text="/help")
    await tg_api.wait_replies(1, timeout=15)
    ours = [r for r in caplog.records if r.name.startswith("bot.")]
    assert [r.levelno for r in ours] == [logging.WARNING] and ours[0].exc_info is None
    assert "polling" in ours[0].getMessage()


async def test_getfile_failing_for_good_is_answered_within_the_download_timeout(tg_api, tg_start, face_jpegs):
    await tg_start(download_timeout_s=2.0)
    for _ in range(40):
        tg_api.fail_next("getFile", "Internal Server Error", code=500)
    start = time.monotonic()
    tg_api.message(ANA, CHAT, photo=face_jpegs[0], caption="/mix", media_group_id="f")
    tg_api.message(ANA, CHAT, photo=face_jpegs[1], media_group_id="f")
    (reply,) = await tg_api.wait_replies(1, timeout=10)
    assert reply.text == t("download_failed", "en")
    assert time.monotonic() - start < 2.0 + 3.0  # album wait and slack for a busy machine included
