"""Hostile and careless input on Discord (issue 21, parity with tests/bot/telegram/test_telegram_hostile.py):
over-long texts are cut in one place, and every button press is answered.

The real discord.py against the local fake Discord, which refuses a content over 2,000 characters
as Discord does (400 "Invalid Form Body").
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from dc_fake_discord import CONTENT_LIMIT

import bot.discord
from bot.common.fitting import ELLIPSIS


async def test_an_answer_over_2000_characters_is_cut_not_refused(fake, start_bot, monkeypatch):
    """Defect 4's parity: a text too long for Discord reaches the user cut, with "…", instead of
    a refused answer and the generic apology."""
    import bot.discord.cogs.help as help_cog

    monkeypatch.setattr(help_cog, "help_text", lambda lang: "h" * 4500)
    await start_bot()
    answer = await fake.first_callback(await fake.inject(fake.slash("help")))
    assert answer.ephemeral and answer.content == "h" * (CONTENT_LIMIT - 1) + ELLIPSIS
    assert fake.refused == []


def test_no_handler_sends_text_around_the_one_place_that_cuts_it():
    """Every message content goes through bot/discord/say.py, so none can exceed the limit."""
    root = Path(bot.discord.__file__).parent
    direct = re.compile(r"\.response\.send_message\(|\.followup\.send\(|\.edit_original_response\(|"
                        r"\.response\.edit_message\([^)]*content")
    offenders = [f"{p.relative_to(root)}:{n}" for p in root.rglob("*.py") if p.name != "say.py"
                 for n, line in enumerate(p.read_text().splitlines(), 1) if direct.search(line)]
    assert offenders == []


FORGED = ["", "x", "kitten-mixer", "kitten-mixer:mx", "kitten-mixer:mx:AAAAAAAA:swap", "kitten-mixer:mx:short:swap",
          "kitten-mixer:cats:-1", "kitten-mixer:cats:0", "kitten-mixer:cats:999", "kitten-mixer:roll:abc",
          "kitten-mixer:roll:0", "kitten-mixer:roll:99", "kitten-mixer:face:0000000000:3", "kitten-mixer:face:zz:3",
          "kitten-mixer:retry:nothing", "x" * 100]


async def test_every_forged_button_press_is_answered_privately_and_nothing_is_public(fake, start_bot, caplog):
    """Defect 9's parity: a component interaction with empty, unknown or malformed data is answered
    (else Discord shows "This interaction failed") with a short private note, never a public message."""
    await start_bot()
    iids = []
    for custom_id in FORGED:  # each on a message of the bot's that carries it, as a modified client could send
        button = {"type": 2, "style": 2, "label": "?", "custom_id": custom_id}
        message = fake.message(content="a result", components=[{"type": 1, "components": [button]}])
        iids.append(await fake.inject(fake.button(message, custom_id)))
    await fake.wait_for(lambda: all(fake.callbacks_for(i) for i in iids))
    await asyncio.sleep(0.5)
    for custom_id, iid in zip(FORGED, iids, strict=True):
        answers = fake.callbacks_for(iid) + fake.followups_for(iid)
        public = [a for a in answers if getattr(a, "type", 4) != 5 and not a.ephemeral]
        assert public == [], custom_id
        texts = [a.content for a in answers if a.content]
        assert len(texts) == 1 and len(texts[0]) < 200, (custom_id, texts)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
