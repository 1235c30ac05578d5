"""A small local Discord: enough REST and gateway for the real discord.py client to run the bot.

It serves what the bot calls (login, application info, gateway, command sync, interaction
callbacks, webhook follow-ups, original-response edits/deletes, attachment downloads) and a
websocket gateway (HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, injected
INTERACTION_CREATE events). Everything the bot sends is recorded as a user would see it:
callbacks with their type and flags, follow-ups with their files.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import yarl
from aiohttp import web
from discord.utils import time_snowflake, utcnow

APP_ID = 700000000000000001
BOT_ID = 700000000000000001  # the bot user has the application's id, as on Discord
OWNER_ID = 700000000000000100
GUILD_ID = 700000000000000200
CHANNEL_ID = 700000000000000300
USER_ID = 700000000000000400
OTHER_GUILD_ID = 700000000000000500  # a server the bot is not in (a user-installed command is used there)
OTHER_CHANNEL_ID = 700000000000000501
GROUP_DM_ID = 700000000000000600

USE_EXTERNAL_APPS = 1 << 50  # the member permission a user install needs to post publicly in a server
USER_INSTALL_FOLLOW_UPS = 5  # Discord's cap for an interaction of an app not installed where it was used

EPHEMERAL = 64
CONTENT_LIMIT = 2000  # characters of a message's content, as Discord counts them


def _json(data: Any, status: int = 200) -> web.Response:
    # Exactly "application/json": with a charset suffix discord.py treats the body as text.
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


def user_payload(user_id: int, name: str, bot: bool = False) -> dict:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name, "avatar": None,
            "bot": bot, "flags": 0, "public_flags": 0}


@dataclass
class Callback:
    """An interaction response: type 4 = message, 5 = deferred ("thinking..."), 6/7 = updates."""

    interaction_id: int
    type: int
    data: dict
    at: float

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def content(self) -> str:
        return self.data.get("content") or ""


@dataclass
class SentFile:
    filename: str
    data: bytes
    content_type: str


@dataclass
class Followup:
    token: str
    payload: dict
    files: list[SentFile]
    message: dict
    at: float

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.payload.get("flags") or 0) & EPHEMERAL)

    @property
    def content(self) -> str:
        return self.payload.get("content") or ""


@dataclass
class Hosted:
    data: bytes
    content_type: str | None
    hold: asyncio.Event | None = None


@dataclass
class FakeDiscord:
    callbacks: list[Callback] = field(default_factory=list)
    followups: list[Followup] = field(default_factory=list)
    edits: list[tuple[str, dict]] = field(default_factory=list)
    edited_files: dict[str, list[SentFile]] = field(default_factory=dict)  # token -> files of its last edit
    deletes: list[str] = field(default_factory=list)
    syncs: list[tuple[int | None, list[dict]]] = field(default_factory=list)  # (guild id, payload)
    downloads: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    identify: dict | None = None
    injected_at: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.files: dict[str, Hosted] = {}
        self.member_permissions: dict[int, int] = {}  # user id -> permission bits (default: no Manage Server)
        self.file_failures: dict[str, list[int]] = {}  # hosted name -> statuses its next downloads answer
        self.followup_failures: list[int] = []  # statuses the next follow-ups answer (any interaction)
        self.failed_followups: list[str] = []  # tokens of the follow-ups that got one
        self.followup_drops = 0  # the next this many follow-ups lose their connection
        self.refused: list[tuple[str, str]] = []  # (kind, interaction id or token) refused as too long
        # issue 23, user installs: tokens whose interaction is user-installed only (follow-ups capped at
        # 5, as Discord does: the 6th is refused and its token listed in over_the_cap) and tokens whose
        # answers Discord makes private (the member may not use external apps in that server)
        self.user_installed: set[str] = set()
        self.forced_private: set[str] = set()
        self.over_the_cap: list[str] = []
        self._ids = itertools.count(1)
        self._seq = 0
        self._ws: web.WebSocketResponse | None = None
        self._ws_ready = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- server ----------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        api = "/api/v10"
        app.router.add_get("/ws", self._gateway)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_get(api + "/users/@me", self._me)
        app.router.add_get(api + "/oauth2/applications/@me", self._application)
        app.router.add_get(api + "/gateway", self._gateway_url)
        app.router.add_get(api + "/gateway/bot", self._gateway_bot)
        app.router.add_put(api + "/applications/{app}/commands", self._sync)
        app.router.add_put(api + "/applications/{app}/guilds/{guild}/commands", self._sync)
        app.router.add_post(api + "/interactions/{id}/{token}/callback", self._callback)
        app.router.add_post(api + "/webhooks/{app}/{token}", self._followup)
        app.router.add_patch(api + "/webhooks/{app}/{token}/messages/{message}", self._edit)
        app.router.add_delete(api + "/webhooks/{app}/{token}/messages/{message}", self._delete)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        for hosted in self.files.values():
            if hosted.hold is not None:
                hosted.hold.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base + "/api/v10"

    @property
    def gateway_url(self) -> yarl.URL:
        return yarl.URL(f"ws://127.0.0.1:{self.port}/ws")

    def snowflake(self) -> int:
        return time_snowflake(utcnow()) + next(self._ids)

    # ---- REST ------------------------------------------------------------------------------
    async def _unknown(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path))
        return _json({"message": f"fake discord: no route {request.method} {request.path}", "code": 0}, 404)

    async def _me(self, request: web.Request) -> web.Response:
        assert request.headers.get("Authorization", "").startswith("Bot ")
        return _json(user_payload(BOT_ID, "Kitten Mixer", bot=True))

    async def _application(self, request: web.Request) -> web.Response:
        return _json({"id": str(APP_ID), "name": "Kitten Mixer", "description": "", "icon": None,
                      "bot_public": True, "bot_require_code_grant": False, "verify_key": "00",
                      "owner": user_payload(OWNER_ID, "owner"), "team": None, "flags": 0, "summary": "",
                      "rpc_origins": [], "interactions_endpoint_url": None})

    async def _gateway_url(self, request: web.Request) -> web.Response:
        return _json({"url": str(self.gateway_url)})

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        return _json({"url": str(self.gateway_url), "shards": 1,
                      "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0,
                                              "max_concurrency": 1}})

    async def _sync(self, request: web.Request) -> web.Response:
        payload = await request.json()
        guild = request.match_info.get("guild")
        self.syncs.append((int(guild) if guild else None, payload))
        out = []
        for cmd in payload:
            registered = {"id": str(self.snowflake()), "application_id": str(APP_ID), "version": "1",
                          "description": "", "options": [], "default_member_permissions": None, **cmd}
            if guild:
                registered["guild_id"] = guild
            out.append(registered)
        return _json(out)

    async def _body(self, request: web.Request) -> tuple[dict, list[SentFile]]:
        """JSON body, or multipart with payload_json and files[n] (how discord.py sends files)."""
        if not request.content_type.startswith("multipart/"):
            return (await request.json()), []
        payload: dict = {}
        files: list[SentFile] = []
        reader = await request.multipart()
        async for part in reader:
            data = await part.read()  # type: ignore[union-attr]
            if part.name == "payload_json":
                payload = json.loads(data)
            else:
                files.append(SentFile(part.filename or "", bytes(data),
                                      part.headers.get(aiohttp.hdrs.CONTENT_TYPE, "")))
        return payload, files

    @staticmethod
    def _too_long(payload: dict) -> web.Response | None:
        """Discord refuses a message content over 2,000 characters, as here (and refused counts it)."""
        text = payload.get("content")
        if isinstance(text, str) and len(text) > CONTENT_LIMIT:
            return _json({"message": "Invalid Form Body", "code": 50035, "errors": {"content": {"_errors": [
                {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}}}, 400)
        return None

    async def _callback(self, request: web.Request) -> web.Response:
        assert request.query.get("with_response") == "1"
        body, _files = await self._body(request)
        if (refused := self._too_long(body.get("data") or {})) is not None:
            self.refused.append(("callback", request.match_info["id"]))
            return refused
        iid = int(request.match_info["id"])
        kind = int(body["type"])
        data = body.get("data") or {}
        if request.match_info["token"] in self.forced_private:  # Discord answers privately, whatever was asked
            data = {**data, "flags": int(data.get("flags") or 0) | EPHEMERAL}
        self.callbacks.append(Callback(iid, kind, data, time.monotonic()))
        interaction = {"id": str(iid), "type": 2, "response_message_loading": kind == 5,
                       "response_message_ephemeral": bool(int(data.get("flags") or 0) & EPHEMERAL)}
        out: dict = {"interaction": interaction}
        if kind == 4:
            message = self.message(content=data.get("content") or "", flags=int(data.get("flags") or 0),
                                   components=data.get("components") or [])
            interaction["response_message_id"] = message["id"]
            out["resource"] = {"type": kind, "message": message}
        return _json(out)

    async def _followup(self, request: web.Request) -> web.Response:
        assert request.query.get("wait") in ("1", "true")
        payload, files = await self._body(request)
        if (refused := self._too_long(payload)) is not None:
            self.refused.append(("followup", request.match_info["token"]))
            return refused
        if self.followup_drops > 0:  # injected fault: the connection drops before any answer
            self.followup_drops -= 1
            self.failed_followups.append(request.match_info["token"])
            request.transport.close()
            return web.Response(status=500)
        token = request.match_info["token"]
        if token in self.user_installed and len([f for f in self.followups if f.token == token]) >= \
                USER_INSTALL_FOLLOW_UPS:
            self.over_the_cap.append(token)
            return _json({"message": "Maximum number of follow up messages reached", "code": 40094}, 400)
        if token in self.forced_private:
            payload = {**payload, "flags": int(payload.get("flags") or 0) | EPHEMERAL}
        if self.followup_failures:  # injected faults: the next follow-ups answer e.g. 500
            self.failed_followups.append(request.match_info["token"])
            return _json({"message": "fake discord: injected failure", "code": 0}, self.followup_failures.pop(0))
        attachments = []
        for f in files:
            attachments.append(self.attachment_payload(f.filename, f.data, f.content_type or None))
        message = self.message(content=payload.get("content") or "", flags=int(payload.get("flags") or 0),
                               components=payload.get("components") or [], attachments=attachments)
        self.followups.append(Followup(request.match_info["token"], payload, files, message, time.monotonic()))
        return _json(message)

    async def _edit(self, request: web.Request) -> web.Response:
        payload, files = await self._body(request)
        if (refused := self._too_long(payload)) is not None:
            self.refused.append(("edit", request.match_info["token"]))
            return refused
        self.edits.append((request.match_info["token"], payload))
        if files:
            self.edited_files[request.match_info["token"]] = files
        attachments = [self.attachment_payload(f.filename, f.data, f.content_type or None) for f in files]
        return _json(self.message(content=payload.get("content") or "", attachments=attachments,
                                  components=payload.get("components") or []))

    async def _delete(self, request: web.Request) -> web.Response:
        self.deletes.append(request.match_info["token"])
        return web.Response(status=204)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        hosted = self.files.get(name)
        if hosted is None:
            return web.Response(status=404)
        self.downloads.append(name)
        if self.file_failures.get(name):  # injected faults: this download answers e.g. 503
            return web.Response(status=self.file_failures[name].pop(0))
        if hosted.hold is not None:
            await hosted.hold.wait()
        headers = {"Content-Type": hosted.content_type or "application/octet-stream"}
        return web.Response(body=hosted.data, headers=headers)

    # ---- gateway ---------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            if frame["op"] == 1:
                await ws.send_json({"op": 11})
            elif frame["op"] == 2:
                self.identify = frame["d"]
                await self._dispatch("READY", {
                    "v": 10, "user": user_payload(BOT_ID, "Kitten Mixer", bot=True),
                    "guilds": [{"id": str(GUILD_ID), "unavailable": True}], "session_id": "fake-session",
                    "resume_gateway_url": str(self.gateway_url), "application": {"id": str(APP_ID), "flags": 0},
                    "shard": frame["d"].get("shard", [0, 1])})
                await self._dispatch("GUILD_CREATE", self.guild_payload())
                self._ws_ready.set()
        return ws

    async def _dispatch(self, event: str, data: dict) -> None:
        assert self._ws is not None
        self._seq += 1
        await self._ws.send_json({"op": 0, "t": event, "s": self._seq, "d": data})

    async def wait_connected(self, timeout: float = 10) -> None:
        await asyncio.wait_for(self._ws_ready.wait(), timeout)

    async def inject(self, payload: dict) -> int:
        """Send an INTERACTION_CREATE; returns the interaction id."""
        iid = int(payload["id"])
        self.injected_at[iid] = time.monotonic()
        await self._dispatch("INTERACTION_CREATE", payload)
        return iid

    # ---- payloads --------------------------------------------------------------------------
    def guild_payload(self) -> dict:
        everyone = {"id": str(GUILD_ID), "name": "@everyone", "permissions": "1071698660929", "position": 0,
                    "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}
        channel = {"id": str(CHANNEL_ID), "type": 0, "name": "cats", "position": 0, "guild_id": str(GUILD_ID),
                   "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
                   "rate_limit_per_user": 0, "last_message_id": None}
        return {"id": str(GUILD_ID), "name": "Cat Lovers", "icon": None, "owner_id": str(OWNER_ID),
                "roles": [everyone], "emojis": [], "stickers": [], "features": [], "channels": [channel],
                "threads": [], "members": [self.member(BOT_ID, "Kitten Mixer", bot=True)], "member_count": 3,
                "voice_states": [], "presences": [], "large": False, "unavailable": False,
                "joined_at": utcnow().isoformat(), "verification_level": 0, "default_message_notifications": 0,
                "explicit_content_filter": 0, "mfa_level": 0, "premium_tier": 0, "preferred_locale": "en-US",
                "nsfw_level": 0, "afk_timeout": 300, "system_channel_id": None}

    def member(self, user_id: int, name: str, bot: bool = False) -> dict:
        return {"user": user_payload(user_id, name, bot), "roles": [], "joined_at": utcnow().isoformat(),
                "deaf": False, "mute": False, "flags": 0, "pending": False, "nick": None, "avatar": None,
                "permissions": str(self.member_permissions.get(user_id, 1071698660929))}

    def host(self, name: str, data: bytes, content_type: str | None = None, hold: bool = False) -> str:
        """Serve `data` as an attachment download; returns its URL (signed-looking, like the CDN's)."""
        self.files[name] = Hosted(data, content_type, asyncio.Event() if hold else None)
        return f"{self.base}/files/{name}?ex=1&is=2&hm=abc"

    def release(self, name: str) -> None:
        hold = self.files[name].hold
        if hold is not None:
            hold.set()

    def attachment_payload(self, filename: str, data: bytes, content_type: str | None = "image/png", *,
                           size: int | None = None, hold: bool = False, width: int | None = 256,
                           height: int | None = 256, url: str | None = None) -> dict:
        """An attachment as it appears in a payload; its bytes are downloadable from this server."""
        url = url or self.host(f"{self.snowflake()}-{filename}", data, content_type, hold)
        payload = {"id": str(self.snowflake()), "filename": filename, "size": len(data) if size is None else size,
                   "url": url, "proxy_url": url, "width": width, "height": height}
        if content_type is not None:
            payload["content_type"] = content_type
        return payload

    @staticmethod
    def hosted_name(attachment: dict) -> str:
        return yarl.URL(attachment["url"]).name

    def message(self, *, content: str = "", flags: int = 0, components: list | None = None,
                attachments: list | None = None, author: dict | None = None) -> dict:
        return {"id": str(self.snowflake()), "channel_id": str(CHANNEL_ID), "guild_id": str(GUILD_ID),
                "author": author or user_payload(BOT_ID, "Kitten Mixer", bot=True), "content": content,
                "timestamp": utcnow().isoformat(), "edited_timestamp": None, "tts": False,
                "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": attachments or [],
                "embeds": [], "pinned": False, "type": 0, "flags": flags, "components": components or [],
                "application_id": str(APP_ID)}

    def _interaction(self, kind: int, data: dict | None, *, user_id: int, locale: str, guild: bool,
                     size_limit: int, message: dict | None = None) -> dict:
        iid = self.snowflake()
        payload = {"id": str(iid), "application_id": str(APP_ID), "type": kind, "token": f"token-{iid}",
                   "version": 1, "channel_id": str(CHANNEL_ID), "locale": locale, "app_permissions": "1071698660929",
                   "entitlements": [], "attachment_size_limit": size_limit,
                   "channel": {"id": str(CHANNEL_ID), "type": 0 if guild else 1, "name": "cats"}}
        if data is not None:
            payload["data"] = data
        if guild:
            payload.update(guild_id=str(GUILD_ID), guild_locale="en-US", context=0,
                           member=self.member(user_id, f"user{user_id % 1000}"),
                           authorizing_integration_owners={"0": str(GUILD_ID)})
        else:
            payload.update(user=user_payload(user_id, f"user{user_id % 1000}"), context=1,
                           authorizing_integration_owners={"0": str(GUILD_ID)})
            payload["channel"]["recipients"] = [user_payload(user_id, f"user{user_id % 1000}")]
        if message is not None:
            payload["message"] = message
        return payload

    def slash(self, name: str, options: dict[str, Any] | None = None, *, attachments: dict[str, dict] | None = None,
              user_id: int = USER_ID, locale: str = "en-US", guild: bool = True,
              size_limit: int = 10 * 1024 * 1024) -> dict:
        """A slash-command interaction; attachment options are given as attachment payloads."""
        opts, resolved = [], {}
        for key, value in (options or {}).items():
            kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
            opts.append({"name": key, "type": kind, "value": value})
        for key, att in (attachments or {}).items():
            opts.append({"name": key, "type": 11, "value": att["id"]})
            resolved[att["id"]] = att
        data: dict = {"id": str(self.snowflake()), "name": name, "type": 1, "options": opts}
        if resolved:
            data["resolved"] = {"attachments": resolved}
        if guild:
            data["guild_id"] = str(GUILD_ID)
        return self._interaction(2, data, user_id=user_id, locale=locale, guild=guild, size_limit=size_limit)

    def message_command(self, name: str, target: dict, *, user_id: int = USER_ID, locale: str = "en-US",
                        size_limit: int = 10 * 1024 * 1024) -> dict:
        """A message context-menu interaction (type 3 command) on `target`."""
        data = {"id": str(self.snowflake()), "name": name, "type": 3, "target_id": target["id"],
                "guild_id": str(GUILD_ID), "resolved": {"messages": {target["id"]: target}}}
        return self._interaction(2, data, user_id=user_id, locale=locale, guild=True, size_limit=size_limit)

    def button(self, message: dict, custom_id: str, *, user_id: int = USER_ID, locale: str = "en-US",
               size_limit: int = 10 * 1024 * 1024) -> dict:
        """A button press on `message` (a component interaction)."""
        return self._interaction(3, {"custom_id": custom_id, "component_type": 2}, user_id=user_id,
                                 locale=locale, guild=True, size_limit=size_limit, message=message)

    def user_install(self, payload: dict, where: str = "server", *, external_apps: bool = True) -> dict:
        """`payload` (from slash, message_command or button) as Discord sends it for a command the user
        installed: run in a server the bot is not in ("server", context 0), in a DM with the bot ("dm",
        context 1) or in a group DM ("group", context 2); `authorizing_integration_owners` names the user
        only. `external_apps=False`: the server denies the member "Use External Apps", so every answer
        is made private."""
        user = (payload.get("member") or {}).get("user") or payload.get("user")
        assert user is not None
        payload = {**payload, "authorizing_integration_owners": {"1": user["id"]}}
        data = payload.get("data")
        for key in ("guild_id", "guild_locale", "member", "user"):
            payload.pop(key, None)
        if where == "server":
            perms = 1071698660929 | (USE_EXTERNAL_APPS if external_apps else 0)
            payload.update(context=0, guild_id=str(OTHER_GUILD_ID), guild_locale="en-US",
                           member={**self.member(int(user["id"]), user["username"]), "permissions": str(perms)},
                           channel_id=str(OTHER_CHANNEL_ID),
                           channel={"id": str(OTHER_CHANNEL_ID), "type": 0, "name": "elsewhere",
                                    "guild_id": str(OTHER_GUILD_ID), "position": 0, "permission_overwrites": [],
                                    "nsfw": False, "parent_id": None, "rate_limit_per_user": 0, "flags": 0})
            if data is not None and "guild_id" in data:
                payload["data"] = {**data, "guild_id": str(OTHER_GUILD_ID)}
        else:
            payload.update(context=1 if where == "dm" else 2, user=user)
            channel_id = CHANNEL_ID if where == "dm" else GROUP_DM_ID
            payload["channel"] = {"id": str(channel_id), "type": 1 if where == "dm" else 3, "name": "",
                                  "recipients": [user]}
            payload["channel_id"] = str(channel_id)
            if data is not None:
                payload["data"] = {k: v for k, v in data.items() if k != "guild_id"}
        self.user_installed.add(payload["token"])
        if not external_apps:
            self.forced_private.add(payload["token"])
        return payload

    # ---- what the user sees -------------------------------------------------------------------
    def callbacks_for(self, iid: int) -> list[Callback]:
        return [c for c in self.callbacks if c.interaction_id == iid]

    def followups_for(self, iid: int) -> list[Followup]:
        return [f for f in self.followups if f.token == f"token-{iid}"]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s; callbacks={self.callbacks}, "
                                     f"followups={[(f.token, f.content) for f in self.followups]}, "
                                     f"unknown requests={self.requests}")
            await asyncio.sleep(0.01)

    async def first_callback(self, iid: int, timeout: float = 10.0) -> Callback:
        return (await self.wait_for(lambda: self.callbacks_for(iid), timeout))[0]

    async def first_followup(self, iid: int, timeout: float = 30.0) -> Followup:
        return (await self.wait_for(lambda: self.followups_for(iid), timeout))[0]
