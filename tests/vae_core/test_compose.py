"""vae_core/compose.py (issue 19): sub-pixel warps keep lines straight, the residual agreement fades
detail only one cat has, and the end frames stay exactly the user's photos."""

import cv2
import numpy as np

from vae_core import compose


def _line_image(size: int) -> np.ndarray:
    """A thin bright diagonal line on grey: a whisker."""
    img = np.full((size, size, 3), 100, np.uint8)
    cv2.line(img, (20, size // 3), (size - 20, size // 3 + size // 4), (230, 230, 230), 1, cv2.LINE_AA)
    return img


def _smooth_flow(side: int) -> np.ndarray:
    """A smooth sub-pixel flow on the 64 px grid: a gentle shear, under a pixel of 64 everywhere."""
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    return np.dstack([0.3 + 0.4 * xx / side, 0.2 + 0.5 * yy / side]).astype(np.float32)


def _row_peaks(img: np.ndarray) -> np.ndarray:
    """Per column, the row of the line's centre (intensity-weighted), from the packed residual."""
    d = np.abs(img[..., 0].astype(np.float32) - 128)
    rows = np.arange(img.shape[0], dtype=np.float32)[:, None]
    return (d * rows).sum(0) / np.maximum(d.sum(0), 1e-6)


def _steps(img: np.ndarray) -> float:
    """The largest jump of the line's centre from one column to the next, minus its slope."""
    c = _row_peaks(img)[40:-40]
    return float(np.abs(np.diff(np.diff(c))).max())


def test_subpixel_warp_keeps_a_straight_line_straight():
    size = 384
    residual = cv2.addWeighted(_line_image(size), 0.5, _line_image(size), 0.0, 78.0)  # packed: 128 + (img-100)/2
    flow = _smooth_flow(64)
    grid = compose.pixel_grid(size)
    nearest = compose._warp(residual, flow, grid, cv2.INTER_NEAREST)
    ours = compose._warp(residual, flow, grid, compose.DEFAULT.warp_interp)
    # whole-pixel rounding of a smooth flow breaks the line into staircase pieces; bilinear does not
    straight = _steps(residual)  # the anti-aliased line before any warp
    assert _steps(nearest) > 4 * straight
    assert _steps(ours) < 0.4 * _steps(nearest) and _steps(ours) < 2 * straight
    # and it still is one line (its energy is not smeared away)
    assert np.abs(ours.astype(int) - 128).max() > 40


def test_end_frames_are_exactly_the_photos_and_middle_frames_differ():
    rng = np.random.default_rng(1)
    photos = [(rng.random((256, 256, 3)) * 255).astype(np.uint8) for _ in range(2)]
    decodes = np.stack([cv2.resize(cv2.GaussianBlur(p, (0, 0), 3), (64, 64), interpolation=cv2.INTER_AREA)
                        for p in (photos[0], photos[0], photos[1], photos[1])])
    legs, anchors = compose.legs_for(2, 4), [0, 3]
    out = compose.compose(decodes, legs, photos, anchors, 256)
    assert np.array_equal(out[0], photos[0]) and np.array_equal(out[-1], photos[1])
    assert not np.array_equal(out[1], photos[0])


def test_agreement_fades_detail_only_one_cat_has_and_keeps_shared_fur():
    """Cat A has fur plus a strong ring (an eye rim) in one place, cat B only fur: mid-way the ring is
    brought down to the fur's level; the fur both have is kept."""
    size = 256
    rng = np.random.default_rng(0)
    grey = np.full((size, size, 3), 120, np.float32)

    def fur() -> np.ndarray:
        return cv2.GaussianBlur(rng.standard_normal((size, size)).astype(np.float32) * 25, (0, 0), 0.7)[..., None]

    a = grey + fur()
    b = grey + fur()
    cv2.circle(a, (80, 100), 18, (255, 255, 255), 2)
    cv2.circle(a, (80, 100), 21, (0, 0, 0), 2)
    photos = [np.clip(x, 0, 255).astype(np.uint8) for x in (a, b)]
    decodes = np.full((5, 64, 64, 3), 120, np.uint8)  # the model's blur: same for all frames, zero flow
    legs, anchors = compose.legs_for(2, 5), [0, 4]
    on = compose.compose(decodes, legs, photos, anchors, size, compose.ComposeConfig(agree=1.5))
    off = compose.compose(decodes, legs, photos, anchors, size, compose.ComposeConfig(agree=0.0))
    ring = np.zeros((size, size), bool)
    cv2.circle(ring.view(np.uint8), (80, 100), 20, 1, 6)
    far = np.zeros((size, size), bool)
    far[160:240, 150:240] = True

    def rms(img: np.ndarray, mask: np.ndarray) -> float:
        return float(np.sqrt(((img[mask].astype(np.float32) - 120) ** 2).mean()))

    assert rms(on[2], ring) < 0.6 * rms(off[2], ring)  # the lone ring fades mid-way
    assert rms(on[2], far) > 0.85 * rms(off[2], far)  # fur on fur stays
    assert np.array_equal(on[0], photos[0]) and np.array_equal(on[-1], photos[1])


def test_agreement_is_off_at_the_ends_and_with_one_photo():
    """A gallery cat (no photo) has no detail to agree with: the photo's detail passes as before."""
    rng = np.random.default_rng(2)
    photo = (rng.random((128, 128, 3)) * 255).astype(np.uint8)
    decodes = np.full((4, 64, 64, 3), 128, np.uint8)
    legs, anchors = compose.legs_for(2, 4), [0, 3]
    on = compose.compose(decodes, legs, [photo, None], anchors, 128, compose.ComposeConfig(agree=1.5))
    off = compose.compose(decodes, legs, [photo, None], anchors, 128, compose.ComposeConfig(agree=0.0))
    assert np.array_equal(on, off)
    assert np.array_equal(on[0], photo)


def test_the_fine_band_gain_restores_the_middle_frames_fur_and_leaves_the_ends_exact():
    """Bilinear warps average neighbouring pixels; hi_gain gives the fine band its strength back in the
    middle frames, while the first and last frames stay the user's photos byte for byte."""
    rng = np.random.default_rng(4)
    photos = [np.clip(120 + rng.standard_normal((128, 128, 3)) * 30, 0, 255).astype(np.uint8) for _ in range(2)]
    decodes = np.full((5, 64, 64, 3), 120, np.uint8)
    legs, anchors = compose.legs_for(2, 5), [0, 4]
    plain = compose.compose(decodes, legs, photos, anchors, 128, compose.ComposeConfig(hi_gain=1.0))
    boosted = compose.compose(decodes, legs, photos, anchors, 128, compose.ComposeConfig(hi_gain=1.25))
    assert np.array_equal(boosted[0], photos[0]) and np.array_equal(boosted[-1], photos[1])
    spread = [float(f.astype(np.float32).std()) for f in (plain[2], boosted[2])]
    assert 1.15 < spread[1] / spread[0] < 1.35
