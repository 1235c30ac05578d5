""""Where's the face? Tap its square": the Discord side of asking when the finder isn't sure.

A /mix (or /kittens, /blend, /map) whose photo has no confident cat face gets, instead of a mix of
the photo's middle, that photo under a numbered 3x3 grid with buttons (bot/common/face_question
decides the picture, words and buttons). The photos wait in bot/common/face_asks; the owner's
press continues the same request through the command's own code (`resume`), so limits, errors and
the caption behave as for any /mix. A press after the wait, or by someone else, is answered
privately and changes nothing. The buttons are `DynamicItem`s and each question also says how it
finishes in plain data (a recipe, kept with its photos in the SQLite file or Redis), so a press
after a restart, or one that reaches another shard process, still finishes it: the command
registered how (`resumes_with`).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar

import discord

from bot.common.face_asks import FaceAsk, FaceAsks, TapResult, with_hints
from bot.common.face_question import QUESTION_FILENAME, FaceQuestion, make_question
from vae_core.engine import MixOptions, Reply
from vae_core.errors import FaceNotFound
from vae_core.hints import FaceHint

from .errors import answer_error, tell_privately
from .say import follow_up
from .services import Services, chat_of, lang_of, services

log = logging.getLogger(__name__)

Hints = Sequence[FaceHint | None]
# Called with the press's interaction and the hints: runs the original command again, photos kept.
Resume = Callable[[discord.Interaction, Hints], Awaitable[None]]
# A recipe's kind -> how to make its Resume again from the recipe and the kept question (after a restart).
Revive = Callable[[dict, FaceAsk], Resume]
_REVIVERS: dict[str, Revive] = {}


def resumes_with(kind: str, revive: Revive) -> None:
    """Register how questions of `kind` (a command's recipe) are finished when read back."""
    _REVIVERS[kind] = revive


def _revive(ask: FaceAsk) -> bool:
    """Give a question read back from the kept store its `resume` again (`extra` is memory only).
    False when its recipe names no known command (an older version's)."""
    if "resume" in ask.extra:
        return True
    recipe = ask.recipe or {}
    revive = _REVIVERS.get(recipe.get("kind", ""))
    if revive is None:
        return False
    ask.extra["resume"] = revive(recipe, ask)
    return True


def face_asks(svc: Services) -> FaceAsks:
    """The bot's store of questions (sized by FACE_ASK_TIMEOUT_S)."""
    return svc.face_asks


async def mix_or_ask(interaction: discord.Interaction, images: list, options: MixOptions,
                     hints: Hints | None, resume: Resume, recipe: dict | None = None) -> Reply | None:
    """The mix (with the user's hints when given), or None after asking where a face is. `images`:
    photo bytes, and ready Cats (gallery, adopted) that wait with them and are never asked about.
    `recipe`: how the question is finished after a restart (see `resumes_with`)."""
    engine = services(interaction).engine
    try:
        if hints is None:
            return await engine.mix(images, options)
        return await engine.mix(await with_hints(engine, images, hints), options)
    except FaceNotFound as missing:
        await ask_where(interaction, images, missing.photos, list(hints) if hints else None, resume, missing.dogs,
                        recipe)
        return None


async def ask_where(interaction: discord.Interaction, images: list, missing: list[int],
                    hints: list[FaceHint | None] | None, resume: Resume, dogs: Sequence[int] = (),
                    recipe: dict | None = None) -> None:
    """Ask where the face is in each of `missing` (in turn); the last press runs `resume`. With a
    `recipe` (JSON naming a kind registered with `resumes_with`) the question outlives the process."""
    svc = services(interaction)
    lang = lang_of(interaction)
    ask = face_asks(svc).open(interaction.user.id, chat_of(interaction), images, missing, lang, hints,
                              dogs=dogs, recipe=recipe, resume=resume)
    log.info("no confident cat face in photo(s) %s for user %s; asking where", missing, interaction.user.id)
    await face_asks(svc).flush()  # kept before the user sees it: a press after a crash still finds it
    await _send_question(interaction, ask)


async def _send_question(interaction: discord.Interaction, ask: FaceAsk) -> None:
    svc = services(interaction)
    question = await make_question(ask.images, ask.asking, ask.lang, svc.settings.face_ask_timeout_s,
                                   svc.settings.engine_settings().limits, dog=ask.asking_dog)
    await follow_up(interaction, question.text,
                    file=discord.File(io.BytesIO(question.picture), QUESTION_FILENAME),
                    view=question_view(ask.token, question), allowed_mentions=discord.AllowedMentions.none())


def question_view(token: str, question: FaceQuestion) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for row, buttons in enumerate(question.rows):
        for b in buttons:
            style = discord.ButtonStyle.secondary if b.hint.whole else discord.ButtonStyle.primary
            view.add_item(FaceButton(token, b.hint, b.label, style, row))
    return view


class FaceButton(discord.ui.DynamicItem[discord.ui.Button],
                 template=r"kitten-mixer:face:(?P<token>[0-9a-f]{10}):(?P<hint>[0-8wa])"):
    # The last square finishes the request: journaled like a command, replayed after a crash
    # (journal.py). Its first answer edits the question (its buttons go), so a replay is revived
    # as that, not as "thinking...": an error then is a new private message, the question stays.
    is_request: ClassVar[bool] = True
    acknowledged_as: ClassVar[discord.InteractionResponseType] = discord.InteractionResponseType.message_update

    def __init__(self, token: str, hint: FaceHint, label: str = "", style=discord.ButtonStyle.primary,
                 row: int | None = None):
        self.token, self.hint = token, hint
        super().__init__(discord.ui.Button(label=label or hint.token(), style=style, row=row,
                                           custom_id=f"kitten-mixer:face:{token}:{hint.token()}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> FaceButton:
        return cls(match["token"], FaceHint.parse(match["hint"]), item.label or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        # Buttons don't go through the command tree, so its error handler must be called by hand.
        try:
            await on_tap(interaction, self.token, self.hint)
        except Exception as e:
            await answer_error(interaction, e)


async def on_tap(interaction: discord.Interaction, token: str, hint: FaceHint) -> None:
    asks = face_asks(services(interaction))
    kept = await asks.recall(token)  # asked before a restart, or by another shard process
    if kept is not None and not _revive(kept):
        asks.close(token)  # a command this version does not know: "expired"
    result, ask, note = asks.answer(token, interaction.user.id, hint, lang_of(interaction))
    if result is not TapResult.OK or ask is None:  # expired, or someone else's: told privately
        await tell_privately(interaction, note)
        return
    if not interaction.response.is_done():  # done: a press replayed from the journal, answered before the crash
        await interaction.response.edit_message(view=None)  # answered: its buttons go
    if ask.missing:  # another photo of the same request needs a tap too
        await _send_question(interaction, ask)
        return
    resume: Resume = ask.extra["resume"]
    await resume(interaction, ask.hints)
    face_asks(services(interaction)).served(token)  # not on a crash: a press after the restart finishes it
