"""vae_core/video.py: the first frame of an animation, from real files made here with PyAV."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest
from image_factory import encode_image
from PIL import Image

from vae_core import video
from vae_core.errors import IntakeError


def clip(colours: list[tuple[int, int, int]], width: int = 64, height: int = 48, fmt: str = "mp4",
         codec: str = "libx264") -> bytes:
    """A video whose frames are solid colours, in order."""
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=10)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        for colour in colours:
            frame = np.full((height, width, 3), colour, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def sound_only() -> bytes:
    """A WAV file: a container FFmpeg reads, with no video stream in it."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


@pytest.fixture(scope="module")
def mp4() -> bytes:
    return clip([(200, 40, 40), (40, 40, 200), (40, 200, 40)])


def test_mp4_and_webm_look_like_videos_and_pictures_do_not(mp4):
    assert video.looks_like_video(mp4)
    assert video.looks_like_video(clip([(0, 0, 0)], fmt="webm", codec="libvpx"))
    picture = np.full((16, 16, 3), 90, np.uint8)
    assert not video.looks_like_video(encode_image(picture, "JPEG"))
    assert not video.looks_like_video(encode_image(picture, "PNG"))
    assert not video.looks_like_video(b"")


def test_the_first_frame_is_the_first_not_a_later_one(mp4):
    frame = video.first_frame(mp4)
    assert frame.shape == (48, 64, 3) and frame.dtype == np.uint8
    assert np.abs(frame.reshape(-1, 3).mean(axis=0) - (200, 40, 40)).max() < 12  # red, not the blue that follows


def test_the_png_is_the_same_frame_as_an_ordinary_picture(mp4):
    png = video.first_frame_png(mp4)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size == (64, 48)
    assert np.array_equal(np.asarray(img.convert("RGB")), video.first_frame(mp4))  # PNG is lossless


@pytest.mark.parametrize(("data", "code"), [
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200, "corrupt"),  # an MP4 header with nothing behind it
    (b"not a video at all", "corrupt"),
])
def test_damaged_files_are_refused_as_damaged(data, code):
    with pytest.raises(IntakeError) as err:
        video.first_frame(data)
    assert err.value.code == code


def test_a_file_with_no_pictures_is_refused_as_not_an_image():
    with pytest.raises(IntakeError) as err:
        video.first_frame(sound_only())
    assert err.value.code == "not_image"


def test_frames_larger_than_any_cat_photo_are_refused():
    with pytest.raises(IntakeError) as err:
        video.first_frame(clip([(1, 2, 3)], width=video.MAX_SIDE + 4, height=16))
    assert err.value.code == "too_many_pixels"
    assert video.first_frame(clip([(1, 2, 3)], width=video.MAX_SIDE, height=16)).shape == (16, video.MAX_SIDE, 3)
