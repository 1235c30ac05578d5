"""The first frame of a short video (Telegram's "animations": GIFs arrive converted to MP4).

Decoded with PyAV (FFmpeg's libraries, a well-kept binding with wheels for every platform). Only
the first frame is decoded, and the stream is read with FFmpeg's own demuxer, so a 20 MB file
costs one frame's work. Why decode rather than use Telegram's thumbnail: see
bot/telegram/media.py and benchmarks/bench_animation.py (thumbnails are at most 320 px, JPEG
re-compressed, and not always there; decoding gives the real frame at full size for ~10 ms).
"""

from __future__ import annotations

import io

import av
import numpy as np
from PIL import Image

from vae_core.errors import IntakeError

MAX_SIDE = 4096  # a larger video frame is no cat photo anyone sends; refuse before converting


def looks_like_video(data: bytes) -> bool:
    """MP4/MOV (`ftyp` box) or WebM/Matroska (EBML header): what Telegram delivers as animations."""
    return data[4:8] == b"ftyp" or data.startswith(b"\x1a\x45\xdf\xa3")


def first_frame(data: bytes) -> np.ndarray:
    """The first video frame as uint8 HxWx3 RGB; IntakeError("corrupt") if there is none."""
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            stream = next((s for s in container.streams if s.type == "video"), None)
            if stream is None:
                raise IntakeError("not_image", "That file has no pictures in it.")
            stream.thread_type = "NONE"  # one frame: threads only add start-up cost
            for frame in container.decode(stream):
                if frame.width > MAX_SIDE or frame.height > MAX_SIDE:
                    raise IntakeError("too_many_pixels", "That video's frames are too large.")
                return frame.to_ndarray(format="rgb24")
    except av.FFmpegError as e:
        raise IntakeError("corrupt", "That animation looks damaged; please send it again.") from e
    raise IntakeError("corrupt", "That animation has no frames I can read.")


def first_frame_png(data: bytes) -> bytes:
    """The first frame as PNG bytes, so the rest of the pipeline (intake) sees an ordinary picture.
    PNG, not JPEG: the frame was compressed once already; compress_level 1 keeps it fast."""
    buf = io.BytesIO()
    Image.fromarray(first_frame(data)).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()
