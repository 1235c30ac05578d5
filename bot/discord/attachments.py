"""Attachments -> image bytes: check what Discord tells us, download with limits, sniff the bytes.

The metadata checks run before anything is downloaded (a PDF or a 200 MB video is refused in
microseconds). `content_type` comes from the uploader's client and may be missing or wrong, so
the downloaded bytes are always sniffed as well.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import aiohttp
import discord
import yarl

from bot.common.backoff import RetryPolicy, reason, retrying
from bot.common.inflight import downloading
from bot.common.texts import mb

from .errors import Notice

log = logging.getLogger(__name__)

# What vae_core.intake decodes (JPEG, PNG, WebP, GIF, BMP), with the aliases clients send.
IMAGE_TYPES = frozenset({"image/jpeg", "image/jpg", "image/pjpeg", "image/png", "image/webp", "image/gif",
                         "image/bmp", "image/x-ms-bmp"})
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".jfif", ".png", ".webp", ".gif", ".bmp")
CHUNK = 64 * 1024


def content_type(attachment: discord.Attachment) -> str:
    return (attachment.content_type or "").split(";", 1)[0].strip().lower()


def check_attachment(attachment: discord.Attachment, max_bytes: int) -> None:
    """Refuse from metadata alone; a missing content type passes (the bytes are sniffed later)."""
    kind = content_type(attachment)
    if kind and kind not in IMAGE_TYPES:
        raise Notice("not_photo")
    if attachment.size > max_bytes:
        raise Notice("file_too_big", size_mb=mb(attachment.size), limit_mb=mb(max_bytes))


def looks_like_image(attachment: discord.Attachment) -> bool:
    """For picking the photos out of a message: trust the type, else the size fields or the name."""
    kind = content_type(attachment)
    if kind:
        return kind in IMAGE_TYPES
    return attachment.width is not None or attachment.filename.lower().endswith(IMAGE_SUFFIXES)


def sniff(data: bytes) -> str | None:
    """The image format from the first bytes, or None; the same formats intake accepts."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM" and len(data) > 26:
        return "bmp"
    return None


class ServerError(Exception):
    """The CDN answered 5xx or 429: worth another try."""

    def __init__(self, status: int):
        super().__init__(f"HTTP {status}")
        self.status = status


def _transient(error: BaseException) -> bool:
    return isinstance(error, (ServerError, aiohttp.ClientConnectionError, aiohttp.ClientPayloadError))


async def download(session: aiohttp.ClientSession, url: str, *, max_bytes: int, timeout_s: float) -> bytes:
    """GET `url`, refusing (not truncating) bodies over `max_bytes`; every failure is a Notice.

    5xx answers and dropped connections are retried with the shared backoff (each retry one
    WARNING line), all within `timeout_s`, so a stalled download is still answered in that time.
    """
    where = yarl.URL(url).with_query(None)  # attachment URLs carry signatures; keep them out of logs
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s

    async def once() -> bytes:
        left = max(0.1, deadline - loop.time())
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=left)) as response:
            if response.status >= 500 or response.status == 429:
                raise ServerError(response.status)
            if response.status != 200:
                log.warning("download %s: HTTP %s", where, response.status)
                raise Notice("download_failed")
            declared = response.content_length
            if declared is not None and declared > max_bytes:
                raise Notice("file_too_big", size_mb=mb(declared), limit_mb=mb(max_bytes))
            body = bytearray()
            async for chunk in response.content.iter_chunked(CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    raise Notice("file_too_big", size_mb=mb(len(body)), limit_mb=mb(max_bytes))
            return bytes(body)

    try:
        async with asyncio.timeout(timeout_s):
            return await retrying(once, _transient, f"download {where}", RetryPolicy(total_s=timeout_s))
    except (ServerError, aiohttp.ClientError, TimeoutError) as e:
        log.warning("download %s failed: %s", where, reason(e))
        raise Notice("download_failed") from e


async def fetch_images(session: aiohttp.ClientSession, attachments: Sequence[discord.Attachment], *,
                       max_bytes: int, timeout_s: float) -> list[bytes]:
    """Download all attachments at once; the first failure cancels the rest."""
    tasks = [asyncio.ensure_future(download(session, a.url, max_bytes=max_bytes, timeout_s=timeout_s))
             for a in attachments]
    try:
        with downloading():  # a stop may cancel the request if this hangs (bot/common/inflight.py)
            blobs = await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
    for attachment, blob in zip(attachments, blobs, strict=True):
        if sniff(blob) is None:
            # Said it was an image but isn't one: damaged. Said nothing: just not a photo.
            raise Notice("err_corrupt" if content_type(attachment) else "not_photo")
    return blobs
