"""Which file in a message is a usable photo, and downloading it safely.

Sizes are checked from the update *before* `getFile`: Telegram refuses downloads over 20 MB
anyway, and there is no point moving a file we would reject. Documents are accepted when they
say they are images, or when they don't say (phones send photos "as file" with odd or missing
MIME types); the bytes are then sniffed before the engine sees them.

Animations (GIFs, which Telegram stores and delivers as silent MP4s) are mixed from their first
frame, decoded with PyAV (vae_core.video). We measured the alternative, the animation's
thumbnail (benchmarks/bench_animation.py): the thumbnail saves ~10 ms and ~70 KB per file, but
it is at most 320 px and JPEG-compressed again, ~5 dB further from the real frame at the 384 px
face crop the mix starts and ends on, and not every animation has one. So we decode, and fall
back to the thumbnail only for an animation too big to download.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import Bot, Message

from bot.common.texts import mb
from bot.telegram.sending import DownloadFailed, fetch_file
from vae_core.errors import IntakeError
from vae_core.video import first_frame_png, looks_like_video

log = logging.getLogger(__name__)

TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the public Bot API serves files up to 20 MB
_UNLABELLED = {"", "application/octet-stream", "binary/octet-stream"}


@dataclass(frozen=True)
class PhotoRef:
    """A photo to fetch: enough to download it and to say which message it came from."""

    file_id: str
    file_size: int | None
    message_id: int
    animated: bool = False  # an animation (MP4): the first frame is used
    fallback: PhotoRef | None = None  # the animation's thumbnail, for when the video is too big


class MediaProblem(Exception):
    """A user's file we can't use; `key` and `params` pick the sentence from texts.py."""

    def __init__(self, key: str, **params: object):
        super().__init__(key)
        self.key, self.params = key, params


def has_media(message: Message) -> bool:
    return bool(message.photo or message.document or message.sticker or message.animation or message.video
                or message.video_note or message.audio or message.voice)


def photo_ref(message: Message) -> PhotoRef:
    """The photo in `message`, or MediaProblem saying why there is none we can use."""
    if message.photo:
        best = message.photo[-1]  # sizes come smallest first; the largest is at most 2560 px
        return PhotoRef(best.file_id, best.file_size, message.message_id)
    anim = message.animation  # checked before `document`, which Telegram also fills in for animations
    if anim is not None:
        thumb = anim.thumbnail
        fallback = PhotoRef(thumb.file_id, thumb.file_size, message.message_id, animated=True) if thumb else None
        return PhotoRef(anim.file_id, anim.file_size, message.message_id, animated=True, fallback=fallback)
    doc = message.document
    if doc is not None:
        mime = (doc.mime_type or "").lower()
        if mime.startswith("image/") or mime in _UNLABELLED:
            return PhotoRef(doc.file_id, doc.file_size, message.message_id)
        raise MediaProblem("not_photo")
    if message.sticker is not None:
        raise MediaProblem("sticker")
    raise MediaProblem("not_photo")


def check_size(size: int | None, limit: int) -> None:
    if size is not None and size > limit:
        raise MediaProblem("file_too_big", size_mb=mb(size), limit_mb=mb(limit))


def usable(ref: PhotoRef, limit: int) -> PhotoRef:
    """What we will download for `ref` (an oversized animation: its thumbnail); MediaProblem when
    nothing fits. Called when a file is *accepted*, so a refused file never joins a mix."""
    if ref.file_size is not None and ref.file_size > limit and ref.fallback is not None:
        ref = ref.fallback
    check_size(ref.file_size, limit)
    return ref


def looks_like_image(data: bytes) -> bool:
    """Magic numbers of the formats intake accepts; anything else is not worth decoding."""
    return (data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM"))
            or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"))


async def download(bot: Bot, ref: PhotoRef, limit: int, timeout_s: float) -> bytes:
    """The file's bytes (an animation's first frame as PNG); MediaProblem when it is too big, not an
    image, or unreachable."""
    ref = usable(ref, limit)
    try:  # retried on 5xx and network errors within the timeout (sending.py); failures are logged there
        data = await fetch_file(bot, ref.file_id, timeout_s, lambda size: check_size(size, limit))
    except DownloadFailed as e:
        raise MediaProblem("download_failed") from e
    check_size(len(data), limit)
    if ref.animated and looks_like_video(data):
        try:
            return await asyncio.to_thread(first_frame_png, data)  # ~10 ms of FFmpeg: off the event loop
        except IntakeError as e:
            raise MediaProblem("err_corrupt") from e
        except Exception as e:  # noqa: BLE001  (any decoder failure is a damaged file to the user)
            # PyAV raises more than its own errors on hostile files: UnicodeDecodeError for metadata
            # that is not UTF-8, ValueError, MemoryError... All of them mean "this file is damaged".
            log.info("animation not decodable (%s)", type(e).__name__)
            raise MediaProblem("err_corrupt") from None
    if not looks_like_image(data):
        raise MediaProblem("not_photo")
    return data
