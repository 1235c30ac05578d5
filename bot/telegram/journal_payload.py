"""What the request journal keeps of a Telegram update: only what a replay needs.

Why: the journal outlives the request by a day (to recognise Telegram's redeliveries), and the
full update carries people's names, usernames and the chat's title. A replay needs the ids, the
command and its options (the text or caption, with their entities) and the file ids; names are
blanked (python-telegram-bot requires the field) and everything else is dropped.
"""

from __future__ import annotations

from typing import Any

_MESSAGE_KEYS = frozenset({
    "message_id", "date", "chat", "from", "sender_chat", "text", "caption", "entities", "caption_entities",
    "photo", "document", "animation", "sticker", "video", "video_note", "audio", "voice", "media_group_id",
    "reply_to_message", "message_thread_id", "is_topic_message"})
_USER_KEYS = frozenset({"id", "is_bot", "language_code"})
_CHAT_KEYS = frozenset({"id", "type", "is_forum"})
_FILE_DROP = frozenset({"file_name", "title", "performer", "emoji", "set_name"})  # names a user chose


def minimal_user(u: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in u.items() if k in _USER_KEYS}, "first_name": ""}


def _chat(c: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in c.items() if k in _CHAT_KEYS}


def _file(f: Any) -> Any:
    if isinstance(f, list):
        return [_file(x) for x in f]
    if isinstance(f, dict):
        return {k: _file(v) for k, v in f.items() if k not in _FILE_DROP}
    return f


def minimal_message(m: dict[str, Any]) -> dict[str, Any]:
    """`m` (Message.to_dict()) with only what answering it needs (also what a kept conversation keeps)."""
    out: dict[str, Any] = {}
    for key, value in m.items():
        if key not in _MESSAGE_KEYS:
            continue
        if key == "from":
            out[key] = minimal_user(value)
        elif key in ("chat", "sender_chat"):
            out[key] = _chat(value)
        elif key == "reply_to_message":
            out[key] = minimal_message(value)
        elif key in ("photo", "document", "animation", "sticker", "video", "video_note", "audio", "voice"):
            out[key] = _file(value)
        else:
            out[key] = value
    return out


def minimal_update(update: dict[str, Any]) -> dict[str, Any]:
    """`update` (Update.to_dict()) with only what replaying it needs."""
    out: dict[str, Any] = {"update_id": update["update_id"]}
    if "message" in update:
        out["message"] = minimal_message(update["message"])
    if "callback_query" in update:  # a button tap: who, which button, under which message
        q = update["callback_query"]
        out["callback_query"] = {"id": q["id"], "from": minimal_user(q["from"]), "chat_instance": q["chat_instance"],
                                 "data": q.get("data")}
        if isinstance(q.get("message"), dict):
            out["callback_query"]["message"] = minimal_message(q["message"])
    return out
