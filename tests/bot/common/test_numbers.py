"""Numbers in any script's digits mean the same everywhere; signs and separators are not numbers."""

import pytest

from bot.common.numbers import is_negative_number, whole_number
from bot.common.options import parse_random_args
from bot.common.sources import GalleryPick, hash_number, split_cat_words


@pytest.mark.parametrize("word, value", [("12", 12), ("١٢", 12), ("۱۲", 12), ("१२", 12), (" 7 ", 7), ("0", 0)])
def test_decimal_digits_of_any_script_are_numbers(word, value):
    assert whole_number(word) == value


@pytest.mark.parametrize("word", ["", "-1", "+3", "1_6", "1.5", "²", "12a", "1 2", "9" * 101])
def test_anything_else_is_not_a_number(word):
    assert whole_number(word) is None


def test_negative_numbers_are_told_apart_from_words():
    assert is_negative_number("-1") and is_negative_number("−3")
    assert not is_negative_number("-") and not is_negative_number("-x") and not is_negative_number("4")


def test_every_parser_reads_other_scripts_alike():
    assert hash_number("#١٢") == 12
    assert split_cat_words(["١٢", "٤٧"]).picks == [GalleryPick(12), GalleryPick(47)]
    assert parse_random_args(["٤", "٤٢"]).count == 4
