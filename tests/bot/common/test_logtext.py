"""Tracebacks without users' words (bot/common/logtext.py, issue 21 privacy)."""

from __future__ import annotations

import logging

from bot.common.logtext import LOG_QUOTE_CHARS, SafeTracebacks, hide, quoted, safe_traceback


def _raised(make) -> BaseException:
    try:
        make()
    except BaseException as e:  # noqa: BLE001 - the test wants whatever was raised
        return e
    raise AssertionError("nothing raised")


def test_a_long_message_is_cut_and_quoted_and_the_frames_stay():
    error = _raised(lambda: int("Q" * 4096))
    text = safe_traceback(error)
    assert "Q" * LOG_QUOTE_CHARS not in text and "Q" * 10 in text
    assert text.startswith("Traceback (most recent call last):") and "in <lambda>" in text
    last = text.splitlines()[-1]
    assert last.startswith("ValueError: \"invalid literal for int() with base 10: 'QQ") and last.endswith("…\"")


def test_line_breaks_in_a_message_cannot_forge_log_lines():
    text = safe_traceback(_raised(lambda: (_ for _ in ()).throw(KeyError("x\nERROR root: forged"))))
    assert "\nERROR root: forged" not in text and "\\n" in text


def test_causes_and_contexts_are_cut_too_and_keep_their_order():
    def chained():
        try:
            float("70,5" + "9" * 500)
        except ValueError as e:
            raise RuntimeError("weights " + "8" * 500) from e

    text = safe_traceback(_raised(chained))
    assert "9" * LOG_QUOTE_CHARS not in text and "8" * LOG_QUOTE_CHARS not in text
    assert text.index("ValueError") < text.index("direct cause") < text.index("RuntimeError")


def test_a_secret_is_hidden_before_the_cut_so_no_half_of_it_stays():
    secret = "123456:" + "S" * 40
    hide(secret)
    text = safe_traceback(_raised(lambda: (_ for _ in ()).throw(OSError(f"https://example.org/bot{secret}/x"))))
    assert "SSSS" not in text and "bot***/x" in text


def test_the_handler_filter_renders_any_records_traceback_safely():
    error = _raised(lambda: int("W" * 3000))
    record = logging.LogRecord("lib", logging.ERROR, __file__, 1, "Ignoring exception", None,
                               (type(error), error, error.__traceback__))
    assert SafeTracebacks().filter(record)
    formatted = logging.Formatter().format(record)
    assert "W" * LOG_QUOTE_CHARS not in formatted and "Ignoring exception" in formatted


def test_quoted_is_short_and_repr():
    assert quoted("70,5") == "'70,5'"
    assert len(quoted("x" * 5000)) == LOG_QUOTE_CHARS + 2
