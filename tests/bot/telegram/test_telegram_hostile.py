"""Hostile input (issue 21): what a careless or malicious user types gets a clear, short answer.

The real Application against the fake Bot API, which refuses texts over Telegram's limits as
Telegram does ("message is too long").
"""

from __future__ import annotations

from tg_fake_api import private_chat, user

from bot.common.fitting import ECHO_CHARS
from bot.common.texts import t

ANA = user(30, "Ana")
CHAT = private_chat(30)


async def test_a_4096_character_word_is_quoted_back_cut_short(tg_api, tg_start):
    await tg_start()
    for n, text in enumerate(["/mix " + "Q" * 4091, "/random " + "9" * 4088, "/random 4 " + "b" * 4086], start=1):
        assert len(text) <= 4096
        tg_api.message(ANA, CHAT, text=text)
        reply = (await tg_api.wait_replies(n))[-1]
        assert reply.text != t("internal_error", "en"), text[:12]
        assert len(reply.text) < 400
    replies = [r.text for r in tg_api.replies()]
    assert "Q" * (ECHO_CHARS - 1) + "…" in replies[0]
    assert t("usage_mix", "en") in replies[0]
    assert "9" * (ECHO_CHARS - 1) + "…" in replies[1] and t("usage_random", "en") in replies[1]
    assert "b" * (ECHO_CHARS - 1) + "…" in replies[2] and t("usage_random", "en") in replies[2]
    assert [c for c in tg_api.calls if c.error] == []  # nothing refused by Telegram


async def test_an_animation_whose_metadata_is_not_utf8_gets_the_damaged_file_answer(tg_api, tg_start, face_jpegs):
    from tg_videos import mp4_with_undecodable_metadata

    await tg_start()
    target = tg_api.message(ANA, CHAT, animation=mp4_with_undecodable_metadata(face_jpegs[0]), send=False)
    tg_api.message(ANA, CHAT, photo=face_jpegs[1], caption="/mix", reply_to=target)
    (reply,) = await tg_api.wait_replies(1)
    assert reply.text == t("err_corrupt", "en")


FORGED = ["", "mx", "mx:", "cats:-1", "cats:999", "random:abc", "random:0", "random:99999", "random:" + "9" * 60,
          "face:0000000000:3", "retry:nothing", "mx:AAAAAAAA:swap", "x" * 5000]


async def test_every_forged_button_press_is_answered_with_a_toast_and_nothing_public(tg_api, tg_start, caplog):
    import time

    from tg_fake_api import BOT_ID, group_chat

    group = group_chat(-1077)
    await tg_start()
    bot_message = {"message_id": 77, "date": int(time.time()), "chat": group, "text": "a result",
                   "from": {"id": BOT_ID, "is_bot": True, "first_name": "Kitten Mixer"}}
    queries = [tg_api.press_button(ANA, bot_message, data)["callback_query"]["id"] for data in FORGED]
    answered = await tg_api.wait_for(
        lambda: len(tg_api.sent("answerCallbackQuery")) >= len(FORGED) and tg_api.sent("answerCallbackQuery"))
    await tg_api.wait_for(lambda: True)
    import asyncio

    await asyncio.sleep(0.3)
    assert sorted(c.params["callback_query_id"] for c in answered) == sorted(queries)  # each once
    assert all(c.params.get("text") for c in answered)  # a short toast, not a silent stop
    assert tg_api.replies() == []  # nothing said in the group
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_a_failing_request_leaves_only_a_cut_form_of_a_long_option_in_the_log(tg_api, tg_start, caplog,
                                                                                      monkeypatch):
    """Privacy (issue 21): a bug whose exception quotes the user's word (here `int()` on a 4,086-
    character option, as `int('70,5')` did for weights) must not copy the word into the log: the
    traceback is logged with the message cut and quoted, and the user gets the plain apology."""
    import logging

    import bot.common.commands.random as random_command  # /random's words are read there (issue 20)
    from bot.common.logtext import LOG_QUOTE_CHARS

    def buggy(words):
        return [int(w) for w in words]  # ValueError: invalid literal for int() with base 10: 'bbb…'

    monkeypatch.setattr(random_command, "parse_random_args", buggy)
    caplog.set_level(logging.INFO)
    await tg_start()
    word = "b" * 4086
    tg_api.message(ANA, CHAT, text=f"/random 4 {word}")
    (reply,) = await tg_api.wait_replies(1)
    assert reply.text == t("internal_error", "en")
    logged = caplog.text
    assert "b" * LOG_QUOTE_CHARS not in logged  # the word is cut...
    assert "invalid literal for int() with base 10: 'b" in logged and "…" in logged  # ...but still recognisable
    assert "Traceback" in logged and "in buggy" in logged  # and where it failed is still there
    assert len([r for r in caplog.records if r.levelname == "ERROR"]) == 1
    caplog.clear()
