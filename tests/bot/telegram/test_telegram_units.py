"""Small pure pieces: option words, configuration errors, log scrubbing (the line: tests/bot/common)."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tg_fake_api import TOKEN

from bot.common.options import DEFAULT_RANDOM, OptionError, parse_mix_options, parse_random_args
from bot.common.settings import Secret, Settings
from bot.telegram.app import ConfigError, build_application, run
from bot.telegram.logs import RedactSecrets
from vae_core.engine import MAX_FRAMES, MIN_FRAMES, MixOptions


def test_mix_words_in_any_order_and_case():
    assert parse_mix_options(["16", "GRID", "slerp", "boomerang"]) == MixOptions(16, "grid", "slerp", True)
    assert parse_mix_options([]) == MixOptions()
    assert parse_mix_options(["grid", "gif", "4"]) == MixOptions(frames=4, format="gif")


@pytest.mark.parametrize("word", ["banana", "1", "33", "-4", "4.5", "٣٣", "slerpy"])
def test_unknown_or_out_of_range_words_are_refused(word):
    with pytest.raises(OptionError) as e:
        parse_mix_options(["grid", word])
    assert e.value.word == word


@given(st.integers(MIN_FRAMES, MAX_FRAMES), st.sampled_from(["gif", "grid"]), st.sampled_from(["linear", "slerp"]),
       st.booleans(), st.randoms())
def test_any_valid_option_set_parses_to_valid_options(frames, fmt, path, boomerang, rnd):
    words = [str(frames), fmt, path] + (["boomerang"] if boomerang else [])
    rnd.shuffle(words)
    opts = parse_mix_options(words)
    opts.validate()
    assert (opts.frames, opts.format, opts.path, opts.boomerang) == (frames, fmt, path, boomerang)


def test_random_args():
    assert parse_random_args([]).count == DEFAULT_RANDOM
    assert parse_random_args(["4", "42"]) == parse_random_args(["4", "42"])
    assert (parse_random_args(["4", "42"]).count, parse_random_args(["4", "42"]).seed) == (4, 42)
    for bad in (["0"], ["17"], ["x"], ["4", "-1"], ["1", "2", "3"], ["4", str(2**64)]):
        with pytest.raises(OptionError):
            parse_random_args(bad)


def test_missing_token_is_a_clear_error(engine):
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        build_application(Settings(), engine)
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        run(Settings.from_env({}, dotenv=None))  # fails before loading any weights


def test_webhook_needs_its_extra_or_says_so():
    try:
        import tornado  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match="webhooks"):
            run(Settings(telegram_bot_token=Secret(TOKEN), telegram_webhook_url="https://example.org/hook"))
    else:
        pytest.skip("tornado is installed: webhook mode is supported")


def test_log_records_never_show_the_token():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "POST %s/getMe failed", (f"/bot{TOKEN}",), None)
    try:
        raise RuntimeError(f"url https://api.telegram.org/bot{TOKEN}/getMe")
    except RuntimeError as e:
        record.exc_info = (type(e), e, e.__traceback__)
    RedactSecrets(TOKEN).filter(record)
    text = logging.Formatter().format(record)
    assert TOKEN not in text and "/bot***/getMe" in text
