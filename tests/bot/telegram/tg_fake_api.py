"""A local fake of the Telegram Bot API, good enough to run the real python-telegram-bot against.

It serves queued updates through long-polling getUpdates, serves registered files through
getFile and the file URL, accepts sendMessage/sendPhoto/sendAnimation/sendChatAction (multipart
uploads included) and records every call, so tests can assert on what a user would have seen.
Unknown methods answer `true` and are recorded too.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456789:AAFakeTokenForTestsOnly_xyz"
BOT_USERNAME = "KittenMixerBot"
BOT_ID = 123456789
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # field name -> (filename, bytes)
    result: Any = None
    error: str | None = None  # set when the fake answered with a Bot API error
    at: float = field(default_factory=time.monotonic)  # when the call came (orders answers across fakes)

    @property
    def chat_id(self) -> int:
        return int(self.params["chat_id"])

    @property
    def text(self) -> str:
        return self.params.get("text") or self.params.get("caption") or ""

    @property
    def reply_to(self) -> int | None:
        rp = self.params.get("reply_parameters")
        if isinstance(rp, dict):
            return int(rp["message_id"])
        rid = self.params.get("reply_to_message_id")
        return int(rid) if rid is not None else None

    def upload(self, name: str) -> bytes:
        return self.files[name][1]


@dataclass
class StoredFile:
    file_id: str
    unique_id: str
    data: bytes
    declared_size: int
    path: str


class FakeBotApi:
    def __init__(self, token: str = TOKEN, username: str = BOT_USERNAME, privacy: bool = False):
        self.token, self.username = token, username
        # Group privacy mode (Telegram's default for bots): in groups only commands and replies to
        # the bot's own messages are delivered; the rest is kept in `withheld` for tests to see.
        self.privacy = privacy
        self.withheld: list[dict] = []
        self.calls: list[Call] = []
        self.downloads: list[str] = []
        self._holds: dict[str, asyncio.Event] = {}  # file path -> released when set (slow downloads)
        self.files: dict[str, StoredFile] = {}
        self._paths: dict[str, StoredFile] = {}
        self._updates: list[dict] = []
        self._arrived = asyncio.Event()
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1000)
        self._failures: dict[str, list[tuple[int, str, int | None]]] = {}
        self._stalled: set[str] = set()
        self._closing = asyncio.Event()
        self._held: dict[str, asyncio.Event] = {}
        self.held_calls: list[str] = []  # methods that reached a hold (and never succeeded)
        self.polls = 0  # getUpdates calls answered: the bot is up and polling
        self._update_of_message: dict[int, int] = {}
        self.admins: dict[int, set[int]] = {}  # chat id -> user ids getChatMember calls administrators
        # inline mode: queries pushed (id -> query text) and the messages users sent through it
        self.inline_queries: dict[str, str] = {}
        self.inline_messages: dict[str, dict] = {}  # inline_message_id -> what it shows (media, caption, markup)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- server lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)  # its lines would show the token
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._arrived.set()
        self._closing.set()
        for hold in self._holds.values():
            hold.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---- what tests feed in ----------------------------------------------------------------------
    def register_file(self, data: bytes, declared_size: int | None = None, suffix: str = "jpg") -> StoredFile:
        n = next(self._ids)
        f = StoredFile(f"FILE{n}", f"UNIQ{n}", data, len(data) if declared_size is None else declared_size,
                       f"kitten-fake-files/file_{n}.{suffix}")
        self.files[f.file_id] = f
        self._paths[f.path] = f
        return f

    def slow_file(self, file_id: str) -> asyncio.Event:
        """Downloads of `file_id` wait until the returned event is set, then succeed (a slow connection)."""
        event = self._holds[self.files[file_id].path] = asyncio.Event()
        return event

    def push_update(self, body: dict) -> dict:
        update = {"update_id": next(self._update_ids), **body}
        self._updates.append(update)
        self._arrived.set()
        return update

    def fail_next(self, method: str, description: str = "Bad Request: simulated failure", code: int = 400,
                  retry_after: int | None = None) -> None:
        """The next call of `method` answers with a Bot API error (400 unless `code` says otherwise;
        a 429 carries `retry_after` as Telegram's does). Queued calls fail in turn."""
        self._failures.setdefault(method, []).append((code, description, retry_after))

    def stall_file(self, file_id: str) -> None:
        """Downloads of this file never answer (until the server closes), like a hung connection."""
        self._stalled.add(self.files[file_id].path)

    def hold(self, method: str) -> None:
        """Calls of `method` hang until `release(method)`, then fail (503): a request in flight
        when its bot died."""
        self._held[method] = asyncio.Event()

    def release(self, method: str) -> None:
        event = self._held.pop(method, None)
        if event is not None:
            event.set()

    def unstall_file(self, file_id: str) -> None:
        """New downloads of this file work again (a hung one stays hung)."""
        self._stalled.discard(self.files[file_id].path)

    def redeliver(self, update: dict) -> None:
        """Serve an update again, as Telegram does when a bot died before confirming it."""
        self._updates.append(update)
        self._updates.sort(key=lambda u: u["update_id"])
        self._arrived.set()

    def message(self, user: dict, chat: dict, *, text: str | None = None, caption: str | None = None,
                photo: bytes | None = None, photo_size: int | None = None, document: bytes | None = None,
                mime_type: str | None = None, file_name: str | None = None, document_size: int | None = None,
                sticker: bool = False, media_group_id: str | None = None, reply_to: dict | None = None,
                animation: bytes | None = None, animation_size: int | None = None, thumbnail: bytes | None = None,
                send: bool = True) -> dict:
        """A user's message as Telegram would deliver it (entities included); pushed as an update
        unless `send=False` (e.g. for messages that only exist as reply targets)."""
        msg: dict[str, Any] = {"message_id": next(self._ids), "date": int(time.time()), "chat": chat, "from": user}
        if text is not None:
            msg["text"] = text
            if ents := _command_entities(text):
                msg["entities"] = ents
        if caption is not None:
            msg["caption"] = caption
            if ents := _command_entities(caption):
                msg["caption_entities"] = ents
        if photo is not None:
            f = self.register_file(photo, photo_size)
            msg["photo"] = [{"file_id": f.file_id, "file_unique_id": f.unique_id, "width": 90, "height": 90,
                             "file_size": f.declared_size}]
        if document is not None:
            f = self.register_file(document, document_size, suffix="bin")
            doc = {"file_id": f.file_id, "file_unique_id": f.unique_id, "file_size": f.declared_size}
            if mime_type:
                doc["mime_type"] = mime_type
            if file_name:
                doc["file_name"] = file_name
            msg["document"] = doc
        if animation is not None:  # a GIF as Telegram delivers it: an MP4, also shown as a document
            f = self.register_file(animation, animation_size, suffix="mp4")
            anim = {"file_id": f.file_id, "file_unique_id": f.unique_id, "width": 320, "height": 320,
                    "duration": 2, "mime_type": "video/mp4", "file_name": "cat.gif.mp4",
                    "file_size": f.declared_size}
            if thumbnail is not None:
                th = self.register_file(thumbnail, suffix="jpg")
                anim["thumbnail"] = {"file_id": th.file_id, "file_unique_id": th.unique_id, "width": 320,
                                     "height": 320, "file_size": th.declared_size}
            msg["animation"] = anim
            msg["document"] = {k: v for k, v in anim.items() if k not in ("width", "height", "duration")}
        if sticker:
            f = self.register_file(b"RIFF\x00\x00\x00\x00WEBPVP8 ", suffix="webp")
            msg["sticker"] = {"file_id": f.file_id, "file_unique_id": f.unique_id, "width": 512, "height": 512,
                              "is_animated": False, "is_video": False, "type": "regular", "emoji": "😺"}
        if media_group_id:
            msg["media_group_id"] = media_group_id
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        if send and self.privacy and chat["type"] in ("group", "supergroup") and not self._seen_in_privacy(msg):
            self.withheld.append(msg)
        elif send:
            self._update_of_message[msg["message_id"]] = self.push_update({"message": msg})["update_id"]
        return msg

    @staticmethod
    def _seen_in_privacy(msg: dict) -> bool:
        """Commands (simplified: any command) and replies to the bot's own messages."""
        if "entities" in msg or "caption_entities" in msg:
            return True
        replied = msg.get("reply_to_message") or {}
        return (replied.get("from") or {}).get("id") == BOT_ID

    def press_button(self, user: dict, message: dict, data: str) -> dict:
        return self.push_update({"callback_query": {"id": str(next(self._ids)), "from": user, "message": message,
                                                    "chat_instance": "ci", "data": data}})

    # ---- inline mode ------------------------------------------------------------------------------
    def inline_query(self, user: dict, query: str, offset: str = "", chat_type: str = "sender") -> dict:
        """A user typing `@bot <query>` in some chat (the bot need not be in it)."""
        qid = str(next(self._ids))
        self.inline_queries[qid] = query
        return self.push_update({"inline_query": {"id": qid, "from": user, "query": query, "offset": offset,
                                                  "chat_type": chat_type}})

    def answers(self, query_update: dict | None = None) -> list[Call]:
        """answerInlineQuery calls (for one pushed query when given)."""
        calls = self.sent("answerInlineQuery")
        if query_update is None:
            return calls
        qid = query_update["inline_query"]["id"]
        return [c for c in calls if str(c.params.get("inline_query_id")) == qid]

    def choose(self, user: dict, answer: Call, result_id: str) -> str | None:
        """The user picks a result of `answer`: Telegram sends it into their chat and, with inline
        feedback on, reports it. As on Telegram, only a result with an inline keyboard gets an
        inline_message_id (returned). The message shows the result's media, caption and keyboard."""
        result = next(r for r in answer.params["results"] if r["id"] == result_id)
        query = self.inline_queries.get(str(answer.params["inline_query_id"]), "")
        chosen: dict[str, Any] = {"result_id": result_id, "from": user, "query": query}
        imid = None
        if result.get("reply_markup"):
            imid = f"IM{next(self._ids)}"
            chosen["inline_message_id"] = imid
            media = result.get("photo_file_id") or result.get("gif_file_id")
            self.inline_messages[imid] = {"type": "photo" if "photo_file_id" in result else "animation",
                                          "media": media, "caption": result.get("caption"),
                                          "reply_markup": result.get("reply_markup"), "edits": 0}
        self.push_update({"chosen_inline_result": chosen})
        return imid

    def press_inline_button(self, user: dict, inline_message_id: str, data: str) -> dict:
        """A button pressed on a message sent through inline mode: no message, only its inline id."""
        return self.push_update({"callback_query": {"id": str(next(self._ids)), "from": user,
                                                    "inline_message_id": inline_message_id,
                                                    "chat_instance": "ci-inline", "data": data}})

    # ---- what tests look at ----------------------------------------------------------------------
    def update_id_of(self, message: dict) -> int:
        return self._update_of_message[message["message_id"]]

    def sent(self, *methods: str, chat_id: int | None = None) -> list[Call]:
        return [c for c in self.calls
                if c.method in methods and (chat_id is None or c.chat_id == chat_id) and c.error is None]

    def replies(self, chat_id: int | None = None) -> list[Call]:
        """What users see: messages, photos and animations (not chat actions)."""
        return self.sent("sendMessage", "sendPhoto", "sendAnimation", chat_id=chat_id)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; calls so far: {[(c.method, c.text) for c in self.calls]}")
            await asyncio.sleep(0.02)

    async def wait_replies(self, n: int, chat_id: int | None = None, timeout: float = 10.0) -> list[Call]:
        return await self.wait_for(lambda: len(self.replies(chat_id)) >= n and self.replies(chat_id), timeout)

    # ---- the HTTP side ---------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await _read_params(request)
        if method in self._held:
            self.held_calls.append(method)
            held = self._held[method]
            waiters = [asyncio.ensure_future(held.wait()), asyncio.ensure_future(self._closing.wait())]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()
            return _error(503, "Service Unavailable: held by the test")
        if method == "getUpdates":
            self.polls += 1
            if self._failures.get(method):  # a polling blip (not recorded: polls are not calls)
                code, description, retry_after = self._failures[method].pop(0)
                return _error(code, description, retry_after)
            return _ok(await self._get_updates(params))
        call = Call(method, params, files)
        self.calls.append(call)
        if self._failures.get(method):
            code, call.error, retry_after = self._failures[method].pop(0)
            return _error(code, call.error, retry_after)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            call.result = True
            return _ok(True)
        try:
            call.result = handler(call)
        except _ApiError as e:
            call.error = e.description
            return _error(e.code, e.description)
        return _ok(call.result)

    async def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._arrived.clear()
            # Short waits keep shutdown prompt: the client may abandon this request at any time.
            timeout = min(float(params.get("timeout") or 0), 0.5)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout)
        return list(self._updates)

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        self.downloads.append(path)
        if path in self._holds:
            await self._holds[path].wait()
        if path in self._stalled:
            await self._closing.wait()
            return web.Response(status=503)
        f = self._paths.get(path)
        return web.Response(body=f.data) if f else web.Response(status=404)

    # ---- methods ---------------------------------------------------------------------------------
    def _m_getMe(self, call: Call) -> dict:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Kitten Mixer", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _m_getFile(self, call: Call) -> dict:
        f = self.files.get(call.params.get("file_id", ""))
        if f is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        if f.declared_size > TELEGRAM_DOWNLOAD_LIMIT:
            raise _ApiError(400, "Bad Request: file is too big")
        return {"file_id": f.file_id, "file_unique_id": f.unique_id, "file_size": f.declared_size,
                "file_path": f.path}

    def _sent_message(self, call: Call, **content: Any) -> dict:
        # Telegram's limits, counted as it counts them (UTF-16 code units).
        for name, limit in (("text", 4096), ("caption", 1024)):
            value = call.params.get(name)
            if isinstance(value, str) and len(value.encode("utf-16-le")) // 2 > limit:
                raise _ApiError(400, f"Bad Request: message {'caption ' if name == 'caption' else ''}is too long")
        chat_id = call.chat_id
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        if chat_id < 0:
            chat["title"] = "Cat lovers"
        msg = {"message_id": next(self._ids), "date": int(time.time()), "chat": chat,
               "from": self._m_getMe(call), **content}
        if call.params.get("caption"):
            msg["caption"] = call.params["caption"]
        if isinstance(call.params.get("reply_markup"), dict):
            msg["reply_markup"] = call.params["reply_markup"]
        return msg

    def _m_sendMessage(self, call: Call) -> dict:
        return self._sent_message(call, text=call.params["text"])

    def _m_sendPhoto(self, call: Call) -> dict:
        f = self.register_file(call.upload("photo"), suffix="png")
        return self._sent_message(call, photo=[{"file_id": f.file_id, "file_unique_id": f.unique_id,
                                                "width": 256, "height": 256}])

    def _m_sendAnimation(self, call: Call) -> dict:
        f = self.register_file(call.upload("animation"), suffix="gif")
        return self._sent_message(call, animation={"file_id": f.file_id, "file_unique_id": f.unique_id,
                                                   "width": 256, "height": 256, "duration": 1,
                                                   "mime_type": "video/mp4"})

    def _m_answerInlineQuery(self, call: Call) -> bool:
        """Telegram's checks: at most 50 results, unique ids of 1-64 bytes, cached files it knows."""
        for name in ("cache_time", "is_personal"):  # form fields: read back as the JSON values they are
            if isinstance(call.params.get(name), str):
                call.params[name] = json.loads(call.params[name])
        results = call.params.get("results") or []
        if len(results) > 50:
            raise _ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [r.get("id", "") for r in results]
        if len(set(ids)) != len(ids) or any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise _ApiError(400, "Bad Request: RESULT_ID_INVALID")
        for r in results:
            fid = r.get("photo_file_id") or r.get("gif_file_id")
            if fid is not None and fid not in self.files:
                raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return True

    def _inline_message(self, call: Call) -> dict | None:
        """The inline message an edit names by inline_message_id (None: the edit names a chat message)."""
        imid = call.params.get("inline_message_id")
        if imid is None:
            return None
        shown = self.inline_messages.get(imid)
        if shown is None:
            raise _ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        return shown

    def _m_editMessageMedia(self, call: Call) -> Any:
        """By inline_message_id: only a file id (an inline message's edit can't upload), and only a
        message with media; answers true, as Telegram does for inline messages."""
        shown = self._inline_message(call)
        if shown is None:  # a chat message's edit: accepted as it is
            return True
        media = call.params.get("media") or {}
        if call.files or str(media.get("media", "")).startswith("attach://"):
            raise _ApiError(400, "Bad Request: can't upload file to an inline message")
        if media.get("media") not in self.files:
            raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if shown["media"] == media["media"] and shown["caption"] == media.get("caption"):
            raise _ApiError(400, "Bad Request: message is not modified")
        shown.update(type=media.get("type"), media=media["media"], caption=media.get("caption"),
                     reply_markup=call.params.get("reply_markup"), edits=shown["edits"] + 1)
        return True

    def _m_editMessageCaption(self, call: Call) -> Any:
        shown = self._inline_message(call)
        if shown is None:  # a chat message's edit: accepted as it is
            return True
        shown["caption"] = call.params.get("caption")
        shown["reply_markup"] = call.params.get("reply_markup")  # an edit without one removes the keyboard
        return True

    def _m_deleteWebhook(self, call: Call) -> bool:
        return True

    def _m_getChatMember(self, call: Call) -> dict:
        """Members are plain members unless a test made them admins (`self.admins[chat_id]`)."""
        chat_id, user_id = call.chat_id, int(call.params["user_id"])
        status = "administrator" if user_id in self.admins.get(chat_id, set()) else "member"
        member = {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": "Member"}}
        if status == "administrator":
            member.update(can_be_edited=False, is_anonymous=False, can_manage_chat=True, can_delete_messages=True,
                          can_manage_video_chats=True, can_restrict_members=True, can_promote_members=False,
                          can_change_info=True, can_invite_users=True, can_post_stories=False,
                          can_edit_stories=False, can_delete_stories=False)
        return member


class _ApiError(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code, self.description = code, description


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """PTB sends form fields (nested objects as JSON strings), and multipart when uploading."""
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if part.filename:
                files[part.name] = (part.filename, bytes(await part.read()))
            else:
                params[part.name] = await part.text()
    elif request.can_read_body:
        params.update(await request.post())
    for key, value in params.items():
        if isinstance(value, str) and value.startswith(("{", "[")):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params, files


def _command_entities(text: str) -> list[dict]:
    if not text.startswith("/"):
        return []
    length = len(text.split()[0])
    return [{"type": "bot_command", "offset": 0, "length": length}]


def user(user_id: int, first_name: str = "Ana", language_code: str | None = "en") -> dict:
    u = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        u["language_code"] = language_code
    return u


def private_chat(user_id: int) -> dict:
    return {"id": user_id, "type": "private", "first_name": "Ana"}


def group_chat(chat_id: int = -1001234567890) -> dict:
    return {"id": chat_id, "type": "supergroup", "title": "Cat lovers"}
