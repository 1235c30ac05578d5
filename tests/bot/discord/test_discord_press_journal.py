"""Button presses in the request journal on Discord (issue 24): real discord.py against the fake
Discord, a real SQLite file. A press on a result's button or on a face question's square asks for
work, so it is written down as it arrives (ids, custom_id, the message it was pressed on, the
token; no names, no texts), marked done once answered, and one a crashed run accepted is answered
after the restart, once, through the interaction's follow-up webhook, from the kept cats or the
kept question. A stray press is not written down.
"""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import time

import imageio.v3 as iio
import pytest
from dc_fake_discord import GUILD_ID, USER_ID
from kept_rows import kept
from PIL import Image

from bot.common.face_asks import FaceAsks
from bot.common.storage import open_storage
from bot.common.storage.journal import SqliteJournal
from bot.common.storage.kept import SqliteKept
from bot.common.texts import t
from bot.discord.journal_payload import minimal_interaction
from vae_core.hints import FaceHint


def rows(path) -> dict[str, tuple[str, dict]]:
    """The Discord journal: interaction id -> (state, kept payload)."""
    conn = sqlite3.connect(path)
    try:
        return {r[0]: (r[1], json.loads(r[2])) for r in
                conn.execute("SELECT ref, state, payload FROM requests WHERE platform='discord' ORDER BY id")}
    finally:
        conn.close()


def state(path, iid: int | str) -> str | None:
    return rows(path).get(str(iid), (None, {}))[0]


def result_buttons(message: dict) -> dict[str, str]:
    return {b["custom_id"].rsplit(":", 1)[1]: b["custom_id"] for row in message["components"]
            for b in row["components"]}


def square(message: dict, label: str) -> str:
    return next(b["custom_id"] for row in message["components"] for b in row["components"] if b["label"] == label)


def frames(data: bytes) -> int:
    return iio.improps(data, index=None, extension=".gif").shape[0]


async def mix(fake, face_jpegs, frames: int = 4):
    cats = {k: fake.attachment_payload(f"{k}.jpg", d, "image/jpeg")
            for k, d in zip(("cat1", "cat2"), face_jpegs, strict=True)}
    return await fake.first_followup(await fake.inject(fake.slash("mix", {"frames": frames}, attachments=cats)))


async def accept_as_the_crashed_run(path, press: dict) -> None:
    """What the run that died had written when the press arrived."""
    storage = await open_storage(path)
    try:
        await SqliteJournal(storage.db).accept("discord", press["id"], GUILD_ID, USER_ID,
                                               {"interaction": minimal_interaction(press)},
                                               expires_at=time.time() + 14 * 60)
    finally:
        await storage.close()


async def test_a_result_button_press_is_journaled_without_names_and_done_once_answered(fake, start_bot, face_jpegs,
                                                                                       tmp_path):
    await start_bot()
    first = await mix(fake, face_jpegs)
    custom_id = result_buttons(first.message)["boom"]
    press = fake.button(first.message, custom_id)
    press["message"]["content"] = "a caption with Zelda Secretname"
    iid = await fake.inject(press)
    boom = await fake.first_followup(iid)
    assert frames(boom.files[0].data) == 6 and not boom.ephemeral
    await fake.wait_for(lambda: state(tmp_path / "kitten.db", iid) == "done", 5)

    _, payload = rows(tmp_path / "kitten.db")[str(iid)]
    kept_press = payload["interaction"]
    assert kept_press["type"] == 3 and kept_press["token"] == f"token-{iid}"
    assert kept_press["data"]["custom_id"] == custom_id
    message = kept_press["message"]
    assert message["id"] == first.message["id"] and message["channel_id"] == first.message["channel_id"]
    assert message["components"] == [{"type": 1, "components": [{"type": 2, "style": 2, "disabled": False,
                                                                 "custom_id": custom_id, "label": ""}]}]
    assert message["attachments"] == [] and message["content"] == ""
    text = json.dumps(payload)
    for private in ("Zelda", "user400", t("btn_swap"), "cats", ".gif"):
        assert private not in text, private
    assert len(fake.followups_for(iid)) == 1


async def test_a_stray_press_is_not_journaled(fake, start_bot, face_jpegs, tmp_path):
    """A result's custom_id on a message that has no such button (a modified client): discord.py
    gives it to no item; it gets the private "doesn't do anything" and no journal row."""
    await start_bot()
    first = await mix(fake, face_jpegs, frames=3)
    iid = await fake.inject(fake.button(dict(first.message, components=[]), result_buttons(first.message)["swap"]))
    answer = await fake.first_callback(iid)
    assert answer.ephemeral and answer.content == t("button_unknown", "en")
    await asyncio.sleep(0.3)
    assert str(iid) not in rows(tmp_path / "kitten.db") and not fake.followups_for(iid)


async def test_a_result_button_press_accepted_before_a_crash_is_answered_once_after_the_restart(
        fake, start_bot, face_jpegs, tmp_path):
    path = tmp_path / "kitten.db"
    bot = await start_bot()
    first = await mix(fake, face_jpegs)
    await bot.services.results.flush()
    assert kept(path, "results") == 1  # the cats behind the buttons are in the file
    await bot.close()

    press = fake.button(first.message, result_buttons(first.message)["more"], locale="es-ES")
    await accept_as_the_crashed_run(path, press)
    fake._ws_ready.clear()
    await start_bot()  # only the journal knows the press
    iid = int(press["id"])
    more = await fake.first_followup(iid)
    assert frames(more.files[0].data) == 8 and not more.ephemeral  # the kept cats, more frames
    assert t("mix_done", "es") in more.content.splitlines()
    assert list(result_buttons(more.message)) == ["swap", "boom", "fmt", "more", "rnd"]  # buttons of its own
    await fake.wait_for(lambda: state(path, iid) == "done", 5)
    await asyncio.sleep(0.3)
    assert len(fake.followups_for(iid)) == 1 and fake.callbacks_for(iid) == []  # once, no second acknowledgement


@pytest.mark.parametrize("tapped", [True, False], ids=["answered-before-the-crash", "died-on-arrival"])
async def test_a_face_square_press_accepted_before_a_crash_finishes_the_mix_once(
        fake, start_bot, face_jpegs, gradient_png, tmp_path, tapped):
    """The crashed run took the press (and, `tapped`, had recorded the square in the kept question)
    but died before the mix went out: after the restart the journal replays the press, the kept
    question is mixed with the photos and names it was asked with, once, and a second press on the
    same square is told the question has expired."""
    path = tmp_path / "kitten.db"
    bot = await start_bot()
    tom = fake.attachment_payload("tom.jpg", face_jpegs[0], "image/jpeg")
    wall = fake.attachment_payload("wall.png", gradient_png, "image/png")
    question = await fake.first_followup(await fake.inject(fake.slash("mix", {"frames": 3},
                                                                      attachments={"cat1": tom, "cat2": wall})))
    assert question.content == t("face_where", "en", which=t("second_photo", "en"), minutes=5)
    await bot.close()

    custom_id = square(question.message, "5")
    press = fake.button(question.message, custom_id)
    if tapped:
        token = custom_id.split(":")[2]
        storage = await open_storage(path)
        try:
            asks = FaceAsks(wait_s=300)
            asks.keep_in(SqliteKept(storage.db))
            assert await asks.recall(token) is not None
            asks.tap(token, USER_ID, FaceHint.parse(custom_id.rsplit(":", 1)[1]))
            await asks.flush()
        finally:
            await storage.close()
    await accept_as_the_crashed_run(path, press)
    fake._ws_ready.clear()
    bot = await start_bot()
    iid = int(press["id"])
    result = await fake.first_followup(iid)
    assert not result.ephemeral and Image.open(io.BytesIO(result.files[0].data)).n_frames == 3
    assert "tom.jpg" in result.content and "wall.png" in result.content
    await fake.wait_for(lambda: state(path, iid) == "done" and kept(path, "face_asks") == 0, 5)
    await asyncio.sleep(0.3)
    assert len(fake.followups_for(iid)) == 1 and fake.callbacks_for(iid) == []

    again = await fake.inject(fake.button(question.message, custom_id))
    expired = await fake.first_callback(again)  # answered: the square again mixes nothing
    assert expired.ephemeral and expired.content == t("face_expired", "en")
    await fake.wait_for(lambda: state(path, again) == "done", 5)
    await asyncio.sleep(0.3)
    assert not fake.followups_for(again)


async def test_a_press_whose_answer_discord_lost_is_answered_by_the_sweep(fake, start_bot, face_jpegs, tmp_path,
                                                                          caplog):
    """The platform-error half of "nothing accepted is lost": the result's follow-up loses its
    connection, the press stays open in the journal, and the sweep answers it, once, in the same process."""
    path = tmp_path / "kitten.db"
    await start_bot(journal_retry_s=1.5)
    first = await mix(fake, face_jpegs, frames=3)
    fake.followup_drops = 1
    iid = await fake.inject(fake.button(first.message, result_buttons(first.message)["swap"]))
    await fake.wait_for(lambda: f"token-{iid}" in fake.failed_followups)
    await fake.wait_for(lambda: any("will be tried again" in r.getMessage() for r in caplog.records))
    assert state(path, iid) == "open"
    swapped = await fake.first_followup(iid, timeout=15)
    assert frames(swapped.files[0].data) == 3 and swapped.files[0].data != first.files[0].data
    await fake.wait_for(lambda: state(path, iid) == "done", 5)
    await asyncio.sleep(0.3)
    assert len(fake.followups_for(iid)) == 1 and len(fake.callbacks_for(iid)) == 1  # one "thinking...", one answer


async def test_a_roll_again_press_is_journaled_and_done_once_answered(fake, start_bot, tmp_path):
    await start_bot()
    first = await fake.first_followup(await fake.inject(fake.slash("random", {"count": 2})))
    [row] = first.message["components"]
    [button] = row["components"]
    iid = await fake.inject(fake.button(first.message, button["custom_id"]))
    again = await fake.first_followup(iid)
    assert again.files and not again.ephemeral
    await fake.wait_for(lambda: state(tmp_path / "kitten.db", iid) == "done", 5)
    assert rows(tmp_path / "kitten.db")[str(iid)][1]["interaction"]["data"]["custom_id"] == button["custom_id"]
