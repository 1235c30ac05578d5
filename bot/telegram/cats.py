"""The cats a Telegram chat can name besides its photos: the gallery and the chat's adopted cats.

Shared by /mix and the gallery commands (handlers/mix.py, handlers/gallery.py), kept apart from
both so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram.ext import CallbackContext

from bot.common.catalog import CatCatalog
from bot.common.sources import NamedLatents
from bot.telegram.state import get_state


def catalog(context: CallbackContext) -> CatCatalog:
    """The gallery and the chats' last mixes (see bot/common/catalog.py); the gallery loads on first use."""
    found = get_state(context).catalog
    assert found is not None, "BotState.create makes the catalog"
    return found


def _scope(chat_id: int) -> str:
    from bot.common.adoption import scope_for

    return scope_for("telegram", chat_id)


def named(context: CallbackContext, chat_id: int) -> NamedLatents | None:
    """The chat's adopted cats for `resolve_cats`, when the bot keeps any (bot/common/adoption.py)."""
    adopted = get_state(context).adopted
    if adopted is None:
        return None
    from bot.common.adoption import name_source

    return name_source(adopted, _scope(chat_id))


async def name_test(context: CallbackContext, chat_id: int) -> Callable[[str], bool] | None:
    """Only names this chat really adopted count as cats, so a typo still gets the usage line."""
    adopted = get_state(context).adopted
    if adopted is None:
        return None
    return await adopted.name_test(_scope(chat_id))
