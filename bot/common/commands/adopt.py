"""/adopt NAME and /forget NAME | all: the platform-neutral half, for every front end.

`plan(words, photos)` and `plan_forget(words)` make every check once, with one set of messages:
a missing name or photo (the usage line), the name rules of bot/common/cat_names.py (digits in
any script are numbers there too: "١٢" is refused like "12", as a gallery number), several words
for one name, "all" for /forget. `Adopt.make` then finds and encodes the face and keeps the latent;
`Forget.make` forgets. Both answer with `Done` (said publicly) or a `Refusal` (said to the asker);
the database's own refusals (a taken name, a full chat, storage down) come back the same way.

A photo without a confident cat face is not adopted from its middle, and not refused either:
`Adopt.make` lets the engine's FaceNotFound through, the platform asks "where's the face? tap its
square" about the photo it kept (bot/common/face_asks.py), and the tap calls `make` again with
the square as the hint. That holds for any picture /adopt is given, the bot's own GIF included
(Telegram: /adopt in reply to a mix; its first frame is the picture, as for any animation).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.common.adoption import AdoptedCats, adopted_list_text
from bot.common.cat_names import NameProblem, check_name, name_key
from bot.common.commands import Refusal
from bot.common.texts import t
from vae_core.engine import Engine
from vae_core.hints import FaceHint

USAGE = "adopt_usage"
FORGET_USAGE = "forget_usage"
EVERY_CAT = frozenset({"all", "todos"})  # /forget all (also reserved as names: cat_names.RESERVED)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Done:
    """What was done, to say publicly (the whole chat shares its cats): texts.py `key`, `params`."""

    key: str
    params: dict[str, object] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.params)


def _refusal(problem: NameProblem) -> Refusal:
    return Refusal(problem.key, dict(problem.params))


@dataclass(frozen=True)
class Adopt:
    """An adoption that may start: the name, already checked. The photo comes with the request."""

    name: str

    async def make(self, engine: Engine, adopted: AdoptedCats, scope: str, photo: bytes, user_id: int,
                   request: str, hint: FaceHint | None = None) -> Done | Refusal:
        """Keep the photo's cat under the name. `hint`: the square the user tapped (see the module
        docstring); without one, FaceNotFound is raised for a photo without a confident face.
        `request` (e.g. "telegram:<update id>") lets a replay of the same request say "adopted"."""
        [cat] = await engine.cats([photo], [hint])
        try:
            name = await adopted.adopt(scope, self.name, cat.z, user_id, request=request)
        except NameProblem as problem:  # taken, full, or the database can't be written now
            return _refusal(problem)
        return Done("adopt_done", {"name": name})


def plan(words: Sequence[str], photos: int) -> Adopt | Refusal:
    """The words after /adopt (Discord: its `name` option, as one word) and how many photos came
    (the message's own, or the one it replies to) -> the adoption, or what was wrong."""
    if not words or photos == 0:
        return Refusal(USAGE)
    try:
        # Several words can't be one name (no spaces): say so rather than adopt the first word.
        return Adopt(check_name(" ".join(words)))
    except NameProblem as problem:
        return _refusal(problem)


@dataclass(frozen=True)
class Forget:
    """/forget: one cat by `name`, or every cat of the chat (`name` None: chat admins only)."""

    name: str | None

    async def make(self, adopted: AdoptedCats, scope: str, admin: bool) -> Done | Refusal:
        """`admin`: whether the asker runs the chat (asked of the platform only for "all")."""
        try:
            if self.name is not None:
                return Done("forget_done", {"name": await adopted.forget(scope, self.name)})
            if not admin:
                return Refusal("forget_all_admins")
            count = await adopted.forget_all(scope)
        except NameProblem as problem:  # unknown name, or the database can't be used now
            return _refusal(problem)
        log.info("%s: all %d adopted cats forgotten by an admin", scope, count)
        return Done("forget_all_done", {"count": count})


def plan_forget(words: Sequence[str]) -> Forget | Refusal:
    """The words after /forget (Discord: its `name` option, as one word)."""
    if len(words) != 1 or not words[0].strip():
        return Refusal(FORGET_USAGE)
    word = words[0].strip()
    return Forget(None if name_key(word) in EVERY_CAT else word)


async def heading(adopted: AdoptedCats | None, scope: str, lang: str) -> str:
    """The chat's own cats, to put first on /cats (with a blank line after); "" when it has none."""
    if adopted is None:  # Telegram before its database is open
        return ""
    names = await adopted.names(scope)
    return adopted_list_text(names, lang, adopted.max_names) + "\n\n" if names else ""
