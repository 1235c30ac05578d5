"""A small memory of the albums seen recently, per chat.

Telegram delivers an album as separate messages sharing `media_group_id`, and a reply to an album
only points at one of its messages. Remembering recent albums lets `/mix` as a reply (or as the
album's caption, after a short wait) see all of its photos. Bounded, because a bot in many busy
groups would otherwise keep every photo message forever.
"""

from __future__ import annotations

from collections import OrderedDict

from telegram import Message

MAX_ALBUM_ITEMS = 10  # Telegram's own limit per album
ALBUM_JOB_PREFIX = "album:"


def album_job_name(chat_id: int, group: str) -> str:
    """The job that waits for an album's photos: one per album, whichever command (or none) started it,
    so a later message of the album finds the wait already scheduled."""
    return f"{ALBUM_JOB_PREFIX}{chat_id}:{group}"


def parse_album_job(name: str | None) -> tuple[int, str] | None:
    """(chat id, media group) of an album job's name; None for any other job."""
    if not name or not name.startswith(ALBUM_JOB_PREFIX):
        return None
    chat, _, group = name[len(ALBUM_JOB_PREFIX):].partition(":")
    try:
        return int(chat), group
    except ValueError:
        return None


class RecentAlbums:
    # A busy group can have many albums in flight at once (the line holds 20 waiting per chat, and
    # an album's request needs its photos when its turn comes): 8 lost the first albums of a burst.
    def __init__(self, per_chat: int = 32, max_chats: int = 500):
        self.per_chat, self.max_chats = per_chat, max_chats
        self._chats: OrderedDict[int, OrderedDict[str, dict[int, Message]]] = OrderedDict()

    def add(self, message: Message) -> None:
        group_id = message.media_group_id
        if not group_id:
            return
        chat = self._chats.get(message.chat_id)
        if chat is None:
            chat = self._chats[message.chat_id] = OrderedDict()
            if len(self._chats) > self.max_chats:
                self._chats.popitem(last=False)
        self._chats.move_to_end(message.chat_id)
        album = chat.get(group_id)
        if album is None:
            album = chat[group_id] = {}
            if len(chat) > self.per_chat:
                chat.popitem(last=False)
        if len(album) < MAX_ALBUM_ITEMS:
            album[message.message_id] = message

    def get(self, chat_id: int, group_id: str) -> list[Message]:
        """The album's messages in the order they were sent (empty if we never saw it)."""
        album = self._chats.get(chat_id, {}).get(group_id, {})
        return [album[k] for k in sorted(album)]
