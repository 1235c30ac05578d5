"""Frames the user sees: the model's in-between cats dressed in the real photos' fur.

The VAE works at 64 px, so its decodes are soft stand-ins for the user's cats. Each output frame is
the upscaled decode plus the photos' *residual detail* (photo - upscaled decode of its own latent),
split by a Gaussian into a low and a high band:

    frame_t = up(dec_t) + sum over the leg's two cats of  warp_t(w_lo(t) * R_lo + w_hi(t) * R_hi)

- At the ends the weights are 1 and 0, so the first and last frames are exactly the user's crops.
- The low band (colours and outlines the model got wrong: a background object, an open mouth) fades
  out by a smoothstep that reaches 0 mid-way: carried into the middle it draws a ghost outline.
- The high band (fur, whiskers, eye glints) fades with cos/sin weights, so the middle keeps a full
  photo's worth of fine detail.
- Both are *warped* onto the in-between cat: optical flow between neighbouring decodes, chained back
  to each cat, says where its eyes and ears went, so both cats' fur lands on one face instead of
  leaving double eyes. Whole-pixel (nearest) warps keep the fur sharp.
Choices were measured with trainer/evaluate_mix.py on half the sample photos (see the README).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from vae_core import resample


@dataclass(frozen=True)
class ComposeConfig:
    """How residual detail is carried between the ends (chosen by trainer/evaluate_mix.py)."""

    sigma: float = 1.5  # Gaussian splitting the residual's bands, in px of a 256 px frame
    lo_power: float = 6.0  # with lo_reach 0: low-band weight (1-t)^p
    lo_reach: float = 0.5  # > 0: low-band weight 1 - smoothstep(t / lo_reach) instead: flat at the ends, 0 mid-way
    hi_power: float = 1.0  # high-band weight: cos(pi/2 t)^p (energy kept across the middle at p=1)
    hi_curve: str = "cos"  # cos | linear (1-t: the plain detail transfer, for comparison)
    align: bool = True  # warp residuals onto the in-between cat with optical flow
    flow_finest: int = 0  # DIS pyramid level the flow is refined down to (0: the 64 px decodes themselves)
    flow_stride: int = 6  # DIS patch stride (8 px patches): 6 costs 0.17 ms a flow at 64 px, 4 costs 0.28
    flow_blur: float = 1.0  # Gaussian smoothing of the flow field (px of 64): keeps whiskers straight
    # sub-pixel warps: nearest rounds a smooth flow to whole pixels, which at 384 px (6 px per flow
    # pixel) turns a straight whisker into a staircase of parallel pieces. Bilinear keeps it a line and,
    # on the 8-bit packed residual with fixed-point maps, costs what nearest did; cubic costs 10x
    warp_interp: int = cv2.INTER_LINEAR
    # residual agreement: mid-way, one cat's detail may be at most `agree` x as strong (local RMS) as the
    # other cat's warped to the same place; stronger detail (an eye rim over the other cat's fur, text or
    # a tap behind one cat only) is scaled down to that, fur on fur is kept. 0 turns it off.
    # bilinear sampling at sub-pixel offsets averages neighbours: it takes about half the fine band's
    # power (measured: middle detail 0.98 -> 0.46). The band is boosted back in the middle frames only
    # (the ends are the photos themselves)
    hi_gain: float = 1.25
    # 0: off by default. It fades lone rims, collars and background objects, but it costs ~10 ms a
    # 256 px /mix (over the 10% a drawing-stage change may add) and half the middle frames' fur
    agree: float = 0.0
    agree_blur: float = 1.5  # Gaussian over the squared detail before the RMS, px of the 64 px flow grid
    agree_power: float = 2.0  # how the agreement comes in with t: sin(pi t)^p (0 at the ends, 1 mid-way)
    agree_floor: float = 2.0  # grey levels of RMS every cat is granted (no division by a flat patch)


DEFAULT = ComposeConfig()


@dataclass
class Leg:
    """One frame's place in a mix: between cats `a` and `b` (indexes into the sources) at `t`."""

    a: int
    b: int
    t: float


def legs_for(n_cats: int, frames: int) -> list[Leg]:
    """The (a, b, t) of every frame `Engine.path` makes: A->B, or the loop A->B->...->A."""
    ts = np.linspace(0.0, 1.0, frames)
    if n_cats == 2:
        return [Leg(0, 1, float(t)) for t in ts]
    return [Leg(k, (k + 1) % n_cats, float(t)) for k in range(n_cats) for t in ts[:-1]]


def fit_photo(photo: np.ndarray, size: int) -> np.ndarray:
    """The user's crop at the output side (area filter down, Lanczos up; a mix cuts it at its own
    size, so this only runs for Cats kept from an earlier request)."""
    if photo.shape[0] == size:
        return photo
    if photo.shape[0] > size:
        return resample.resize(photo, (size, size), exact=True)
    return cv2.resize(photo, (size, size), interpolation=cv2.INTER_LANCZOS4)


def _fade(x: float) -> float:
    """1 at x <= 0 to 0 at x >= 1, flat at both ends (1 - smoothstep)."""
    x = min(max(x, 0.0), 1.0)
    return 1.0 - x * x * (3 - 2 * x)


def weights(t: float, cfg: ComposeConfig) -> tuple[float, float, float, float]:
    """(lo_a, hi_a, lo_b, hi_b) at t: 1 for a and 0 for b at t=0, mirrored at t=1."""
    if cfg.lo_reach > 0:
        lo_a, lo_b = _fade(t / cfg.lo_reach), _fade((1 - t) / cfg.lo_reach)
    else:
        lo_a, lo_b = (1 - t) ** cfg.lo_power, t ** cfg.lo_power
    if cfg.hi_curve == "linear":
        return lo_a, (1 - t) ** cfg.hi_power, lo_b, t ** cfg.hi_power
    hi_a = float(np.cos(np.pi / 2 * t)) ** cfg.hi_power if t < 1 else 0.0
    hi_b = float(np.sin(np.pi / 2 * t)) ** cfg.hi_power if t > 0 else 0.0
    return lo_a, hi_a, lo_b, hi_b


class _Residual:
    """A photo's detail over its own upscaled decode (int16), split into two bands once per request."""

    def __init__(self, photo: np.ndarray, base: np.ndarray, sigma: float, gain: float = 1.0):
        self.photo, self.gain = photo, gain
        r = cv2.subtract(photo, base, dtype=cv2.CV_16S)
        self.lo = cv2.GaussianBlur(r, (0, 0), sigma) if sigma > 0 else np.zeros_like(r)
        self.hi = cv2.subtract(r, self.lo)

    def at(self, lo: float, hi: float) -> np.ndarray:
        """lo x low band + hi x high band, *packed* into uint8 as 128 + residual / 2: OpenCV's 8-bit
        bilinear remap is SIMD (as fast as a nearest int16 one), and a half grey level of precision
        is far under what the GIF palette does (residuals span -255..255, so nothing clips)."""
        return cv2.addWeighted(self.lo, lo / 2, self.hi, hi * self.gain / 2, 128.0, dtype=cv2.CV_8U)

    def rms(self, side: int, blur: float) -> np.ndarray:
        """Local RMS of the high band (grey levels, mean over channels) at the flow's `side`: how much
        fine detail this cat has around each place, for the agreement weight. Computed at 64 px, so
        it costs one squaring at output size per request."""
        h = self.hi.astype(np.float32)
        sq = cv2.transform(cv2.multiply(h, h), np.full((1, 3), 1 / 3, np.float32))
        e = cv2.resize(sq, (side, side), interpolation=cv2.INTER_AREA)
        if blur > 0:
            e = cv2.GaussianBlur(e, (0, 0), blur)
        return cv2.sqrt(e)


@functools.lru_cache(maxsize=8)
def pixel_grid(side: int) -> np.ndarray:
    """Pixel coordinates (x, y) of a side x side image: remap's identity map. Read-only, shared."""
    g = np.dstack(np.meshgrid(np.arange(side, dtype=np.float32), np.arange(side, dtype=np.float32)))
    g.flags.writeable = False
    return g


def _chain(steps: list[np.ndarray], grid: np.ndarray) -> list[np.ndarray]:
    """Flows to frame 0 from every frame, given steps[i-1] = flow from frame i to frame i-1.

    Neighbouring decodes differ by one small step, where optical flow is reliable even when the two
    cats' colours differ wildly (a tabby to a Siamese); one long jump is not. f_i = s_i + f_{i-1}(x + s_i).
    """
    out = [np.zeros_like(grid)]
    for step in steps:
        m = grid + step
        out.append(step + cv2.remap(out[-1], m[..., 0], m[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
    return out


def _runs(legs: Sequence[Leg]) -> list[list[int]]:
    """Frame indexes grouped into legs (consecutive frames between the same two cats)."""
    runs: list[list[int]] = []
    for i, leg in enumerate(legs):
        if runs and (legs[runs[-1][-1]].a, legs[runs[-1][-1]].b) == (leg.a, leg.b):
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _flows(decodes: np.ndarray, legs: Sequence[Leg], anchors: Sequence[int], has_photo: Sequence[bool],
           cfg: ComposeConfig) -> dict[tuple[int, int], np.ndarray]:
    """{(frame, cat): flow from the frame's decode to that cat's own decode, in decode pixels}.

    One DIS call per neighbouring pair: the flow from frame i+1 back to i, negated, stands in for the
    flow from i forward to i+1 (the steps are small and the decodes smooth, so the difference is far
    under a pixel), which halves the cost.
    """
    side = decodes.shape[1]
    dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
    dis.setFinestScale(cfg.flow_finest)
    dis.setPatchStride(cfg.flow_stride)
    grid = pixel_grid(side)
    greys = [cv2.cvtColor(d, cv2.COLOR_RGB2GRAY) for d in decodes]
    flows: dict[tuple[int, int], np.ndarray] = {}
    for run in _runs(legs):
        a, b = legs[run[0]].a, legs[run[0]].b
        if not (has_photo[a] or has_photo[b]):
            continue
        seq = [greys[i] for i in run]
        if legs[run[-1]].t < 1.0:
            seq.append(greys[anchors[b]])  # a loop's leg ends on the next leg's first frame
        back = [dis.calc(seq[i], seq[i - 1], None) for i in range(1, len(seq))]
        if has_photo[a]:
            for i, f in zip(run, _chain(back, grid), strict=False):
                flows[(i, a)] = f
        if has_photo[b]:
            forward = [-s for s in back[::-1]]
            for i, f in zip(run, _chain(forward, grid)[::-1], strict=False):
                flows[(i, b)] = f
    if cfg.flow_blur > 0:
        flows = {k: cv2.GaussianBlur(f, (0, 0), cfg.flow_blur) for k, f in flows.items()}
    return flows


_ZERO = (128.0, 128.0, 128.0)  # a packed residual of 0


@functools.lru_cache(maxsize=8)
def _flat(side: int) -> np.ndarray:
    """A packed residual of 0 everywhere, what the agreement gains scale towards. Shared."""
    f = np.full((side, side, 3), 128, np.uint8)
    f.flags.writeable = False
    return f


def _warp(img: np.ndarray, flow: np.ndarray, grid: np.ndarray, interp: int) -> np.ndarray:
    """`img` (a packed residual, size px) sampled at x + flow(x), the flow given in decode pixels.
    The map goes to fixed point first: OpenCV's bilinear remap is then SIMD and 2x faster."""
    size = img.shape[0]
    m = cv2.resize(flow, (size, size), interpolation=cv2.INTER_LINEAR)
    m *= size / flow.shape[0]
    m += grid
    if interp == cv2.INTER_NEAREST:
        return cv2.remap(img, m, None, interp, borderMode=cv2.BORDER_CONSTANT, borderValue=_ZERO)
    m1, m2 = cv2.convertMaps(m, None, cv2.CV_16SC2)
    # no detail from off the crop
    return cv2.remap(img, m1, m2, interp, borderMode=cv2.BORDER_CONSTANT, borderValue=_ZERO)


def _agreement(rms_a: np.ndarray, rms_b: np.ndarray, flow_a: np.ndarray, flow_b: np.ndarray,
               grid: np.ndarray, m: float, cfg: ComposeConfig) -> tuple[np.ndarray, np.ndarray]:
    """Per-place shares (flow-grid size) of the two cats' warped detail at one frame.

    Each cat's detail RMS is warped to the frame; where one is more than `agree` x the other, its
    gain drops to bring it down to that, by the amount `m` (0 at the ends, 1 mid-way). Detail both
    cats have (fur on fur) passes as before; detail only one has (an eye rim over the other's fur, a
    background tap or text) fades, so it cannot draw a second outline or a hollow eye on the
    in-between cat. (Handing the faded share to the other cat instead, keeping the sum, was tried: it
    left the rings at two thirds of their strength.)
    """
    ea, eb = (cv2.remap(r, grid[..., 0] + f[..., 0], grid[..., 1] + f[..., 1], cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE) + cfg.agree_floor
              for r, f in ((rms_a, flow_a), (rms_b, flow_b)))
    ga = 1.0 - m * (1.0 - np.minimum(1.0, cfg.agree * eb / ea))
    gb = 1.0 - m * (1.0 - np.minimum(1.0, cfg.agree * ea / eb))
    return ga, gb


def compose(decodes: np.ndarray, legs: Sequence[Leg], photos: Sequence[np.ndarray | None],
            anchors: Sequence[int], size: int, cfg: ComposeConfig = DEFAULT) -> np.ndarray:
    """N decodes (N x s x s x 3 uint8) -> N frames at `size` (uint8) carrying the photos' detail.

    `anchors[k]` is the frame whose decode is cat k's own (its latent, unmixed); cats without a
    photo (gallery, random) add nothing, so their end frame is their upscaled decode.
    """
    base = np.stack([cv2.resize(d, (size, size), interpolation=cv2.INTER_CUBIC) for d in decodes])
    sig = cfg.sigma * size / 256
    res = [None if p is None else _Residual(fit_photo(p, size), base[anchors[k]], sig, cfg.hi_gain)
           for k, p in enumerate(photos)]
    flows = _flows(decodes, legs, anchors, [r is not None for r in res], cfg) if cfg.align else {}
    grid = pixel_grid(size)
    side = decodes.shape[1]
    agree = cfg.align and cfg.agree > 0
    rms = [None if r is None or not agree else r.rms(side, cfg.agree_blur) for r in res]
    out = np.empty((len(legs), size, size, 3), np.uint8)
    for i, leg in enumerate(legs):
        lo_a, hi_a, lo_b, hi_b = weights(leg.t, cfg)
        ra, rb = res[leg.a], res[leg.b]
        if leg.t == 0.0 and ra is not None:
            out[i] = ra.photo
            continue
        if leg.t == 1.0 and rb is not None:
            out[i] = rb.photo
            continue
        parts: list[np.ndarray] = []
        for r, k, lo, hi in ((ra, leg.a, lo_a, hi_a), (rb, leg.b, lo_b, hi_b)):
            if r is None or (lo < 1e-3 and hi < 1e-3):
                continue
            d = r.at(lo, hi)
            if cfg.align:
                d = _warp(d, flows[(i, k)], grid, cfg.warp_interp)
            parts.append(d)
        m = float(np.sin(np.pi * leg.t)) ** cfg.agree_power if agree else 0.0
        ea, eb = rms[leg.a], rms[leg.b]
        if len(parts) == 2 and m > 1e-3 and ea is not None and eb is not None:
            # each gain scales a packed residual about 128 (its zero): blendLinear against a flat 128
            # is that, in one 8-bit SIMD pass (a gain of 1 leaves the residual exactly as it was)
            flat = _flat(size)
            ga, gb = (cv2.resize(g, (size, size), interpolation=cv2.INTER_LINEAR)
                      for g in _agreement(ea, eb, flows[(i, leg.a)], flows[(i, leg.b)], pixel_grid(side), m, cfg))
            parts = [cv2.blendLinear(parts[0], flat, ga, 1.0 - ga), cv2.blendLinear(parts[1], flat, gb, 1.0 - gb)]
        if len(parts) == 2:
            out[i] = cv2.add(base[i], cv2.addWeighted(parts[0], 2.0, parts[1], 2.0, -512.0, dtype=cv2.CV_16S),
                             dtype=cv2.CV_8U)
        elif parts:
            out[i] = cv2.addWeighted(parts[0], 2.0, base[i], 1.0, -256.0, dtype=cv2.CV_8U)
        else:
            out[i] = base[i]
    return out
