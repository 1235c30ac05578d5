"""The platform-neutral half of every chat command: what was asked, whether it can be done, and what to send.

Each command family has one module here (`mix`, `random`, `gallery`, `adopt`...) with:
- a `plan(...)` function: the words/options the platform parsed, how many photos came, the chat's
  names -> a plan, or a `Refusal` naming in texts.py what was wrong. Every check on counts,
  numbers, names, seeds, weights and frames is made here, once, with one set of messages;
- the plan's `make(...)`: engine work -> a `Made` (the picture, its caption, and the cats kept
  for the result buttons and for `/map` right after).

Telegram, Discord and the CLI parse their input into the same plan and send what it makes: a
platform file keeps only fetching photos, its job runner and sending. So a new command, or a
new front end (inline mode), is mostly written here and tested without a chat platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.common.cat_names import could_be_name
from bot.common.texts import t

if TYPE_CHECKING:
    from bot.common.results import MixState
    from vae_core.engine import Reply


@dataclass(frozen=True)
class Refusal:
    """A request we won't start, and the sentence that says why (texts.py `key` with `params`),
    optionally followed by the command's usage line (`usage`, a texts.py key)."""

    key: str
    params: dict[str, object] = field(default_factory=dict)
    usage: str | None = None

    def text(self, lang: str) -> str:
        said = t(self.key, lang, **self.params)
        return f"{said}\n{t(self.usage, lang)}" if self.usage else said


@dataclass(frozen=True)
class Made:
    """What a command made, ready to send: the picture, its caption, and what it leaves behind."""

    reply: Reply
    caption: str
    state: MixState | None = None  # a mix: the cats and options the result buttons continue from
    remember: bool = False  # the chat's "last mix" for `/map` with no cats (bot/common/catalog.py)


def unknown_name(word: str) -> Refusal | None:
    """A capitalised word that is no option and no cat of this chat was most likely meant as a
    cat's name ("/mix Luna 12" in a chat without Luna): say that, not "I don't know the option"."""
    w = word.strip()
    if w[:1].isupper() and could_be_name(w):
        return Refusal("unknown_cat_name", {"word": w})
    return None
