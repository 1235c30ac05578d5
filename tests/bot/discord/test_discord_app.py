"""Start-up: `run(settings)` failing clearly, the sharded variant, and surviving engine failures."""

from __future__ import annotations

import logging

import pytest
from discord.ext import commands

from bot.common.settings import Secret, Settings
from bot.common.texts import t
from bot.discord.app import MISSING_TOKEN, run


def test_run_without_a_token_says_what_to_do(tmp_path):
    with pytest.raises(SystemExit) as exc:
        run(Settings(discord_bot_token=Secret("  "), kitten_weights=tmp_path / "none.safetensors"))
    assert str(exc.value) == MISSING_TOKEN


def test_run_with_missing_weights_names_the_file_not_the_token(tmp_path):
    missing = tmp_path / "nope.safetensors"
    with pytest.raises(SystemExit) as exc:
        run(Settings(discord_bot_token=Secret("sekrit-token"), kitten_weights=missing))
    assert str(missing) in str(exc.value) and "KITTEN_WEIGHTS" in str(exc.value)
    assert "sekrit" not in str(exc.value)


async def test_sharded_bot_asks_for_the_gateway_and_serves(fake, start_bot):
    bot = await start_bot(discord_sharded=True)
    assert isinstance(bot, commands.AutoShardedBot)
    assert fake.identify["shard"] == [0, 1]
    iid = await fake.inject(fake.slash("help", locale="es-419"))
    answer = await fake.first_callback(iid)
    assert answer.ephemeral and t("mix_how_discord", "es") in answer.content


async def test_an_unexpected_failure_is_answered_privately_and_the_bot_goes_on(fake, start_bot, caplog):
    bot = await start_bot()
    bot.services.engine.close()  # the worker pool is gone: every job now fails inside the engine
    iid = await fake.inject(fake.slash("random", {"count": 1}))
    answer = await fake.first_followup(iid)
    assert answer.ephemeral and answer.content == t("internal_error")
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "Traceback" in errors[0].getMessage()  # logged with its traceback (cut messages)
    caplog.clear()  # expected here; any other test logging an error fails (see conftest)

    iid = await fake.inject(fake.slash("help"))
    assert (await fake.first_callback(iid)).content.startswith(t("help", mix_how="", example="")[:20])


async def test_a_failing_request_leaves_only_a_cut_form_of_a_long_option_in_the_log(fake, start_bot, caplog,
                                                                                      monkeypatch):
    """Privacy (issue 21): a bug whose exception quotes the user's text (here `int()` on a 4,000-
    character `cats` option) must not copy it into the log; the traceback keeps a cut, quoted form."""
    import bot.discord.cogs.gallery as gallery
    from bot.common.logtext import LOG_QUOTE_CHARS

    def buggy(words, *args, **kwargs):
        return int(" ".join(words))  # ValueError: invalid literal for int() with base 10: 'zzz…'

    monkeypatch.setattr(gallery, "plan_kittens", buggy)  # the cog's call into the shared plan
    await start_bot()
    iid = await fake.inject(fake.slash("kittens", {"cats": "z" * 4000}))
    answer = await fake.first_callback(iid)
    assert answer.ephemeral and answer.content == t("internal_error")
    logged = caplog.text
    assert "z" * LOG_QUOTE_CHARS not in logged
    assert "invalid literal for int() with base 10: 'z" in logged and "Traceback" in logged and "in buggy" in logged
    caplog.clear()  # the one expected error
