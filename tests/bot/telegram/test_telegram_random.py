"""/random: a grid of cats that never existed, a seed to get them again, a button to roll again."""

from __future__ import annotations

from tg_fake_api import private_chat, user
from tg_images import png_size

from bot.common.texts import t

CAT_FAN = user(40, "Cy")
CHAT = private_chat(40)


async def test_random_grid_and_roll_again(tg_api, tg_start):
    await tg_start()
    command = tg_api.message(CAT_FAN, CHAT, text="/random 4")
    (grid,) = await tg_api.wait_replies(1)
    assert grid.method == "sendPhoto" and grid.reply_to == command["message_id"]
    first, second = grid.text.splitlines()  # what it is, and the seed that draws it again (issue 12)
    assert first == t("random_done", "en", count=4)
    seed = int(second.split()[1].rstrip(":"))
    assert second == t("random_seed", "en", seed=seed, again=f"/random 4 {seed}")
    assert png_size(grid.upload("photo")) == (2 * 128 + 4, 2 * 128 + 4)  # 2 x 2 cells
    (button,) = grid.params["reply_markup"]["inline_keyboard"][0]
    assert button == {"text": t("random_roll", "en"), "callback_data": "random:4"}
    assert [c.params["action"] for c in tg_api.sent("sendChatAction")] == ["upload_photo"]

    tg_api.press_button(CAT_FAN, grid.result, "random:4")
    again = (await tg_api.wait_replies(2))[1]
    assert again.method == "sendPhoto" and again.reply_to == grid.result["message_id"]
    assert int(again.text.splitlines()[1].split()[1].rstrip(":")) != seed  # a roll is a fresh draw
    assert tg_api.sent("answerCallbackQuery")


async def test_a_seed_gives_the_same_cats(tg_api, tg_start):
    await tg_start()
    tg_api.message(CAT_FAN, CHAT, text="/random 3 42")
    tg_api.message(CAT_FAN, CHAT, text="/random 3 42")
    a, b = await tg_api.wait_replies(2)
    assert a.upload("photo") == b.upload("photo")


async def test_the_shown_seed_draws_the_same_cats_again(tg_api, tg_start):
    await tg_start()
    tg_api.message(CAT_FAN, CHAT, text="/random 3")
    (first,) = await tg_api.wait_replies(1)
    again = first.text.splitlines()[1].split(": ", 1)[1].removesuffix(" draws these cats again.")
    tg_api.message(CAT_FAN, CHAT, text=again)
    second = (await tg_api.wait_replies(2))[1]
    assert second.upload("photo") == first.upload("photo") and second.text == first.text


async def test_random_usage(tg_api, tg_start):
    await tg_start()
    for text in ("/random 17", "/random cats", "/random 1 2 3"):
        tg_api.message(CAT_FAN, CHAT, text=text)
    replies = await tg_api.wait_replies(3)
    # what is wrong, then the usage line (issue 12); the three updates are handled concurrently, so the
    # replies may arrive in any order
    assert sorted(r.text for r in replies) == sorted([
        "17 is more than 16 cats.\n" + t("usage_random", "en"),
        "“cats” isn't a number.\n" + t("usage_random", "en"),
        "“3” is one word too many.\n" + t("usage_random", "en"),
    ])


async def test_a_negative_count_is_called_negative(tg_api, tg_start):
    """Issue 20: `/random -1` got "“-1” isn't a number"."""
    await tg_start()
    tg_api.message(CAT_FAN, CHAT, text="/random -1")
    (reply,) = await tg_api.wait_replies(1)
    assert reply.text == t("opt_negative", "en", word="-1") + "\n" + t("usage_random", "en")
