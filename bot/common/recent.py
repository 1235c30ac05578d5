"""The last mix each chat made, so `/map` right after a mix can draw that mix's path.

Only latents are kept (never photos), in memory, for a bounded number of chats: it is a
convenience, and losing it on a restart just means `/map` shows the plain map.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from vae_core.engine import Cat


class RecentMixes:
    def __init__(self, max_chats: int = 2000):
        self.max_chats = max_chats
        self._chats: OrderedDict[int | str, list[Cat]] = OrderedDict()

    def remember(self, chat: int | str, cats: Sequence[Cat], labels: Sequence[str] = ()) -> None:
        """`labels` name the cats in the map's caption (a photo's file name); a cat's own label wins."""
        if not 2 <= len(cats) <= 4:
            return
        # Drop the photos: the map only needs where each cat sits, and faces are personal data.
        named = [c.label or (labels[i] if i < len(labels) else "") for i, c in enumerate(cats)]
        self._chats[chat] = [Cat(c.z.detach().clone(), None, None, n) for c, n in zip(cats, named, strict=True)]
        self._chats.move_to_end(chat)
        while len(self._chats) > self.max_chats:
            self._chats.popitem(last=False)

    def last(self, chat: int | str) -> list[Cat]:
        return list(self._chats.get(chat, []))
