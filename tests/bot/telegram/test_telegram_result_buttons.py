"""The buttons under a mix result (issue 12): the next mix without re-uploading, and expiry as a toast."""

from __future__ import annotations

import asyncio
import io

import numpy as np
from PIL import Image
from tg_fake_api import private_chat, user
from tg_images import gif_frames, gradient_png

from bot.common.texts import t
from bot.telegram.state import STATE_KEY

ANA, BEN = user(60, "Ana"), user(61, "Ben", "es")
CHAT = private_chat(60)


def _frames(gif: bytes) -> list[np.ndarray]:
    img = Image.open(io.BytesIO(gif))
    out = []
    for i in range(img.n_frames):
        img.seek(i)
        out.append(np.asarray(img.convert("RGB"), dtype=np.float32))
    return out


def _buttons(call) -> dict[str, str]:
    rows = call.params["reply_markup"]["inline_keyboard"]
    return {b["callback_data"].rsplit(":", 1)[1]: b["callback_data"] for row in rows for b in row}


async def _first_mix(tg_api, face_jpegs, frames: int = 4):
    target = tg_api.message(ANA, CHAT, photo=face_jpegs[0], send=False)
    tg_api.message(ANA, CHAT, photo=face_jpegs[1], caption=f"/mix {frames}", reply_to=target)
    (result,) = await tg_api.wait_replies(1)
    assert result.method == "sendAnimation"
    return result


async def test_a_mix_offers_five_buttons_and_each_makes_the_next_mix_without_downloads(tg_api, tg_start,
                                                                                        face_jpegs):
    await tg_start()
    result = await _first_mix(tg_api, face_jpegs)
    buttons = _buttons(result)
    assert list(buttons) == ["swap", "boom", "fmt", "more", "rnd"]
    labels = [b["text"] for row in result.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [t(k, "en") for k in ("btn_swap", "btn_boomerang", "btn_grid", "btn_more", "btn_random_cat")]
    downloads = list(tg_api.downloads)
    first = _frames(result.upload("animation"))

    tg_api.press_button(ANA, result.result, buttons["swap"])
    swapped = (await tg_api.wait_replies(2))[1]
    assert swapped.method == "sendAnimation" and swapped.reply_to == result.result["message_id"]
    back = _frames(swapped.upload("animation"))
    assert len(back) == 4
    # The swap runs the same path backwards: its first frame is the original's last, and vice versa.
    assert np.abs(back[0] - first[-1]).mean() < np.abs(back[0] - first[0]).mean()
    assert np.abs(back[-1] - first[0]).mean() < np.abs(back[-1] - first[-1]).mean()

    tg_api.press_button(ANA, result.result, buttons["boom"])
    boom = (await tg_api.wait_replies(3))[2]
    assert gif_frames(boom.upload("animation")) == 6  # 4 forward, 2 back
    assert "boom" not in _buttons(boom)  # already a boomerang

    tg_api.press_button(ANA, result.result, buttons["fmt"])
    grid = (await tg_api.wait_replies(4))[3]
    assert grid.method == "sendPhoto" and Image.open(io.BytesIO(grid.upload("photo"))).format == "PNG"
    assert grid.text.splitlines()[1] == "4 frames · slerp path · grid"
    grid_labels = [b["text"] for row in grid.params["reply_markup"]["inline_keyboard"] for b in row]
    assert t("btn_gif", "en") in grid_labels and t("btn_grid", "en") not in grid_labels

    tg_api.press_button(ANA, result.result, buttons["more"])
    more = (await tg_api.wait_replies(5))[4]
    assert gif_frames(more.upload("animation")) == 8
    assert more.text.splitlines()[1].startswith("8 frames")

    tg_api.press_button(BEN, result.result, buttons["rnd"])  # anyone who sees the result may tap
    rnd = (await tg_api.wait_replies(6))[5]
    assert rnd.method == "sendAnimation" and gif_frames(rnd.upload("animation")) == 4
    assert rnd.text.splitlines()[0] == t("mix_done", "es")
    assert "semilla" in rnd.text.splitlines()[-1]

    assert tg_api.downloads == downloads  # no photo was fetched again
    assert not [c for c in tg_api.sent("answerCallbackQuery") if c.params.get("text")]  # no refusals


async def test_an_expired_button_answers_with_a_toast_only(tg_api, tg_start, face_jpegs):
    await tg_start(result_cache_ttl_s=0.5)
    result = await _first_mix(tg_api, face_jpegs, frames=3)
    await asyncio.sleep(0.7)
    tg_api.press_button(ANA, result.result, _buttons(result)["swap"])
    toast = await tg_api.wait_for(lambda: tg_api.sent("answerCallbackQuery"))
    assert toast[0].params["text"] == t("button_expired", "en")
    await asyncio.sleep(0.3)
    assert len(tg_api.replies()) == 1  # nothing public


async def test_the_button_memory_is_bounded(tg_api, tg_start, face_jpegs):
    app = await tg_start(result_cache_mb=0.5)  # room for about one mix (two 256 px crops)
    results = []
    for i in range(3):
        target = tg_api.message(ANA, CHAT, photo=face_jpegs[i % 2], send=False)
        tg_api.message(ANA, CHAT, photo=face_jpegs[(i + 1) % 2], caption="/mix 3", reply_to=target)
        results.append((await tg_api.wait_replies(i + 1))[i])
    cache = app.bot_data[STATE_KEY].results
    assert len(cache) == 1 and cache.nbytes <= 0.5 * 1024 * 1024
    tg_api.press_button(ANA, results[0].result, _buttons(results[0])["swap"])  # the oldest was dropped
    toast = await tg_api.wait_for(lambda: tg_api.sent("answerCallbackQuery"))
    assert toast[0].params["text"] == t("button_expired", "en")
    tg_api.press_button(ANA, results[2].result, _buttons(results[2])["swap"])  # the newest still works
    assert (await tg_api.wait_replies(4))[3].method == "sendAnimation"


async def test_a_mix_finished_after_a_face_tap_has_buttons_too(tg_api, tg_start, face_jpegs):
    await tg_start()
    tg_api.message(ANA, CHAT, photo=face_jpegs[0], caption="/mix 3", media_group_id="tap-then-buttons")
    tg_api.message(ANA, CHAT, photo=gradient_png(seed=3), media_group_id="tap-then-buttons")
    (question,) = await tg_api.wait_replies(1)
    five = next(b["callback_data"] for row in question.params["reply_markup"]["inline_keyboard"] for b in row
                if b["text"] == "5")
    tg_api.press_button(ANA, question.result, five)
    result = (await tg_api.wait_replies(2))[1]
    assert result.method == "sendAnimation"
    tg_api.press_button(ANA, result.result, _buttons(result)["boom"])
    boom = (await tg_api.wait_replies(3))[2]
    assert gif_frames(boom.upload("animation")) == 4  # 3 forward, 1 back


async def test_a_result_button_pressed_in_another_chat_gets_a_toast_and_sends_nothing(tg_api, tg_start, face_jpegs):
    """Issue 21, defect 8: chat A's `mx:<key>:swap`, pressed on a bot message in Ben's private chat
    (forged or copied data), must not post A's mix there. Ben gets a toast; A's buttons still work."""
    from tg_fake_api import group_chat

    await tg_start()
    result = await _first_mix(tg_api, face_jpegs, frames=3)
    ben_chat = private_chat(61)
    ben_result = dict(result.result, chat=ben_chat, message_id=result.result["message_id"] + 1000)
    group = group_chat(-1061)
    group_result = dict(result.result, chat=group, message_id=result.result["message_id"] + 2000)
    swap = _buttons(result)["swap"]
    tg_api.press_button(BEN, ben_result, swap)
    tg_api.press_button(ANA, group_result, swap)  # even its own user may not carry it to another chat
    toasts = await tg_api.wait_for(lambda: len(tg_api.sent("answerCallbackQuery")) >= 2
                                   and tg_api.sent("answerCallbackQuery"))
    assert sorted(c.params["text"] for c in toasts) == sorted([t("button_foreign", "es"), t("button_foreign", "en")])
    await asyncio.sleep(0.5)
    assert tg_api.replies(chat_id=ben_chat["id"]) == [] and tg_api.replies(chat_id=group["id"]) == []
    assert len(tg_api.replies()) == 1

    tg_api.press_button(ANA, result.result, swap)  # in its own chat the result is still there
    swapped = (await tg_api.wait_replies(2))[1]
    assert swapped.method == "sendAnimation" and swapped.chat_id == CHAT["id"]
