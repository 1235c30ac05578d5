"""Inline mode end to end (issue 23): the real Application and engine (tiny model, a gallery built
for it) against the fake Bot API, which serves inline_query and chosen_inline_result updates and
checks answerInlineQuery and editMessageMedia as Telegram does."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import numpy as np
import pytest
from tg_fake_api import private_chat, user
from tg_lifecycle import stop_app

import bot.telegram.inline as inline_module
from bot.common.storage import open_storage
from bot.common.texts import t
from bot.telegram.state import STATE_KEY

ANA, BEN = user(10, "Ana"), user(11, "Ben", "es")
STORAGE = -1009999999999


@pytest.fixture
async def start(tg_start, tiny_gallery):
    async def go(**overrides):
        overrides.setdefault("telegram_storage_chat_id", STORAGE)
        overrides.setdefault("telegram_group_rate", 0)  # the storage channel is paced like a group (20 a minute)
        app = await tg_start(kitten_gallery=tiny_gallery, **overrides)
        app.bot_data[STATE_KEY].inline.warm_every_s = 0.0
        return app

    return go


def uploads(tg_api, method: str | None = None, placeholder: bool = False) -> list:
    """What went to the storage chat (the "mixing…" card, stored once at start, only if asked)."""
    methods = (method,) if method else ("sendPhoto", "sendAnimation")
    return [c for c in tg_api.sent(*methods, chat_id=STORAGE)
            if placeholder or next(iter(c.files.values()))[0] != "kitten-mixing.png"]


async def answer_of(tg_api, query_update) -> object:
    (call,) = await tg_api.wait_for(lambda: tg_api.answers(query_update))
    return call


async def ask(tg_api, who: dict, query: str, offset: str = ""):
    return await answer_of(tg_api, tg_api.inline_query(who, query, offset))


def ids(answer) -> list[str]:
    return [r["id"] for r in answer.params["results"]]


def buttons(markup: dict) -> dict[str, str]:
    return {b["callback_data"].rsplit(":", 1)[1]: b["callback_data"]
            for row in markup["inline_keyboard"] for b in row if "callback_data" in b}


async def test_empty_query_lists_gallery_cats_by_file_id_once_uploaded_with_paging(tg_api, start, monkeypatch):
    await start()
    first = await ask(tg_api, ANA, "")
    assert first.params["results"] == []  # nothing stored yet: nothing is uploaded while answering
    assert first.params["is_personal"] is True and first.params["cache_time"] == 5
    await tg_api.wait_for(lambda: len(uploads(tg_api)) >= inline_module.GALLERY_PAGE)
    for _ in range(100):  # each browse stores a few more (a round at a time), never blocking its answer
        if len(uploads(tg_api)) >= 32:
            break
        await asyncio.sleep(0.1)
        await ask(tg_api, ANA, "")
    assert all(c.method == "sendPhoto" for c in uploads(tg_api))
    monkeypatch.setattr(inline_module, "MAX_RESULTS", 12)
    pages, offset = [], ""
    while True:
        answer = await ask(tg_api, ANA, "", offset)
        pages.append(ids(answer))
        offset = answer.params.get("next_offset") or ""
        if not offset:
            break
    assert [len(p) for p in pages] == [12, 12, 8]
    assert sum(pages, []) == [f"g{n}" for n in range(1, 33)]
    stored = {c.result["photo"][-1]["file_id"] for c in uploads(tg_api)}
    assert {r["photo_file_id"] for r in answer.params["results"]} <= stored
    assert len(uploads(tg_api)) == 32  # browsing again uploads nothing more


async def test_a_chosen_gallery_mix_is_made_uploaded_once_and_edited_in_by_inline_message_id(tg_api, start):
    await start()
    answer = await ask(tg_api, ANA, "3 7 4")
    assert ids(answer) == ["n.gif", "n.grid"]
    assert answer.params["is_personal"] is False and answer.params["cache_time"] == 300
    gif, grid = answer.params["results"]
    assert gif["type"] == "photo" and gif["photo_file_id"] in tg_api.files  # the stored placeholder
    assert gif["caption"] == t("inline_mixing", "en", names=gif["title"]) and "#3" in gif["title"]
    (placeholder,) = uploads(tg_api, "sendPhoto", placeholder=True)
    assert placeholder.result["photo"][-1]["file_id"] == gif["photo_file_id"]

    imid = tg_api.choose(ANA, answer, "n.gif")
    shown = await tg_api.wait_for(lambda: tg_api.inline_messages[imid]["edits"] and tg_api.inline_messages[imid])
    (upload,) = uploads(tg_api, "sendAnimation")
    assert shown["type"] == "animation" and shown["media"] == upload.result["animation"]["file_id"]
    assert "4 frames" in shown["caption"]
    (edit,) = tg_api.sent("editMessageMedia")
    assert edit.params["inline_message_id"] == imid and not edit.files  # by file id: no upload in the edit
    assert list(buttons(shown["reply_markup"])) == ["swap", "boom", "fmt", "more", "rnd"]

    again = await ask(tg_api, BEN, "3 7 4")  # anyone asking for the same mix: answered by file id
    assert ids(again) == ["c.gif", "n.grid"]
    assert again.params["results"][0]["gif_file_id"] == shown["media"]
    tg_api.choose(BEN, again, "c.gif")
    await asyncio.sleep(0.3)
    assert len(uploads(tg_api, placeholder=True)) == 2 and len(tg_api.sent("editMessageMedia")) == 1  # no remake
    assert placeholder.chat_id == STORAGE


async def test_buttons_pressed_on_an_inline_message_edit_it_in_place(tg_api, start):
    await start()
    answer = await ask(tg_api, ANA, "3 7 4")
    imid = tg_api.choose(ANA, answer, "n.gif")
    first = await tg_api.wait_for(lambda: tg_api.inline_messages[imid]["edits"] == 1 and
                                  dict(tg_api.inline_messages[imid]))

    tg_api.press_inline_button(BEN, imid, buttons(first["reply_markup"])["fmt"])  # anyone who sees it may press
    grid = await tg_api.wait_for(lambda: tg_api.inline_messages[imid]["edits"] == 2 and
                                 dict(tg_api.inline_messages[imid]))
    assert grid["type"] == "photo" and grid["media"] != first["media"]
    labels = {b["callback_data"].rsplit(":", 1)[1]: b["text"] for row in grid["reply_markup"]["inline_keyboard"]
              for b in row}
    assert labels["fmt"] == t("btn_gif", "en")  # the grid offers the GIF back
    tg_api.press_inline_button(ANA, imid, buttons(grid["reply_markup"])["swap"])
    swapped = await tg_api.wait_for(lambda: tg_api.inline_messages[imid]["edits"] == 3 and
                                    dict(tg_api.inline_messages[imid]))
    assert swapped["media"] not in (first["media"], grid["media"])
    assert not any(c.files for c in tg_api.sent("editMessageMedia"))
    assert not tg_api.sent("sendMessage")  # nothing posted into the chat (the bot may not be in it)

    tg_api.press_inline_button(ANA, imid, "mx:AAAAAAAA:swap")  # an unknown key: a toast, no edit
    toast = await tg_api.wait_for(lambda: [c for c in tg_api.sent("answerCallbackQuery") if c.params.get("text")])
    assert toast[-1].params["text"] == t("button_expired", "en")
    assert tg_api.inline_messages[imid]["edits"] == 3


async def test_names_find_only_the_users_own_cats_from_any_chat(tg_api, start, tg_settings, tiny_model):
    dim = tiny_model.model.config.latent_dim
    storage = await open_storage(tg_settings.database_path)
    rng = np.random.default_rng(0)
    await storage.cats.adopt("telegram:-100123", "luna", "Luna", rng.normal(size=dim).astype(np.float32), 10, 50)
    await storage.cats.adopt("telegram:-100555", "tom", "Tom", rng.normal(size=dim).astype(np.float32), 11, 50)
    await storage.cats.adopt("discord:42", "lucky", "Lucky", rng.normal(size=dim).astype(np.float32), 10, 50)
    await storage.close()
    await start()

    mine = await ask(tg_api, ANA, "Lu")
    assert ids(mine) == ["n.cat.n0"] and mine.params["is_personal"] is True  # not Discord's Lucky
    assert mine.params["results"][0]["title"] == "Luna"
    theirs = await ask(tg_api, ANA, "Tom")
    assert ids(theirs) == ["refused"]  # Ben's cat, adopted in a chat Ana may not even be in
    mix = await ask(tg_api, ANA, "luna #3")
    assert ids(mix) == ["n.gif", "n.grid"] and mix.params["is_personal"] is True
    assert mix.params["results"][0]["title"] == "Luna + #3 " + mix.params["results"][0]["title"].split("#3 ")[1]

    imid = tg_api.choose(ANA, mine, "n.cat.n0")
    shown = await tg_api.wait_for(lambda: tg_api.inline_messages[imid]["edits"] and tg_api.inline_messages[imid])
    assert shown["type"] == "photo" and shown["caption"] == "Luna"


async def test_random_and_kittens_offer_seeded_pictures(tg_api, start):
    await start()
    answer = await ask(tg_api, ANA, "random 42")
    assert ids(answer) == ["n.rnd.1.42", "n.rnd.4.42", "n.rnd.9.42"]
    imid = tg_api.choose(ANA, answer, "n.rnd.4.42")
    shown = await tg_api.wait_for(lambda: tg_api.inline_messages[imid]["edits"] and tg_api.inline_messages[imid])
    assert shown["type"] == "photo" and "42" in shown["caption"]
    again = shown["reply_markup"]["inline_keyboard"][0][0]
    assert again["switch_inline_query_current_chat"] == "random"

    fresh = await ask(tg_api, ANA, "random")  # no seed: one is drawn, and the chosen result keeps it
    seed = ids(fresh)[0].rsplit(".", 1)[1]
    assert fresh.params["cache_time"] == 1
    imid = tg_api.choose(ANA, fresh, f"n.rnd.1.{seed}")
    shown = await tg_api.wait_for(lambda: tg_api.inline_messages[imid]["edits"] and tg_api.inline_messages[imid])
    assert seed in shown["caption"]

    litter = await ask(tg_api, ANA, "kittens 3 7 5")
    assert ids(litter) == ["n.kit.5"]
    imid = tg_api.choose(ANA, litter, "n.kit.5")
    shown = await tg_api.wait_for(lambda: tg_api.inline_messages[imid]["edits"] and tg_api.inline_messages[imid])
    assert shown["type"] == "photo" and "5" in shown["caption"]

    bad = await ask(tg_api, ANA, "3 7 99")  # 99 frames: the /mix sentence, as an article
    assert ids(bad) == ["refused"]
    assert bad.params["results"][0]["description"].startswith(t("opt_too_many_frames", "en", value=99, limit=32))


async def test_without_a_storage_chat_it_says_so_once_and_offers_only_what_exists(tg_api, start, caplog):
    await start(telegram_storage_chat_id=0)
    with caplog.at_level(logging.WARNING, logger="bot.telegram.inline"):
        first = await ask(tg_api, ANA, "3 7")
        second = await ask(tg_api, BEN, "")
    assert first.params["results"] == [] and second.params["results"] == []
    assert not tg_api.sent("sendPhoto", "sendAnimation")
    lines = [r for r in caplog.records if "TELEGRAM_STORAGE_CHAT_ID" in r.getMessage()]
    assert len(lines) == 1

    tg_api.message(ANA, private_chat(10), text="/mix 3 7 4")  # a mix made in a chat needs no upload to offer
    (result,) = await tg_api.wait_replies(1)
    mine = await ask(tg_api, ANA, "")
    assert ids(mine) == ["r0"] and mine.params["results"][0]["gif_file_id"] == result.result["animation"]["file_id"]
    assert mine.params["is_personal"] is True
    assert (await ask(tg_api, BEN, "")).params["results"] == []  # Ana's, not Ben's


async def test_a_restart_between_the_chosen_result_and_the_edit_finishes_it(tg_api, start, tg_settings):
    app = await start(stop_grace_s=0.5)
    answer = await ask(tg_api, ANA, "3 7 4")
    tg_api.hold("sendAnimation")  # the upload hangs: the bot is stopped before the edit
    imid = tg_api.choose(ANA, answer, "n.gif")
    await tg_api.wait_for(lambda: "sendAnimation" in tg_api.held_calls)
    await app.bot_data[STATE_KEY].requests.stop("test")
    await stop_app(app)
    tg_api.release("sendAnimation")
    conn = sqlite3.connect(tg_settings.database_path)
    assert conn.execute("SELECT state FROM requests WHERE platform='telegram_inline'").fetchall() == [("open",)]
    conn.close()
    assert tg_api.inline_messages[imid]["edits"] == 0

    await start()
    shown = await tg_api.wait_for(lambda: tg_api.inline_messages[imid]["edits"] and tg_api.inline_messages[imid])
    assert shown["type"] == "animation" and not any(c.files for c in tg_api.sent("editMessageMedia"))
    await asyncio.sleep(0.2)
    conn = sqlite3.connect(tg_settings.database_path)
    assert conn.execute("SELECT state FROM requests WHERE platform='telegram_inline'").fetchall() == [("done",)]
    conn.close()
