"""Conversations that outlive the bot process (issue 24), with the real Application, the fake Bot
API and a real SQLite file (the embedded default: no REDIS_URL). The bot is stopped and started
again between the question and its answer: a face question's tap, the photos owed to a `/mix`
sent alone, and an /adopt or /kittens question all finish the request they belong to.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3

from kept_rows import kept
from tg_fake_api import private_chat, user
from tg_images import gif_frames, gradient_png
from tg_lifecycle import stop_app

from bot.common.face_asks import decode
from bot.common.texts import t

ANA = user(10, "Ana")
CHAT = private_chat(10)


def callback(question, label: str) -> str:
    rows = question.params["reply_markup"]["inline_keyboard"]
    return next(b["callback_data"] for row in rows for b in row if b["text"] == label)


def toasts(tg_api) -> list[str]:
    return [c.params.get("text") for c in tg_api.sent("answerCallbackQuery")]


def journal_state(path, update_id: int) -> str | None:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT state FROM requests WHERE ref = ?", (str(update_id),)).fetchone()
    finally:
        conn.close()
    return row[0] if row else None


async def press_taken_by_the_crashed_run(path, update_id: int, message: dict, data: str, query_id: str) -> None:
    """A button press the run that died had written into its journal, and not answered."""
    from bot.common.storage import open_storage
    from bot.common.storage.journal import SqliteJournal
    from bot.telegram.journal_payload import minimal_update

    press = {"update_id": update_id, "callback_query": {"id": query_id, "from": ANA, "message": message,
                                                         "chat_instance": "ci", "data": data}}
    storage = await open_storage(path)
    try:
        await SqliteJournal(storage.db).accept("telegram", str(update_id), CHAT["id"], ANA["id"],
                                               {"update": minimal_update(press)})
    finally:
        await storage.close()


async def restart(app, tg_start):
    await stop_app(app)
    return await tg_start()


async def test_a_face_question_tapped_after_a_restart_finishes_the_mix_once(tg_api, tg_start, tg_settings,
                                                                             face_jpegs):
    app = await tg_start()
    first = tg_api.message(ANA, CHAT, photo=face_jpegs[0], caption="/mix 3", media_group_id="g1")
    tg_api.message(ANA, CHAT, photo=gradient_png(seed=3), media_group_id="g1")
    (question,) = await tg_api.wait_replies(1)
    assert question.method == "sendPhoto" and kept(tg_settings.database_path, "face_asks") == 1
    conn = sqlite3.connect(tg_settings.database_path)
    try:
        (blob,) = conn.execute("SELECT value FROM kept_state WHERE kind = 'face_asks'").fetchone()
    finally:
        conn.close()
    recipe = decode(blob, clock=lambda: 0.0).recipe  # what a restart needs, and no names
    assert recipe["kind"] == "mix" and recipe["options"]["frames"] == 3
    assert recipe["message"]["message_id"] == first["message_id"] and "Ana" not in json.dumps(recipe)

    await restart(app, tg_start)
    tap = tg_api.press_button(ANA, question.result, callback(question, "5"))
    result = (await tg_api.wait_replies(2, timeout=20))[1]
    assert result.method == "sendAnimation" and result.reply_to == first["message_id"]
    assert gif_frames(result.upload("animation")) == 3  # the options of the request before the restart
    # the tap was journaled as a request (a crash before the mix went out replays it), and finished
    await tg_api.wait_for(lambda: journal_state(tg_settings.database_path, tap["update_id"]) == "done", 5)
    assert result.text.startswith(t("mix_done", "en"))
    assert t("face_got_it", "en") in toasts(tg_api) and t("face_expired", "en") not in toasts(tg_api)
    # result buttons under it, as under any mix
    assert any(b["callback_data"].startswith("mx:") for row in result.params["reply_markup"]["inline_keyboard"]
               for b in row)

    # answered: gone from the store too, and the same square again mixes nothing
    await tg_api.wait_for(lambda: kept(tg_settings.database_path, "face_asks") == 0, 5)
    tg_api.press_button(ANA, question.result, callback(question, "5"))
    await tg_api.wait_for(lambda: t("face_expired", "en") in toasts(tg_api))
    await asyncio.sleep(0.3)
    assert len(tg_api.sent("sendAnimation")) == 1


async def test_someone_elses_tap_after_a_restart_changes_nothing(tg_api, tg_start, face_jpegs):
    app = await tg_start()
    tg_api.message(ANA, CHAT, photo=face_jpegs[0], caption="/mix 3", media_group_id="g2")
    tg_api.message(ANA, CHAT, photo=gradient_png(seed=4), media_group_id="g2")
    (question,) = await tg_api.wait_replies(1)
    await restart(app, tg_start)
    tg_api.press_button(user(11, "Bob"), question.result, callback(question, "5"))
    await tg_api.wait_for(lambda: t("face_not_yours", "en") in toasts(tg_api))
    tg_api.press_button(ANA, question.result, callback(question, t("face_whole", "en")))
    assert (await tg_api.wait_replies(2, timeout=20))[1].method == "sendAnimation"


async def test_photos_owed_to_a_mix_sent_alone_are_mixed_after_a_restart(tg_api, tg_start, tg_settings,
                                                                         face_jpegs):
    app = await tg_start()
    command = tg_api.message(ANA, CHAT, text="/mix 4")
    await tg_api.wait_replies(1)
    tg_api.message(ANA, CHAT, photo=face_jpegs[0])
    assert (await tg_api.wait_replies(2))[1].text == t("ask_one_more", "en")
    await asyncio.sleep(0.2)
    assert kept(tg_settings.database_path, "mix_asks") == 1

    await restart(app, tg_start)
    tg_api.message(ANA, CHAT, photo=face_jpegs[1])
    result = (await tg_api.wait_replies(3, timeout=20))[2]
    assert result.method == "sendAnimation" and result.reply_to == command["message_id"]
    assert gif_frames(result.upload("animation")) == 4  # the first photo from before, the options too
    await tg_api.wait_for(lambda: kept(tg_settings.database_path, "mix_asks") == 0, 5)


async def test_a_kept_ask_whose_wait_ran_out_while_the_bot_was_down_is_told_so(tg_api, tg_start, tg_settings):
    app = await tg_start(ask_timeout_s=1.0)
    tg_api.message(ANA, CHAT, text="/mix 4")
    await tg_api.wait_replies(1)
    await asyncio.sleep(0.2)
    await stop_app(app)
    await asyncio.sleep(1.2)  # the wait ends while the bot is down
    await tg_start(ask_timeout_s=1.0)
    assert (await tg_api.wait_replies(2, timeout=10))[1].text == t("ask_expired", "en")
    await tg_api.wait_for(lambda: kept(tg_settings.database_path, "mix_asks") == 0, 5)  # a write behind the reply


async def test_adopt_and_kittens_questions_are_finished_after_a_restart(tg_api, tg_start, tg_settings, face_jpegs):
    app = await tg_start()
    command = tg_api.message(ANA, CHAT, photo=gradient_png(seed=8), caption="/adopt Luna")
    (question,) = await tg_api.wait_replies(1)
    assert question.reply_to == command["message_id"]
    app = await restart(app, tg_start)
    tg_api.press_button(ANA, question.result, callback(question, "5"))
    said = (await tg_api.wait_replies(2, timeout=20))[1]
    assert said.method == "sendMessage" and "Luna" in said.text
    assert t("face_got_it_adopt", "en") in toasts(tg_api)

    tg_api.message(ANA, CHAT, photo=face_jpegs[0], caption="/kittens 5", media_group_id="kq")
    tg_api.message(ANA, CHAT, photo=gradient_png(seed=4), media_group_id="kq")
    question = (await tg_api.wait_replies(3))[2]
    await restart(app, tg_start)
    tg_api.press_button(ANA, question.result, callback(question, "5"))
    litter = (await tg_api.wait_replies(4, timeout=20))[3]
    assert litter.method == "sendPhoto" and "seed 5" in litter.text
    assert "photo 1" in litter.text and "photo 2" in litter.text


async def test_a_tap_accepted_before_a_crash_is_replayed_and_finishes_the_mix(tg_api, tg_start, tg_settings,
                                                                               face_jpegs):
    """The bot took the tap (the question answered, the tap in the journal) and died before the mix
    went out: on start the journal replays the tap, and the kept question, answered, is mixed once."""
    from bot.common.face_asks import FaceAsks
    from bot.common.storage import open_storage
    from bot.common.storage.journal import SqliteJournal
    from bot.common.storage.kept import SqliteKept
    from bot.telegram.journal_payload import minimal_update
    from vae_core.hints import FaceHint

    app = await tg_start()
    first = tg_api.message(ANA, CHAT, photo=face_jpegs[0], caption="/mix 3", media_group_id="g9")
    tg_api.message(ANA, CHAT, photo=gradient_png(seed=3), media_group_id="g9")
    (question,) = await tg_api.wait_replies(1)
    await stop_app(app)

    token = callback(question, "5").split(":")[1]
    tap = {"update_id": 9000, "callback_query": {"id": "77", "from": ANA, "message": question.result,
                                                  "chat_instance": "ci", "data": callback(question, "5")}}
    storage = await open_storage(tg_settings.database_path)  # what the crashed run had written
    try:
        asks = FaceAsks(wait_s=300)
        asks.keep_in(SqliteKept(storage.db))
        assert await asks.recall(token) is not None
        asks.tap(token, ANA["id"], FaceHint.at(4))
        await asks.flush()
        await SqliteJournal(storage.db).accept("telegram", "9000", CHAT["id"], ANA["id"],
                                               {"update": minimal_update(tap)})
    finally:
        await storage.close()

    await tg_start()
    result = (await tg_api.wait_replies(2, timeout=20))[1]
    assert result.method == "sendAnimation" and result.reply_to == first["message_id"]
    assert gif_frames(result.upload("animation")) == 3
    await tg_api.wait_for(lambda: kept(tg_settings.database_path, "face_asks") == 0, 5)
    assert journal_state(tg_settings.database_path, 9000) == "done"
    await asyncio.sleep(0.5)
    assert len(tg_api.sent("sendAnimation")) == 1


def _result_buttons(call) -> dict[str, str]:
    rows = call.params["reply_markup"]["inline_keyboard"]
    return {b["callback_data"].rsplit(":", 1)[1]: b["callback_data"] for row in rows for b in row}


async def test_a_result_button_press_is_journaled_and_one_accepted_before_a_crash_is_replayed(
        tg_api, tg_start, tg_settings, face_jpegs):
    """A press on a result's button asks for a new mix: it is written down like a command (done once
    answered), and a press the bot took but did not answer before it died is answered after the
    restart, once, from the kept cats behind the buttons."""

    app = await tg_start()
    target = tg_api.message(ANA, CHAT, photo=face_jpegs[0], send=False)
    tg_api.message(ANA, CHAT, photo=face_jpegs[1], caption="/mix 4", reply_to=target)
    (result,) = await tg_api.wait_replies(1)
    buttons = _result_buttons(result)
    pressed = tg_api.press_button(ANA, result.result, buttons["boom"])
    boom = (await tg_api.wait_replies(2))[1]
    assert gif_frames(boom.upload("animation")) == 6
    await tg_api.wait_for(lambda: journal_state(tg_settings.database_path, pressed["update_id"]) == "done", 5)
    await stop_app(app)

    await press_taken_by_the_crashed_run(tg_settings.database_path, 9100, result.result, buttons["more"], "78")

    await tg_start()
    more = (await tg_api.wait_replies(3, timeout=20))[2]
    assert more.method == "sendAnimation" and more.reply_to == result.result["message_id"]
    assert gif_frames(more.upload("animation")) == 8
    await tg_api.wait_for(lambda: journal_state(tg_settings.database_path, 9100) == "done", 5)
    await asyncio.sleep(0.5)
    assert len(tg_api.sent("sendAnimation")) == 3


async def test_a_roll_again_press_taken_before_a_crash_is_answered_after_the_restart(tg_api, tg_start, tg_settings):
    """/random's "roll again" asks for a new grid: journaled like a command, and replayed after a crash."""

    app = await tg_start()
    tg_api.message(ANA, CHAT, text="/random 2")
    (grid,) = await tg_api.wait_replies(1)
    live = tg_api.press_button(ANA, grid.result, "random:2")
    await tg_api.wait_replies(2)
    await tg_api.wait_for(lambda: journal_state(tg_settings.database_path, live["update_id"]) == "done", 5)
    await stop_app(app)

    await press_taken_by_the_crashed_run(tg_settings.database_path, 9200, grid.result, "random:2", "79")
    await tg_start()
    again = (await tg_api.wait_replies(3, timeout=20))[2]
    assert again.method == "sendPhoto" and again.reply_to == grid.result["message_id"]
    await tg_api.wait_for(lambda: journal_state(tg_settings.database_path, 9200) == "done", 5)
    await asyncio.sleep(0.5)
    assert len(tg_api.sent("sendPhoto")) == 3
