"""fit_under (vae_core/fit_size.py): a real mix GIF and a real grid made by the engine on the tiny
model, shrunk under limits the originals don't meet (issue 23: Discord's upload limit)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageSequence

from vae_core.engine import MixOptions
from vae_core.fit_size import MIN_SIDE, fit_under


def _gif_frames(data: bytes) -> tuple[int, tuple[int, int], int, int]:
    """(frames, size, colours in the first frame's palette, total duration ms)."""
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "GIF"
        frames = [f.copy() for f in ImageSequence.Iterator(image)]
        total = sum(int(f.info.get("duration", 0)) for f in frames)
        colours = len(frames[0].getcolors(256) or [])
        return len(frames), image.size, colours, total


@pytest.fixture
async def mix_gif(engine, face_jpegs) -> bytes:
    reply = await engine.mix(face_jpegs, MixOptions(frames=24, size=384))
    assert reply.mime == "image/gif"
    return reply.data


def test_a_small_enough_file_is_returned_as_it_is(mix_gif):
    assert fit_under(mix_gif, len(mix_gif)) is mix_gif


def test_a_mix_gif_is_shrunk_under_the_limit_and_stays_a_loop(mix_gif):
    frames, size, _, total = _gif_frames(mix_gif)
    for share in (0.8, 0.4, 0.15):
        limit = int(len(mix_gif) * share)
        out = fit_under(mix_gif, limit)
        assert out is not None and len(out) <= limit, share
        n, (w, h), _, shown = _gif_frames(out)
        assert 2 <= n <= frames and min(w, h) >= MIN_SIDE and w == h <= size[0]
        assert abs(shown - total) <= 10 * n  # fewer frames each shown longer: the same pace
    # the gentlest step first: a little less room costs colours only, not frames or pixels
    n, got_size, colours, _ = _gif_frames(fit_under(mix_gif, int(len(mix_gif) * 0.95)))
    assert (n, got_size) == (frames, size) and colours <= 128


def test_too_small_a_limit_gives_none(mix_gif):
    assert fit_under(mix_gif, 500) is None


async def test_a_grid_png_is_shrunk_too(engine, face_jpegs):
    grid = (await engine.mix(face_jpegs, MixOptions(frames=16, format="grid", size=384))).data
    limit = len(grid) // 3
    out = fit_under(grid, limit)
    assert out is not None and len(out) <= limit
    with Image.open(io.BytesIO(out)) as image:
        assert image.format == "PNG" and min(image.size) >= MIN_SIDE
