"""Animations as Telegram delivers them: GIFs converted to H.264 MP4 (made here with PyAV)."""

from __future__ import annotations

import io

import av
import numpy as np
from PIL import Image


def mp4_from(first: bytes, frames: int = 8, side: int = 192) -> bytes:
    """An MP4 whose first frame is the picture `first` (then it fades to black)."""
    img = np.asarray(Image.open(io.BytesIO(first)).convert("RGB").resize((side, side)))
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width = stream.height = side
        stream.pix_fmt = "yuv420p"
        for i in range(frames):
            frame = (img * (1 - i / frames)).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def mp4_with_undecodable_metadata(first: bytes) -> bytes:
    """An animation whose title is not UTF-8 (as in 39 of 6,000 fuzzed files, issue 21): made
    with a placeholder title, whose bytes are then replaced with invalid UTF-8."""
    img = np.asarray(Image.open(io.BytesIO(first)).convert("RGB").resize((64, 64)))
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        out.metadata["title"] = "KMXRTITLE"
        stream = out.add_stream("libx264", rate=10)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    data = buf.getvalue()
    assert data.count(b"KMXRTITLE") == 1
    return data.replace(b"KMXRTITLE", b"\xff\xfe\xfd\xfcTITLE")
