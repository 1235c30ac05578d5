""""Where's the face?" questions outlive the bot process on Discord (issue 24): real discord.py
against the fake Discord and a real SQLite file (the embedded default). The bot is closed and
started again between the question and the press: the press finishes /mix (the same options and
file names), /kittens and /adopt with the photos the question kept, once.
"""

from __future__ import annotations

import asyncio
import io
import sqlite3

import pytest
from dc_fake_discord import GUILD_ID
from kept_rows import kept
from PIL import Image

from bot.common.adoption import scope_for
from bot.common.texts import t


def press_id(message: dict, label: str) -> str:
    return next(b["custom_id"] for row in message["components"] for b in row["components"] if b["label"] == label)


@pytest.fixture
async def restart(fake, start_bot, tiny_gallery):
    async def go(bot):
        await bot.close()  # a restart on the same file
        fake._ws_ready.clear()
        return await start_bot(kitten_gallery=tiny_gallery)

    return go


async def test_a_mix_question_pressed_after_a_restart_finishes_the_mix_once(fake, start_bot, restart, tiny_gallery,
                                                                            face_jpegs, gradient_png, tmp_path):
    bot = await start_bot(kitten_gallery=tiny_gallery)
    tom = fake.attachment_payload("tom.jpg", face_jpegs[0], "image/jpeg")
    wall = fake.attachment_payload("wall.png", gradient_png, "image/png")
    iid = await fake.inject(fake.slash("mix", {"frames": 3}, attachments={"cat1": tom, "cat2": wall}))
    question = await fake.first_followup(iid)
    assert question.content == t("face_where", "en", which=t("second_photo", "en"), minutes=5)
    assert kept(tmp_path / "kitten.db", "face_asks") == 1

    await restart(bot)
    press = await fake.inject(fake.button(question.message, press_id(question.message, "5")))
    result = await fake.first_followup(press)
    assert not result.ephemeral and Image.open(io.BytesIO(result.files[0].data)).n_frames == 3
    assert "tom.jpg" in result.content and "wall.png" in result.content  # the names it was asked with
    await fake.wait_for(lambda: kept(tmp_path / "kitten.db", "face_asks") == 0, 5)  # a write behind the answer

    again = await fake.inject(fake.button(question.message, press_id(question.message, "5")))
    expired = await fake.first_callback(again)  # answered: the same square again mixes nothing
    assert expired.data.get("content") == t("face_expired", "en")
    await asyncio.sleep(0.3)
    assert not fake.followups_for(again)


async def test_kittens_and_adopt_questions_pressed_after_a_restart(fake, start_bot, restart, tiny_gallery,
                                                                   face_jpegs, gradient_png, tmp_path):
    bot = await start_bot(kitten_gallery=tiny_gallery)
    tom = fake.attachment_payload("tom.jpg", face_jpegs[0], "image/jpeg")
    wall = fake.attachment_payload("wall.png", gradient_png, "image/png")
    iid = await fake.inject(fake.slash("kittens", {"seed": 5}, attachments={"cat1": tom, "cat2": wall}))
    litter_question = await fake.first_followup(iid)
    iid = await fake.inject(fake.slash("adopt", {"name": "Luna"}, attachments={"photo": wall}))
    adopt_question = await fake.first_followup(iid)
    assert adopt_question.content == t("face_where", "en", which=t("the_photo", "en"), minutes=5)

    await restart(bot)
    press = await fake.inject(fake.button(litter_question.message, press_id(litter_question.message, "5")))
    litter = await fake.first_followup(press)
    assert "tom.jpg" in litter.content and "wall.png" in litter.content and "seed 5" in litter.content
    press = await fake.inject(fake.button(adopt_question.message, press_id(adopt_question.message, "5")))
    done = await fake.first_followup(press)
    assert (done.content, done.ephemeral) == (t("adopt_done", "en", name="Luna"), False)
    conn = sqlite3.connect(tmp_path / "kitten.db")
    try:
        assert conn.execute("SELECT scope, name FROM adopted_cats").fetchall() == [
            (scope_for("discord", GUILD_ID), "Luna")]
    finally:
        conn.close()
