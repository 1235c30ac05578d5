"""Recognise our commands in message text *and* photo captions.

PTB's CommandHandler only reads `message.text`, but `/mix` typed as the caption of a photo or an
album is the most natural way to ask for a mix, so one parser serves both. In groups a command
may be addressed `/mix@SomeBot`: we take our own and ignore other bots'.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, MessageEntity
from telegram.ext import filters


@dataclass(frozen=True)
class Command:
    name: str  # lower case, without the slash and the @bot suffix
    args: list[str]


def parse_command(message: Message, bot_username: str | None) -> Command | None:
    """The command that starts this message's text or caption, if it is addressed to us."""
    if message.text is not None:
        text, entities = message.text, message.entities
    elif message.caption is not None:
        text, entities = message.caption, message.caption_entities
    else:
        return None
    first = entities[0] if entities else None
    if first is None or first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    # Offsets are UTF-16 units, but a command is ASCII, so for it they equal str indexes.
    token = text[: first.length]
    name, _, target = token[1:].partition("@")
    if target and (not bot_username or target.lower() != bot_username.lower()):
        return None
    return Command(name.lower(), text[first.length:].split())


class CommandFilter(filters.MessageFilter):
    """Matches a message whose text or caption starts with one of our commands."""

    def __init__(self, *names: str):
        super().__init__(name=f"CommandFilter({', '.join(names)})")
        self.names = frozenset(n.lower() for n in names)

    def filter(self, message: Message) -> bool:
        command = parse_command(message, message.get_bot().username)
        return command is not None and command.name in self.names
