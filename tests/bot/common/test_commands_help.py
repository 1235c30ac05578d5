"""The one command list (bot/common/commands/help.py): menus and help built from it, in both languages."""

from __future__ import annotations

import re

import pytest

from bot.common.commands.help import COMMANDS, DISCORD, TELEGRAM, command, commands_on, help_text, menu
from bot.common.texts import TEXTS, t

LANGS = sorted(TEXTS)


@pytest.mark.parametrize("lang", LANGS)
def test_telegram_menu_follows_the_bot_api_rules(lang):
    entries = menu(TELEGRAM, lang)
    names = [name for name, _ in entries]
    assert len(names) == len(set(names)) == len(commands_on(TELEGRAM))
    for name, what in entries:
        assert re.fullmatch(r"[a-z0-9_]{1,32}", name), name  # setMyCommands: 1-32 of a-z, 0-9, _
        assert 3 <= len(what) <= 100, what  # 3-256 on Telegram; Discord descriptions stop at 100


def test_the_spanish_menu_and_help_use_the_spanish_name_where_there_is_one():
    assert ("gatitos", t("cmd_kittens", "es")) in menu(TELEGRAM, "es")
    assert ("kittens", t("cmd_kittens", "en")) in menu(TELEGRAM, "en")
    assert "/gatitos 12 47" in help_text(TELEGRAM, "es")
    assert "/kittens cats:12 47" in help_text(DISCORD, "es")  # Discord's command names don't change by language


@pytest.mark.parametrize("platform", [TELEGRAM, DISCORD])
@pytest.mark.parametrize("lang", LANGS)
def test_help_has_the_platforms_way_to_mix_and_one_line_per_command(platform, lang):
    text = help_text(platform, lang)
    assert t(f"mix_how_{platform}", lang) in text
    lines = text.split("\n\n")[-1].splitlines()
    assert len(lines) == len(commands_on(platform))
    for line, c in zip(lines, commands_on(platform), strict=True):
        assert line.startswith(f"/{c.shown_name(platform, lang)} — {t('cmd_' + c.key, lang)}")
        if c.examples.get(platform):
            assert line.endswith(f"/{c.shown_name(platform, lang)} {c.examples[platform]})")


def test_every_word_belongs_to_one_command():
    words = [w for c in COMMANDS for w in c.words()]
    assert len(words) == len(set(words))
    assert command("gatitos").name == "kittens" and command("start").name == "help"
    with pytest.raises(KeyError):
        command("nope")
