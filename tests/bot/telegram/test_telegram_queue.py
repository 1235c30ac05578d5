"""The fair line on Telegram: busy chats lose nothing, and a user's requests keep their order.

Real python-telegram-bot against the local fake Bot API, real engine on the tiny model, with
the production fairness defaults (rate, notice delay) unless a test needs something else.
"""

from __future__ import annotations

import asyncio
import datetime

from telegram import Chat, Message
from tg_fake_api import group_chat, private_chat, user

from bot.common.settings import Settings
from bot.common.texts import TEXTS, t
from bot.telegram.albums import RecentAlbums
from bot.telegram.state import STATE_KEY

GROUP = group_chat(-100888)
DEFAULTS = Settings()
# The fairness settings as shipped; Telegram's per-group flood limit is the client's own pacing,
# off here so that a dozen results in one group don't make the test wait a minute.
AS_SHIPPED = {"rate_burst": DEFAULTS.rate_burst, "rate_refill_s": DEFAULTS.rate_refill_s,
              "queue_notice_s": DEFAULTS.queue_notice_s, "telegram_group_rate": 0}
OLD_REFUSALS = ("Easy, tiger", "One at a time", "Tranquilo, tigre", "De uno en uno")


def refusals(tg_api) -> list[str]:
    full = {t(k, lang, count=n) for lang in TEXTS for k in ("line_full_user", "line_full_chat", "line_full_total")
            for n in range(100)}
    return [c.text for c in tg_api.sent("sendMessage") if c.text in full or c.text.startswith(OLD_REFUSALS)]


def results(tg_api, chat_id: int | None = None) -> list:
    return tg_api.sent("sendPhoto", "sendAnimation", chat_id=chat_id)


def place_notices(tg_api) -> list:
    """"You're #n in line" (private chats) and the groups' "In line here: ..." boards."""
    starts = tuple(t("queue_place", lang, place=999).split("999")[0] for lang in TEXTS)
    starts += tuple(t("queue_places", lang, places="@@").split("@@")[0] for lang in TEXTS)
    return [c for c in tg_api.sent("sendMessage") if c.text.startswith(starts)]


async def test_twelve_requests_in_one_group_within_half_a_second_are_all_served(tg_api, tg_start, face_jpegs):
    await tg_start(**AS_SHIPPED)
    members = [user(40 + i, f"M{i}", "es" if i % 2 else "en") for i in range(6)]
    kinds: dict[int, tuple[int, str]] = {}  # request message id -> (user, what)
    for i, member in enumerate(members):  # each: an album /mix, then /random: 12 requests in ~0.3 s
        cmd = tg_api.message(member, GROUP, photo=face_jpegs[0], caption="/mix 3", media_group_id=f"m{i}")
        tg_api.message(member, GROUP, photo=face_jpegs[1], media_group_id=f"m{i}")
        rnd = tg_api.message(member, GROUP, text="/random 1")
        kinds[cmd["message_id"]], kinds[rnd["message_id"]] = (member["id"], "mix"), (member["id"], "random")
        await asyncio.sleep(0.05)
    await tg_api.wait_for(lambda: len(results(tg_api)) >= 12, timeout=60)
    served = results(tg_api)
    assert sorted(c.reply_to for c in served) == sorted(kinds)  # every request answered, once
    assert not refusals(tg_api)
    for call in served:
        assert call.method == ("sendAnimation" if kinds[call.reply_to][1] == "mix" else "sendPhoto")
    for member in members:  # each member's album came first, so their mix did too
        theirs = [kinds[c.reply_to][1] for c in served if kinds[c.reply_to][0] == member["id"]]
        assert theirs == ["mix", "random"]
    # A place notice, where one was shown, is gone once the result is out.
    await tg_api.wait_for(lambda: len(tg_api.sent("deleteMessage")) >= len(place_notices(tg_api)))
    deleted = {int(c.params["message_id"]) for c in tg_api.sent("deleteMessage")}
    assert {n.result["message_id"] for n in place_notices(tg_api)} <= deleted


async def test_album_mix_then_random_a_moment_later_both_served_mix_first(tg_api, tg_start, face_jpegs):
    await tg_start(album_wait_s=DEFAULTS.album_wait_s, **AS_SHIPPED)
    ana = user(51, "Ana")
    cmd = tg_api.message(ana, GROUP, photo=face_jpegs[0], caption="/mix 4", media_group_id="alb")
    tg_api.message(ana, GROUP, photo=face_jpegs[1], media_group_id="alb")
    await asyncio.sleep(0.3)
    rnd = tg_api.message(ana, GROUP, text="/random 2")
    first, second = await tg_api.wait_for(lambda: len(results(tg_api)) >= 2 and results(tg_api), timeout=30)
    assert (first.method, first.reply_to) == ("sendAnimation", cmd["message_id"])
    assert (second.method, second.reply_to) == ("sendPhoto", rnd["message_id"])
    assert not refusals(tg_api)


async def test_random_then_mix_and_two_photos_within_five_seconds_are_all_served(tg_api, tg_start, face_jpegs):
    await tg_start(**AS_SHIPPED)
    bea = user(52, "Bea")
    chat = private_chat(52)
    rnd = tg_api.message(bea, chat, text="/random 1")
    await asyncio.sleep(0.5)
    mix = tg_api.message(bea, chat, text="/mix 3")
    for photo in face_jpegs:
        await asyncio.sleep(0.5)
        tg_api.message(bea, chat, photo=photo)
    await tg_api.wait_for(lambda: len(results(tg_api)) >= 2, timeout=30)
    assert [(c.method, c.reply_to) for c in results(tg_api)] == [("sendPhoto", rnd["message_id"]),
                                                                 ("sendAnimation", mix["message_id"])]
    assert not refusals(tg_api)


async def test_a_waiting_request_is_told_its_place_and_the_notice_goes_when_done(tg_api, tg_start, face_jpegs):
    await tg_start(queue_running=1, queue_notice_s=0.3)
    ana, chat = user(53, "Ana", "es"), private_chat(53)
    target = tg_api.message(ana, chat, photo=face_jpegs[0], send=False)
    slow = tg_api.slow_file(target["photo"][0]["file_id"])
    tg_api.message(ana, chat, photo=face_jpegs[1], caption="/mix 3", reply_to=target)
    await tg_api.wait_for(lambda: tg_api.downloads)  # Ana's mix is running (stuck downloading)
    rnd = tg_api.message(ana, chat, text="/random 1")  # her next one waits for it: results in order
    (notice,) = await tg_api.wait_for(lambda: place_notices(tg_api))
    assert (notice.text, notice.reply_to) == (t("queue_place", "es", place=1), rnd["message_id"])
    slow.set()
    await tg_api.wait_for(lambda: len(results(tg_api)) >= 2)
    await tg_api.wait_for(lambda: tg_api.sent("deleteMessage"))
    (deleted,) = tg_api.sent("deleteMessage")
    assert int(deleted.params["message_id"]) == notice.result["message_id"]
    assert [c.reply_to for c in results(tg_api)][1] == rnd["message_id"]


async def test_a_busy_group_gets_one_board_of_places_not_a_notice_each(tg_api, tg_start, face_jpegs):
    await tg_start(queue_running=1, queue_notice_s=0.3, telegram_group_rate=0)
    ana, ben, cleo = user(58, "Ana"), user(59, "Ben", "es"), user(60, "Cleo")
    target = tg_api.message(ana, GROUP, photo=face_jpegs[0], send=False)
    slow = tg_api.slow_file(target["photo"][0]["file_id"])
    tg_api.message(ana, GROUP, photo=face_jpegs[1], caption="/mix 3", reply_to=target)
    await tg_api.wait_for(lambda: tg_api.downloads)
    tg_api.message(ben, GROUP, text="/random 1")
    await asyncio.sleep(0.05)
    tg_api.message(cleo, GROUP, text="/random 1")
    await asyncio.sleep(0.8)
    (board,) = place_notices(tg_api)  # one message for the whole line, whoever is waiting
    assert board.text.startswith(t("queue_places", "es", places="#1 Ben").split(".")[0])
    slow.set()
    await tg_api.wait_for(lambda: len(results(tg_api)) >= 3)
    await tg_api.wait_for(lambda: tg_api.sent("deleteMessage"))
    assert [int(c.params["message_id"]) for c in tg_api.sent("deleteMessage")] == [board.result["message_id"]]
    assert len(place_notices(tg_api)) == 1


async def test_a_full_line_keeps_the_photos_behind_a_try_again_button(tg_api, tg_start, face_jpegs):
    app = await tg_start(queue_running=1, queue_per_user=1, telegram_group_rate=0)
    line = app.bot_data[STATE_KEY].scheduler
    ana, ben = user(55, "Ana"), user(56, "Ben")
    target = tg_api.message(ana, GROUP, photo=face_jpegs[0], send=False)
    slow = tg_api.slow_file(target["photo"][0]["file_id"])
    tg_api.message(ana, GROUP, photo=face_jpegs[1], caption="/mix 3", reply_to=target)  # running
    await tg_api.wait_for(lambda: tg_api.downloads)
    tg_api.message(ana, GROUP, text="/random 1")  # waiting: Ana's one place in line
    await tg_api.wait_for(lambda: line.waiting(user_id=55) == 1)
    album = tg_api.message(ana, GROUP, photo=face_jpegs[0], caption="/mix 2 grid", media_group_id="full")
    tg_api.message(ana, GROUP, photo=face_jpegs[1], media_group_id="full")
    (refusal,) = await tg_api.wait_for(lambda: refusals(tg_api) and [
        c for c in tg_api.sent("sendMessage") if c.params.get("reply_markup")])
    assert refusal.text == t("line_full_user", "en", count=1) and refusal.reply_to == album["message_id"]
    (button,) = refusal.params["reply_markup"]["inline_keyboard"][0]
    assert button["text"] == t("retry_button", "en")

    tg_api.press_button(ben, refusal.result, button["callback_data"])  # not Ben's to retry
    toast = await tg_api.wait_for(lambda: tg_api.sent("answerCallbackQuery"))
    assert toast[0].params.get("text") == t("retry_not_yours", "en")

    slow.set()
    await tg_api.wait_for(lambda: len(results(tg_api)) >= 2)
    tg_api.press_button(ana, refusal.result, button["callback_data"])
    await tg_api.wait_for(lambda: len(results(tg_api)) >= 3)
    retried = results(tg_api)[2]
    assert (retried.method, retried.reply_to) == ("sendPhoto", album["message_id"])  # the kept album, as a grid
    answers = tg_api.sent("answerCallbackQuery")
    assert len(answers) == 2 and not answers[1].params.get("text")  # accepted quietly

    tg_api.press_button(ana, refusal.result, button["callback_data"])  # used up
    await tg_api.wait_for(lambda: len(tg_api.sent("answerCallbackQuery")) == 3)
    assert tg_api.sent("answerCallbackQuery")[2].params.get("text") == t("retry_expired", "en")
    assert len(refusals(tg_api)) == 1  # no public message for any of the taps


async def test_a_refused_roll_again_tap_is_a_toast_not_a_message(tg_api, tg_start, face_jpegs):
    app = await tg_start(queue_running=1, queue_per_user=1, telegram_group_rate=0)
    line = app.bot_data[STATE_KEY].scheduler
    ana = user(57, "Ana", "es")
    tg_api.message(ana, GROUP, text="/random 1")
    (grid,) = await tg_api.wait_for(lambda: results(tg_api))
    roll = grid.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    target = tg_api.message(ana, GROUP, photo=face_jpegs[0], send=False)
    slow = tg_api.slow_file(target["photo"][0]["file_id"])
    tg_api.message(ana, GROUP, photo=face_jpegs[1], caption="/mix 3", reply_to=target)  # running
    await tg_api.wait_for(lambda: tg_api.downloads)
    tg_api.message(ana, GROUP, text="/random 1")  # waiting
    await tg_api.wait_for(lambda: line.waiting(user_id=57) == 1)
    messages_before = len(tg_api.sent("sendMessage"))
    tg_api.press_button(ana, grid.result, roll)
    (toast,) = await tg_api.wait_for(lambda: tg_api.sent("answerCallbackQuery"))
    assert toast.params.get("text") == t("retry_still_full", "es")
    slow.set()
    await tg_api.wait_for(lambda: len(results(tg_api)) >= 3)
    await asyncio.sleep(0.2)
    assert len(tg_api.sent("sendMessage")) == messages_before  # nothing public about the refused tap
    assert len(results(tg_api)) == 3


def test_a_burst_of_albums_in_one_group_is_remembered_until_their_turn():
    """Twelve members' albums at once: the first ones must still be there when their mixes start."""
    albums, chat = RecentAlbums(), Chat(GROUP["id"], "supergroup")
    when = datetime.datetime.now(datetime.UTC)
    for n in range(20):
        for k in range(2):
            albums.add(Message(100 + 2 * n + k, when, chat, media_group_id=f"burst{n}"))
    assert all(len(albums.get(chat.id, f"burst{n}")) == 2 for n in range(20))


async def test_a_private_album_without_a_command_keeps_its_place_ahead_of_a_later_random(tg_api, tg_start,
                                                                                         face_jpegs):
    await tg_start(album_wait_s=DEFAULTS.album_wait_s, **AS_SHIPPED)
    dan, chat = user(61, "Dan"), private_chat(61)
    first = tg_api.message(dan, chat, photo=face_jpegs[0], media_group_id="plain")
    tg_api.message(dan, chat, photo=face_jpegs[1], media_group_id="plain")
    await asyncio.sleep(0.3)
    rnd = tg_api.message(dan, chat, text="/random 1")
    await tg_api.wait_for(lambda: len(results(tg_api)) >= 2, timeout=30)
    assert [(c.method, c.reply_to) for c in results(tg_api)] == [("sendAnimation", first["message_id"]),
                                                                 ("sendPhoto", rnd["message_id"])]


async def test_a_private_album_whose_caption_comes_second_is_mixed_once_in_its_place(tg_api, tg_start, face_jpegs):
    app = await tg_start(album_wait_s=DEFAULTS.album_wait_s, **AS_SHIPPED)
    eve, chat = user(62, "Eve"), private_chat(62)
    tg_api.message(eve, chat, photo=face_jpegs[0], media_group_id="late")
    cmd = tg_api.message(eve, chat, photo=face_jpegs[1], caption="/mix 5 grid", media_group_id="late")
    await asyncio.sleep(0.3)
    rnd = tg_api.message(eve, chat, text="/random 1")
    await tg_api.wait_for(lambda: len(results(tg_api)) >= 2, timeout=30)
    await asyncio.sleep(0.3)
    served = results(tg_api)
    assert len(served) == 2 and served[1].reply_to == rnd["message_id"]
    assert served[0].method == "sendPhoto" and served[0].reply_to in (cmd["message_id"], cmd["message_id"] - 1)
    line = app.bot_data[STATE_KEY].scheduler
    assert line.waiting() == 0 and line.running == 0  # no place left behind
