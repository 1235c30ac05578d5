"""The command payload the bot registers, checked against Discord's documented rules."""

from __future__ import annotations

import re

import pytest

from bot.common.texts import t

# Discord: ^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$, lowercase for slash commands. Python's `\w`
# (letters, digits, underscore) is the same set for the names used here.
NAME = re.compile(r"^[-_\w]{1,32}$")
OPTION_TYPES = {"STRING": 3, "INTEGER": 4, "BOOLEAN": 5, "ATTACHMENT": 11}


@pytest.fixture
async def commands(fake, start_bot) -> dict[str, dict]:
    await start_bot()
    await fake.wait_for(lambda: fake.syncs)
    guild, payload = fake.syncs[0]
    assert guild is None  # no DISCORD_GUILD_ID: global sync
    return {c["name"]: c for c in payload}


def check_text(value: str, limit: int = 100) -> None:
    assert 1 <= len(value) <= limit, value


def test_slash_commands_follow_discords_rules(commands):
    assert set(commands) == {"mix", "random", "help", "resync", "Mix these cats", "adopt", "forget", "cats", "map",
                             "kittens", "blend", "cat"}
    for name in ("mix", "random", "help", "resync", "cats", "map", "kittens", "blend", "cat"):
        cmd = commands[name]
        assert cmd["type"] == 1
        assert NAME.match(name) and name == name.lower()
        check_text(cmd["description"])
        for locale, text in (cmd.get("description_localizations") or {}).items():
            check_text(text)
            assert locale.startswith("es")
        options = cmd.get("options", [])
        assert len(options) <= 25
        seen_optional = False
        for opt in options:
            assert NAME.match(opt["name"]) and opt["name"] == opt["name"].lower()
            check_text(opt["description"])
            for text in (opt.get("description_localizations") or {}).values():
                check_text(text)
            assert len(opt.get("choices") or []) <= 25
            # Discord rejects a required option after an optional one.
            if opt.get("required"):
                assert not seen_optional
            else:
                seen_optional = True


def test_mix_options(commands):
    opts = {o["name"]: o for o in commands["mix"]["options"]}
    assert list(opts) == ["cat1", "cat2", "frames", "format", "path", "boomerang", "size", "cats", "cat3", "cat4"]
    assert opts["cat1"]["type"] == opts["cat2"]["type"] == opts["cat4"]["type"] == OPTION_TYPES["ATTACHMENT"]
    # optional since issue 13: gallery numbers or names (`cats`) can stand in for photos
    assert not any(o.get("required") for o in opts.values())
    assert opts["cats"]["type"] == OPTION_TYPES["STRING"]
    assert opts["frames"]["type"] == OPTION_TYPES["INTEGER"]
    assert (opts["frames"]["min_value"], opts["frames"]["max_value"]) == (2, 32)
    assert {c["value"] for c in opts["format"]["choices"]} == {"gif", "grid"}
    assert {c["value"] for c in opts["path"]["choices"]} == {"linear", "slerp"}
    assert opts["boomerang"]["type"] == OPTION_TYPES["BOOLEAN"]
    assert opts["size"]["type"] == OPTION_TYPES["INTEGER"]
    assert [c["value"] for c in opts["size"]["choices"]] == [256, 384]
    assert opts["size"]["description_localizations"]["es-ES"] == t("dc_opt_size", "es")
    assert commands["mix"]["description"] == t("cmd_mix")
    assert commands["mix"]["description_localizations"]["es-ES"] == t("cmd_mix", "es")
    assert opts["frames"]["description_localizations"]["es-419"] == t("dc_opt_frames", "es")


def test_random_options(commands):
    opts = {o["name"]: o for o in commands["random"]["options"]}
    assert (opts["count"]["type"], opts["count"]["min_value"], opts["count"]["max_value"]) == (4, 1, 16)
    assert opts["seed"]["type"] == 4 and opts["seed"]["min_value"] == 0
    assert opts["seed"]["max_value"] <= 2**53  # Discord's limit for integer options
    assert not opts["count"].get("required") and not opts["seed"].get("required")


def test_context_menu_is_a_message_command_without_description(commands):
    menu = commands["Mix these cats"]
    assert menu["type"] == 3
    assert menu.get("description", "") == ""
    assert "options" not in menu or menu["options"] == []
    assert 1 <= len(menu["name"]) <= 32


def test_resync_is_hidden_from_members(commands):
    assert int(commands["resync"]["default_member_permissions"]) == 8  # administrators only


def test_no_privileged_intents(fake, commands):
    intents = fake.identify["intents"]
    privileged = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
    assert intents & privileged == 0


def test_where_each_command_may_be_installed_and_used(commands):
    """Issue 23 (bot/discord/installs.py): integration_types 0 server / 1 user install; contexts 0 a
    server, 1 the bot's DM, 2 other DMs and group DMs. Set on every command, never left to defaults."""
    anywhere = {"mix", "Mix these cats", "random", "cats", "map", "kittens", "blend", "cat", "help"}
    for name, cmd in commands.items():
        if name in anywhere:
            assert (cmd["integration_types"], cmd["contexts"]) == ([0, 1], [0, 1, 2]), name
        else:  # /adopt, /forget keep cats where the bot is; /resync is the owner's
            assert name in {"adopt", "forget", "resync"}
            assert (cmd["integration_types"], cmd["contexts"]) == ([0], [0, 1]), name
