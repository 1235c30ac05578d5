import asyncio
import io
import threading

import imageio.v3 as iio
import numpy as np
import pytest
import torch
from generated_finder import GeneratedFaceFinder
from image_factory import encode_image, synthetic_faces
from PIL import Image

from vae_core.engine import Engine, EngineSettings, MixOptions
from vae_core.errors import BadRequest, EngineBusy, EngineTimeout, IntakeError
from vae_core.hints import FaceHint
from vae_core.render import MAX_REPLY_BYTES


def _gif_frames(data: bytes) -> np.ndarray:
    return iio.imread(data, index=None)


async def test_mix_gives_a_gif_with_the_asked_frames_and_same_inputs_same_output(engine, face_jpegs):
    r = await engine.mix(face_jpegs, MixOptions(frames=9))
    frames = _gif_frames(r.data)
    assert r.mime == "image/gif" and r.frames == 9 and frames.shape[:3] == (9, 256, 256)
    assert len(r.reports) == 2
    again = await engine.mix(face_jpegs, MixOptions(frames=9))
    assert again.data == r.data  # posterior mean, not a sample
    # the first and last frames differ: it really is a morph
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 3


async def test_grid_has_real_crops_at_the_ends(engine, face_jpegs):
    r = await engine.mix(face_jpegs, MixOptions(frames=5, format="grid"))
    img = np.asarray(Image.open(io.BytesIO(r.data)))
    assert r.mime == "image/png" and img.shape == (128, 5 * 128 + 4 * 4, 3)
    crop_a = engine.prepare(face_jpegs[0]).crop
    first_cell = np.asarray(Image.fromarray(img[:, :128]).resize((64, 64), Image.Resampling.LANCZOS))
    assert np.abs(first_cell.astype(int) - crop_a.astype(int)).mean() < 6


async def test_boomerang_slerp_and_limits(engine, face_jpegs):
    r = await engine.mix(face_jpegs, MixOptions(frames=6, boomerang=True, path="slerp"))
    assert r.frames == 10 and len(_gif_frames(r.data)) == 10
    for bad in (MixOptions(frames=1), MixOptions(frames=33), MixOptions(format="mp4"), MixOptions(path="zigzag")):
        with pytest.raises(BadRequest):
            await engine.mix(face_jpegs, bad)
    with pytest.raises(BadRequest):
        await engine.mix(face_jpegs[:1])


async def test_largest_allowed_reply_fits_chat_upload_limits(engine):
    noisy = [encode_image((np.random.default_rng(i).random((256, 256, 3)) * 255).astype(np.uint8)) for i in (1, 2)]
    # noise has no cat face: the user said "use the whole photo" for both
    cats = await engine.cats(noisy, [FaceHint.whole_photo()] * 2)
    r = await engine.mix(cats, MixOptions(frames=32, boomerang=True, size=512))
    assert len(r.data) < MAX_REPLY_BYTES
    assert len(_gif_frames(r.data)) == 62


async def test_random(engine):
    r = await engine.random(4, seed=1)
    assert r.mime == "image/png" and Image.open(io.BytesIO(r.data)).size == (2 * 128 + 4, 2 * 128 + 4)
    assert (await engine.random(4, seed=1)).data == r.data
    assert (await engine.random(4, seed=2)).data != r.data
    with pytest.raises(BadRequest):
        await engine.random(17)


async def test_bad_upload_raises_the_typed_error(engine, face_jpegs):
    with pytest.raises(IntakeError) as e:
        await engine.mix([face_jpegs[0], b"%PDF-1.4 not a cat"])
    assert e.value.code == "not_image"


async def test_32_concurrent_requests_all_get_their_own_correct_result(tiny_model, face_jpegs):
    eng = Engine(tiny_model, EngineSettings(workers=2, max_pending=32, timeout_s=60), finder=GeneratedFaceFinder())
    try:
        opts = [MixOptions(frames=2 + i % 7) for i in range(32)]
        results = await asyncio.gather(*(eng.mix(face_jpegs, o) for o in opts))
        assert [len(_gif_frames(r.data)) for r in results] == [o.frames for o in opts]
        assert eng.pending == 0
    finally:
        eng.close()


async def test_full_queue_says_busy_and_a_stuck_request_times_out(tiny_model, face_jpegs):
    eng = Engine(tiny_model, EngineSettings(workers=1, max_pending=2, timeout_s=0.5), finder=GeneratedFaceFinder())
    release = threading.Event()
    real_decode = eng.decode

    def stuck_decode(z):
        release.wait(10)
        return real_decode(z)

    eng.decode = stuck_decode
    try:
        first = asyncio.ensure_future(eng.mix(face_jpegs))
        second = asyncio.ensure_future(eng.mix(face_jpegs))
        await asyncio.sleep(0.05)
        with pytest.raises(EngineBusy):
            await eng.mix(face_jpegs)
        with pytest.raises(EngineTimeout):
            await first
        with pytest.raises(EngineTimeout):
            await second
        release.set()
        for _ in range(100):  # the stuck jobs free their slots once they really end
            if eng.pending == 0:
                break
            await asyncio.sleep(0.05)
        eng.decode = real_decode
        eng.settings = EngineSettings(workers=1, max_pending=2, timeout_s=20)
        assert (await eng.mix(face_jpegs)).frames == 12
    finally:
        release.set()
        eng.close()


async def test_event_loop_keeps_running_while_the_engine_works(engine, face_jpegs):
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    t = asyncio.ensure_future(ticker())
    await asyncio.gather(*(engine.mix(face_jpegs, MixOptions(frames=16)) for _ in range(4)))
    t.cancel()
    assert ticks > 5


async def test_cats_carry_latent_photo_and_report_and_mix_accepts_them(engine, face_jpegs):
    from vae_core.engine import Cat
    from vae_core.intake import HI_SIDE

    cats = await engine.cats(face_jpegs)
    assert [c.photo.shape for c in cats] == [(HI_SIDE, HI_SIDE, 3)] * 2
    assert all(c.z.shape == (engine.model.config.latent_dim,) and c.report is not None for c in cats)
    from_bytes = await engine.mix(face_jpegs, MixOptions(frames=6))
    from_cats = await engine.mix(cats, MixOptions(frames=6))
    # the same latents; the pictures differ only by the kept 384 px crop being shrunk to 256 px
    # where a mix from bytes cuts 256 px from the photo directly
    assert [torch.equal(a.z, b.z) for a, b in zip(from_bytes.cats, cats, strict=True)] == [True, True]
    fa, fb = _gif_frames(from_cats.data).astype(float), _gif_frames(from_bytes.data).astype(float)
    assert fa.shape == fb.shape
    assert 10 * np.log10(255**2 / np.mean((fa - fb) ** 2)) > 25  # another photo would be ~10-15 dB
    # a cat known by its latent alone mixes too, and has no photo
    lone = engine.cat_from_latent(cats[1].z * 0.5, label="gallery #3")
    assert isinstance(lone, Cat) and lone.photo is None and lone.label == "gallery #3"
    mixed = await engine.mix([face_jpegs[0], lone], MixOptions(frames=4))
    assert mixed.frames == 4 and mixed.cats[1] is lone and len(mixed.reports) == 1


async def test_two_to_four_sources_only(engine):
    photos = [encode_image(f, "JPEG", quality=90) for f in synthetic_faces(5, size=256, seed=3)]
    with pytest.raises(BadRequest):
        await engine.mix(photos)
    with pytest.raises(BadRequest):
        await engine.mix(photos[:1])
