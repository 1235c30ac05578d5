"""Update handlers, one module per feature; `register` wires them into an Application."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.common.commands.help import command
from bot.telegram.commands import CommandFilter
from bot.telegram.handlers.adopt import on_adopt, on_forget
from bot.telegram.handlers.faces import FACE_PATTERN, on_face_tap
from bot.telegram.handlers.gallery import PAGE_PATTERN, on_cat_command, on_cats, on_page
from bot.telegram.handlers.help import on_help
from bot.telegram.handlers.mix import on_media, on_mix, remember_album
from bot.telegram.handlers.private import on_private_text
from bot.telegram.handlers.random import ROLL_PATTERN, on_random, on_roll
from bot.telegram.handlers.results import RESULT_PATTERN, on_result_button
from bot.telegram.handlers.retry import RETRY_PATTERN, on_retry
from bot.telegram.handlers.unknown import on_unknown_button, unknown

# New messages only: editing an old `/mix` caption should not mix again.
_NEW = filters.UpdateType.MESSAGE
_MEDIA = (filters.PHOTO | filters.Document.ALL | filters.Sticker.ALL | filters.ANIMATION | filters.VIDEO
          | filters.VIDEO_NOTE | filters.AUDIO | filters.VOICE)


def _words(*names: str) -> CommandFilter:
    """Every word of these commands, from the one command list (bot/common/commands/help.py)."""
    return CommandFilter(*(w for name in names for w in command(name).words()))


def register(app: Application) -> None:
    # Group -1 sees every album photo before any command handler runs, so a reply or a caption
    # `/mix` can find the album's other photos.
    app.add_handler(MessageHandler(_NEW & (filters.PHOTO | filters.Document.ALL), remember_album), group=-1)
    app.add_handler(MessageHandler(_NEW & _words("help"), on_help))
    app.add_handler(MessageHandler(_NEW & _words("mix"), on_mix))
    app.add_handler(MessageHandler(_NEW & _words("random"), on_random))
    app.add_handler(MessageHandler(_NEW & _words("cats"), on_cats))
    app.add_handler(MessageHandler(_NEW & _words("map", "kittens", "blend", "cat"),
                                   on_cat_command))  # before on_media: they come as photo captions too
    app.add_handler(MessageHandler(_NEW & _words("adopt"), on_adopt))  # before on_media: a photo caption
    app.add_handler(MessageHandler(_NEW & _words("forget"), on_forget))
    app.add_handler(MessageHandler(_NEW & _MEDIA, on_media))  # photos answering a `/mix` ask, or in private
    app.add_handler(MessageHandler(_NEW & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
                                   on_private_text))  # "hello, mix my cats": a one-line hint
    # First: presses that match no button of ours (empty data would otherwise reach on_roll).
    app.add_handler(CallbackQueryHandler(on_unknown_button, pattern=unknown(
        (ROLL_PATTERN, RESULT_PATTERN, PAGE_PATTERN, FACE_PATTERN, RETRY_PATTERN))))
    app.add_handler(CallbackQueryHandler(on_roll, pattern=ROLL_PATTERN))
    app.add_handler(CallbackQueryHandler(on_result_button, pattern=RESULT_PATTERN))  # swap, boomerang, ...
    app.add_handler(CallbackQueryHandler(on_page, pattern=PAGE_PATTERN))  # /cats ◀ ▶
    app.add_handler(CallbackQueryHandler(on_face_tap, pattern=FACE_PATTERN))  # "where's the face?" squares
    app.add_handler(CallbackQueryHandler(on_retry, pattern=RETRY_PATTERN))  # a full line's "try again"
