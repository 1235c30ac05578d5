import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from image_factory import encode_image, synthetic_faces
from PIL import Image

from vae_core.errors import IntakeError
from vae_core.facecrop import shift_inside
from vae_core.finder import CROP_PER_HEAD, Detection, crop_square
from vae_core.intake import IntakeLimits, prepare


def _ok_or_typed(data: bytes, limits=IntakeLimits()):
    try:
        crop, _, report = prepare(data, limits)
    except IntakeError as e:
        assert e.code in {"not_image", "corrupt", "too_large", "too_many_pixels", "too_small", "unsupported"}
        assert str(e)  # a sentence a bot can show
        return None
    assert crop.shape == (64, 64, 3) and crop.dtype == np.uint8
    return report


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_work_or_raise_the_typed_error(data):
    _ok_or_typed(data)


_JPEG = encode_image(synthetic_faces(1, size=128)[0], "JPEG")
_PNG = encode_image(synthetic_faces(1, size=128)[0], "PNG")


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([_JPEG, _PNG]), st.integers(min_value=0, max_value=len(_PNG)))
def test_truncated_files_work_or_raise_the_typed_error(full, cut):
    _ok_or_typed(full[:cut])


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([_JPEG, _PNG]),
       st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8))
def test_bit_flipped_files_work_or_raise_the_typed_error(full, flips):
    data = bytearray(full)
    for pos, val in flips:
        data[pos % len(data)] = val
    _ok_or_typed(bytes(data))


def _png_header_only(w: int, h: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions: a decompression bomb in miniature."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(b"\x00" * 64))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + idat + chunk(b"IEND", b"")


def test_huge_dimensions_in_a_tiny_file_are_refused_before_decoding():
    data = _png_header_only(50_000, 50_000)
    assert len(data) < 200
    with pytest.raises(IntakeError) as e:
        prepare(data)
    assert e.value.code == "too_many_pixels" and "too big" in str(e.value)
    # below Pillow's own bomb limit our stricter limit answers, with the size
    with pytest.raises(IntakeError) as e:
        prepare(_png_header_only(8000, 6000))
    assert e.value.code == "too_many_pixels" and "8000x6000" in str(e.value)


def test_too_large_file_message_gives_both_sizes():
    with pytest.raises(IntakeError) as e:
        prepare(b"\xff" * 2_000_000, IntakeLimits(max_bytes=1_000_000))
    assert e.value.code == "too_large"
    assert "2 MB" in str(e.value) and "limit is 977 KB" in str(e.value)


@pytest.mark.parametrize("size", [(1, 1), (20, 200)])
def test_tiny_images_are_refused_with_their_size(size):
    with pytest.raises(IntakeError) as e:
        prepare(encode_image(np.zeros((size[1], size[0], 3), np.uint8)))
    assert e.value.code == "too_small" and f"{size[0]}x{size[1]}" in str(e.value)


def test_cmyk_16bit_palette_transparency_and_animation_all_work():
    face = synthetic_faces(1, size=96)[0]
    buf = io.BytesIO()
    Image.fromarray(face).convert("CMYK").save(buf, "JPEG")
    assert _ok_or_typed(buf.getvalue()).source_format == "JPEG"

    grey16 = (np.linspace(0, 65535, 96 * 96).reshape(96, 96)).astype(np.uint16)
    buf = io.BytesIO()
    Image.fromarray(grey16).save(buf, "PNG")
    crop = prepare(buf.getvalue()).crop
    assert crop[..., 0].max() > 200  # scaled from 16 bits, not clipped to white
    assert crop[..., 0].min() < 50

    pal = Image.fromarray(face).convert("P", palette=Image.Palette.ADAPTIVE)
    pal.info["transparency"] = 0
    buf = io.BytesIO()
    pal.save(buf, "PNG", transparency=0)
    assert _ok_or_typed(buf.getvalue()) is not None

    rgba = np.dstack([face, np.zeros(face.shape[:2], np.uint8)])  # fully transparent
    crop, _, report = prepare(encode_image(rgba))
    assert report.flattened and crop.min() == 255  # flattened onto white

    frames = [Image.fromarray(f) for f in synthetic_faces(3, size=96, seed=4)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=50)
    crop, _, report = prepare(buf.getvalue())
    assert report.animated and report.source_format == "GIF"


def test_exif_orientation_is_honoured():
    img = np.zeros((100, 60, 3), np.uint8)
    img[:40] = 255  # white band at the top of a portrait image
    pil = Image.fromarray(img)
    exif = pil.getexif()
    exif[0x0112] = 6  # rotate 90 CW on display
    buf = io.BytesIO()
    pil.save(buf, "JPEG", exif=exif)
    crop, _, report = prepare(buf.getvalue())
    # displayed upright it is landscape 100x60 with the band on the right; the centre crop shows it
    assert report.source_size == (60, 100)
    assert crop[:, -5:].mean() > 200 and crop[:, :5].mean() < 50


def test_unsupported_format_says_which():
    buf = io.BytesIO()
    Image.fromarray(synthetic_faces(1)[0]).save(buf, "TIFF")
    with pytest.raises(IntakeError) as e:
        prepare(buf.getvalue())
    assert e.value.code == "unsupported" and "TIFF" in str(e.value)


def test_crop_square_matches_training_framing_and_slides_in_only_a_little():
    left, top, right, bottom = crop_square(Detection((400, 300, 600, 500), 0.9))
    assert right - left == bottom - top == pytest.approx(200 * CROP_PER_HEAD)
    assert (left + right) / 2 == pytest.approx(500)
    assert (top + bottom) / 2 == pytest.approx(400 + 0.10 * 200)  # the cats64 face sits a bit high
    # off the right edge by 50 px: slid in by at most 12% of the side, the rest is padded
    x0, y0, x1, y1 = shift_inside((250, 50, 350, 150), (300, 200))
    assert (x0, x1) == (238, 338) and (y0, y1) == (50, 150)
    assert shift_inside((260, 50, 290, 80), (300, 200)) == (260, 50, 290, 80)  # inside: untouched
    assert shift_inside((-50, -50, 350, 350), (300, 200)) == (-50, -50, 350, 350)  # wider than the photo


def test_real_photos_find_the_cat_face_and_crop_like_the_training_data(cat_photos):
    found = [prepare(p).report.face_found for p in cat_photos]
    assert sum(found) >= 0.8 * len(found)  # measured 42/48 with the 128 px scan


def test_no_cat_gives_a_centre_crop_and_says_so():
    grad = np.tile(np.linspace(0, 255, 300, dtype=np.uint8)[None, :, None], (200, 1, 3))
    _, _, report = prepare(encode_image(grad))
    assert not report.face_found and report.box == (50, 0, 250, 200)


def test_small_training_style_crops_keep_working():
    import zipfile
    from pathlib import Path

    zip_path = Path(__file__).resolve().parents[3] / "shared" / "data" / "cats64.zip"
    if not zip_path.exists():
        pytest.skip("shared training zip not available")
    with zipfile.ZipFile(zip_path) as zf:
        names = [n for n in zf.namelist() if n.endswith((".jpg", ".png"))][::500]
        reports = [prepare(zf.read(n)) for n in names]
    for crop, hi, report in reports:
        assert crop.shape == (64, 64, 3) and hi.shape == (384, 384, 3)
        # a found face never crops to less than most of an already-cropped face
        left, _, right, _ = report.box
        assert right - left >= 0.6 * report.source_size[0]


def test_hi_is_the_same_square_as_the_crop_cut_from_the_full_size_photo(cat_photos):
    from vae_core import resample
    from vae_core.intake import HI_SIDE

    p = prepare(cat_photos[0])
    assert p.hi.shape == (HI_SIDE, HI_SIDE, 3) and p.hi.dtype == np.uint8
    small = resample.resize(p.hi, (64, 64), exact=True).astype(int)  # the same (area) filter the crop was cut with
    assert np.abs(small - p.crop.astype(int)).mean() < 3  # same square, same framing
    # and it is real detail, not the 64 px crop scaled up: far more high-frequency energy
    up = np.asarray(Image.fromarray(p.crop).resize((HI_SIDE, HI_SIDE), Image.Resampling.LANCZOS), dtype=float)
    assert np.abs(np.diff(p.hi.astype(float), axis=1)).mean() > 1.5 * np.abs(np.diff(up, axis=1)).mean()
