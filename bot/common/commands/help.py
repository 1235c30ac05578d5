"""The one list of chat commands, and the help and command menus built from it.

Adding a command to the bots means one entry in COMMANDS (plus its `cmd_<key>` line in texts.py):
both help replies list it, Telegram's command menu (set_my_commands) offers it, and the tests
check that each platform really answers it (tests/bot/*/test_*_help.py). Discord's own command
description is the same `cmd_<key>` text, given where the cog declares the command.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.common.texts import t

TELEGRAM, DISCORD = "telegram", "discord"


@dataclass(frozen=True)
class Command:
    name: str  # the command's word: Discord's only one, Telegram's in the English menu
    key: str  # texts.py `cmd_<key>`: the one-line description (menus, help, Discord's command list)
    aliases: tuple[str, ...] = ()  # other words Telegram answers to (/gatos, /start)
    local: dict[str, str] = field(default_factory=dict)  # lang -> the name Telegram's menu shows instead
    examples: dict[str, str] = field(default_factory=dict)  # platform -> what follows the name in help's example
    platforms: frozenset[str] = frozenset({TELEGRAM, DISCORD})

    def shown_name(self, platform: str, lang: str) -> str:
        """The name a person reads in help and in the menu (Discord names don't change by language)."""
        return self.local.get(lang, self.name) if platform == TELEGRAM else self.name

    def words(self) -> tuple[str, ...]:
        """Every word Telegram answers to with this command."""
        return (self.name, *self.aliases, *(n for n in self.local.values() if n not in self.aliases))


COMMANDS: tuple[Command, ...] = (
    Command("mix", "mix"),
    Command("cats", "cats", aliases=("gatos",), examples={TELEGRAM: "2", DISCORD: "page:2"}),
    Command("kittens", "kittens", aliases=("gatitos",), local={"es": "gatitos"},
            examples={TELEGRAM: "12 47", DISCORD: "cats:12 47"}),
    Command("blend", "blend", examples={TELEGRAM: "#12 #47 70 30", DISCORD: "cats:12 47 weights:70 30"}),
    Command("map", "map", aliases=("mapa",), examples={TELEGRAM: "12 47", DISCORD: "cats:12 47"}),
    Command("cat", "cat", aliases=("gato",), local={"es": "gato"}, examples={TELEGRAM: "12", DISCORD: "cats:12"}),
    Command("random", "random", examples={TELEGRAM: "4 42", DISCORD: "count:4 seed:42"}),
    Command("adopt", "adopt", examples={TELEGRAM: "Felix", DISCORD: "name:Felix photo:📎"}),
    Command("forget", "forget", examples={TELEGRAM: "Felix", DISCORD: "name:Felix"}),
    Command("help", "help", aliases=("start",)),
)

# What /help shows as its mix example, on each platform.
MIX_EXAMPLE = {TELEGRAM: "/mix 16 grid", DISCORD: "/mix cat1:📎 cat2:📎 frames:16 format:grid"}


def commands_on(platform: str) -> tuple[Command, ...]:
    return tuple(c for c in COMMANDS if platform in c.platforms)


def command(name: str) -> Command:
    """The entry for a command word (any of its names), e.g. for a platform's registration."""
    for c in COMMANDS:
        if name == c.name or name in c.words():
            return c
    raise KeyError(name)


def menu(platform: str, lang: str) -> list[tuple[str, str]]:
    """(name, description) for each command, in the list's order: Telegram's set_my_commands."""
    return [(c.shown_name(platform, lang), t(f"cmd_{c.key}", lang)) for c in commands_on(platform)]


def help_text(platform: str, lang: str) -> str:
    """/help: how to mix on this platform, with an example, then one line per command."""
    intro = t("help", lang, mix_how=t(f"mix_how_{platform}", lang), example=MIX_EXAMPLE[platform])
    lines = []
    for c in commands_on(platform):
        name, what = "/" + c.shown_name(platform, lang), t(f"cmd_{c.key}", lang)
        example = c.examples.get(platform)
        lines.append(t("help_line_example", lang, command=name, what=what, example=f"{name} {example}")
                     if example else t("help_line", lang, command=name, what=what))
    return intro + "\n\n" + "\n".join(lines)
