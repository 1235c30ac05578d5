"""What the request journal keeps of a Discord interaction: only what a replay needs.

Why: the journal outlives the request by a day, and the gateway's INTERACTION_CREATE carries
people's names, nicknames and avatars, the channel's name and topic, and for a context menu the
whole target message with its text. A replay needs the ids, the token, the command with its
options, and the attachments' ids and URLs (with the file name the result's caption shows, which
the URL holds anyway). discord.py requires some name fields to rebuild the interaction: they are
kept blank. Same rule as Telegram's (bot/telegram/journal_payload.py).

A button press (a component interaction) keeps its custom_id and, of the message it was pressed
on, the ids and that one button: discord.py hands a press to its DynamicItem only when the
message carries the pressed component. Not the message's text, its other buttons' labels or its
attachments (a face question's picture shows the user's photo).
"""

from __future__ import annotations

from typing import Any

_TOP = frozenset({
    "id", "application_id", "type", "token", "version", "guild_id", "channel_id", "locale", "guild_locale",
    "app_permissions", "attachment_size_limit", "context", "authorizing_integration_owners"})
_MEMBER = frozenset({"roles", "permissions", "joined_at", "flags", "pending", "deaf", "mute"})
_CHANNEL = frozenset({"id", "type", "guild_id", "parent_id", "position", "permission_overwrites", "nsfw",
                      "flags", "rate_limit_per_user"})
_ATTACHMENT = frozenset({"id", "filename", "size", "url", "proxy_url", "content_type", "width", "height",
                         "ephemeral", "flags"})
_MESSAGE = frozenset({"id", "channel_id", "guild_id", "type", "flags", "timestamp", "edited_timestamp", "pinned",
                      "tts", "mention_everyone", "application_id", "webhook_id"})


def _user(u: dict[str, Any]) -> dict[str, Any]:
    return {"id": u["id"], "username": "", "discriminator": "0", "global_name": None, "avatar": None,
            "bot": bool(u.get("bot", False))}


def _attachment(a: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in a.items() if k in _ATTACHMENT}


def _message(m: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in m.items() if k in _MESSAGE}
    out.update(content="", embeds=[], mentions=[], mention_roles=[], components=[],
               attachments=[_attachment(a) for a in m.get("attachments") or []])
    if "author" in m:
        out["author"] = _user(m["author"])
    return out


def _data(d: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in d.items() if k != "resolved"}  # command id, name, type, options, target_id
    resolved = d.get("resolved") or {}
    kept: dict[str, Any] = {}
    if "attachments" in resolved:
        kept["attachments"] = {k: _attachment(a) for k, a in resolved["attachments"].items()}
    if "messages" in resolved:
        kept["messages"] = {k: _message(m) for k, m in resolved["messages"].items()}
    if "users" in resolved:
        kept["users"] = {k: _user(u) for k, u in resolved["users"].items()}
    if "members" in resolved:
        kept["members"] = {k: {f: v for f, v in m.items() if f in _MEMBER} for k, m in resolved["members"].items()}
    if kept:
        out["resolved"] = kept
    return out


_PRESSED = frozenset({"type", "style", "custom_id", "disabled"})


def _pressed(component: dict[str, Any], custom_id: str) -> dict[str, Any] | None:
    """The component with `custom_id` in a message's components (rows, or nested layouts)."""
    if component.get("custom_id") == custom_id:
        return component
    children = list(component.get("components") or [])
    if isinstance(component.get("accessory"), dict):  # a section's button (components v2)
        children.append(component["accessory"])
    for child in children:
        if isinstance(child, dict) and (found := _pressed(child, custom_id)) is not None:
            return found
    return None


def _pressed_on(m: dict[str, Any], custom_id: str) -> dict[str, Any]:
    """The message a button was pressed on: its ids and the pressed button alone, label blank."""
    out = _message(m)
    out["attachments"] = []
    found = _pressed({"components": m.get("components") or []}, custom_id)
    if found is not None:
        button = {k: v for k, v in found.items() if k in _PRESSED}
        out["components"] = [{"type": 1, "components": [{**button, "label": ""}]}]
    return out


def minimal_interaction(raw: dict[str, Any]) -> dict[str, Any]:
    """`raw` (an INTERACTION_CREATE payload) with only what replaying it needs."""
    out = {k: v for k, v in raw.items() if k in _TOP}
    out["entitlements"] = []
    if "data" in raw:
        out["data"] = _data(raw["data"])
    if "message" in raw:  # a button press: the message it was pressed on
        out["message"] = _pressed_on(raw["message"], str((raw.get("data") or {}).get("custom_id", "")))
    if "member" in raw:
        member = raw["member"]
        out["member"] = {**{k: v for k, v in member.items() if k in _MEMBER}, "user": _user(member["user"])}
    if "user" in raw:
        out["user"] = _user(raw["user"])
    if "channel" in raw:
        channel = raw["channel"]
        out["channel"] = {**{k: v for k, v in channel.items() if k in _CHANNEL}, "name": ""}
        if "recipients" in channel:
            out["channel"]["recipients"] = [_user(u) for u in channel["recipients"]]
    return out
