"""Training examples for the cat-head finder, made on the fly from three sources.

- In-scene photos with labelled heads (`scenes/`): the real thing, with cat bodies, paws and sofas as
  the negatives that matter. Only their "train" split is used here; `scene_split` is shared with the
  evaluation so that no evaluated photo was trained on.
- Face crops (`cats64.zip` Kaggle/fferlito faces, `afhq192.zip`) pasted with a soft oval edge onto scene
  backgrounds at any size from 4% to 90% of the width and any tilt: many more heads, small ones that
  the scenes lack, and tilt labels (the crops are eye-aligned, so the paste's rotation is the label).
- AFHQ-like close-ups: one face filling most of the frame.

Every example gets flips, colour, blur and JPEG noise. The network sees 256x256 canvases.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from vae_core.detection import CROP_PER_HEAD, CROP_SHIFT_Y

CANVAS = 256


def scene_split(file_name: str) -> str:
    """30% of the scenes are held out ("test") for evaluation, by a hash of the file name."""
    return "test" if int(hashlib.sha1(file_name.encode()).hexdigest(), 16) % 10 < 3 else "train"


@dataclass
class Scene:
    image: np.ndarray  # HxWx3 uint8, longest side at most 640
    heads: list[tuple[float, float, float, float]]  # head boxes in `image` pixels


@dataclass
class Head:
    cx: float
    cy: float
    side: float
    angle: float | None = None  # degrees; None where unknown (the scenes)


@dataclass
class Sources:
    scenes: list[Scene]
    faces64: np.ndarray  # N x 64 x 64 x 3
    faces192: np.ndarray  # M x 192 x 192 x 3
    rng: np.random.Generator = field(default_factory=np.random.default_rng)
    # Largest head tilt made, degrees. Above 45, a quarter of the scenes are also turned by up to this
    # much (cats lying on their side) and pasted faces reach it (issue 22: lying and tilted cats).
    max_tilt: float = 45.0


def load_scenes(root: str | Path, split: str | None = "train", max_side: int = 640) -> list[tuple[str, Scene]]:
    root = Path(root)
    items = json.loads((root / "manifest.json").read_text())["items"]
    out = []
    for it in items:
        if split is not None and scene_split(it["file"]) != split:
            continue
        img = Image.open(root / "photos" / it["file"]).convert("RGB")
        s = min(1.0, max_side / max(img.size))
        if s < 1.0:
            img = img.resize((round(img.width * s), round(img.height * s)), Image.Resampling.BILINEAR)
        heads = [tuple(v * s for v in b) for b in it.get("all_head_boxes") or [it["head_box"]]]
        out.append((it["file"], Scene(np.asarray(img), heads)))
    return out


def load_faces(zip_path: str | Path, size: int, skip_prefix: tuple[str, ...] = ()) -> np.ndarray:
    faces = []
    with zipfile.ZipFile(zip_path) as z:
        for name in z.namelist():
            base = name.rsplit("/", 1)[-1]
            if not base or base.startswith(skip_prefix) or not base.lower().endswith((".jpg", ".png", ".jpeg")):
                continue
            img = Image.open(io.BytesIO(z.read(name))).convert("RGB")
            if img.size != (size, size):
                img = img.resize((size, size), Image.Resampling.LANCZOS)
            faces.append(np.asarray(img))
    return np.stack(faces)


def load_sources(data_root: str | Path, seed: int = 0) -> Sources:
    root = Path(data_root)
    scenes = [s for _, s in load_scenes(root / "scenes", "train")]
    # cats64's AFHQ crops are left out: some may be of the AFHQ close-ups used for evaluation;
    # afhq192 excludes those by construction.
    faces64 = load_faces(root / "cats64.zip", 64, skip_prefix=("afhq_",))
    faces192 = load_faces(root / "afhq192.zip", 192)
    return Sources(scenes, faces64, faces192, np.random.default_rng(seed))


# ---- building one example ---------------------------------------------------------------------------
def _affine_scene(src: Sources, out_side: int, head_frac: tuple[float, float]) -> tuple[np.ndarray, list[Head]]:
    """A scene photo scaled, shifted and slightly rotated onto a canvas; its labelled heads follow."""
    rng = src.rng
    sc = src.scenes[rng.integers(len(src.scenes))]
    h, w = sc.image.shape[:2]
    main = max(sc.heads, key=lambda b: b[2] - b[0])
    side0 = max(main[2] - main[0], main[3] - main[1])
    # choose the scale from the wanted head size, bounded so the photo still covers most of the canvas
    want = math.exp(rng.uniform(math.log(head_frac[0]), math.log(head_frac[1]))) * out_side
    s = want / side0
    s = min(max(s, 0.5 * out_side / max(w, h)), 3.0 * out_side / max(w, h))
    ang = rng.uniform(-12, 12) if rng.random() < 0.5 else 0.0
    if src.max_tilt > 45 and rng.random() < 0.25:
        ang = rng.uniform(-src.max_tilt, src.max_tilt)
    # keep the main head on the canvas when possible
    mcx, mcy = (main[0] + main[2]) / 2 * s, (main[1] + main[3]) / 2 * s
    tx = rng.uniform(min(0, out_side - w * s), max(0, out_side - w * s))
    ty = rng.uniform(min(0, out_side - h * s), max(0, out_side - h * s))
    if not (0 <= mcx + tx <= out_side and 0 <= mcy + ty <= out_side):
        tx = rng.uniform(0.15, 0.85) * out_side - mcx
        ty = rng.uniform(0.15, 0.85) * out_side - mcy
    m = cv2.getRotationMatrix2D((out_side / 2, out_side / 2), ang, 1.0) @ np.array(
        [[s, 0, tx], [0, s, ty], [0, 0, 1]], dtype=np.float64)
    # a plain border: reflecting the photo would mirror its heads into unlabelled copies
    fill = tuple(int(v) for v in rng.integers(0, 256, 3))
    canvas = cv2.warpAffine(sc.image, m, (out_side, out_side), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
    heads = []
    for b in sc.heads:
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        px, py = m @ np.array([cx, cy, 1.0])
        heads.append(Head(px, py, max(b[2] - b[0], b[3] - b[1]) * s, None))
    return canvas, heads


def _cat_free(src: Sources, out_side: int) -> np.ndarray | None:
    """A part of a scene photo beside all its heads (bodies, paws, people, furniture), scaled up as the
    finder scales a small photo: the false finds that matter are on exactly these."""
    rng = src.rng
    sc = src.scenes[rng.integers(len(src.scenes))]
    h, w = sc.image.shape[:2]
    x0, y0 = min(b[0] for b in sc.heads), min(b[1] for b in sc.heads)
    x1, y1 = max(b[2] for b in sc.heads), max(b[3] for b in sc.heads)
    strips = [(0, 0, int(x0), h), (int(x1) + 1, 0, w, h), (0, 0, w, int(y0)), (0, int(y1) + 1, w, h)]
    strips = [b for b in strips if b[2] - b[0] >= 48 and b[3] - b[1] >= 48]
    if not strips:
        return None
    bx0, by0, bx1, by1 = strips[rng.integers(len(strips))]
    # a random window of the strip, at least half of it each way
    cw = int(rng.uniform(0.5, 1.0) * (bx1 - bx0))
    ch = int(rng.uniform(0.5, 1.0) * (by1 - by0))
    cx0 = bx0 + int(rng.integers(0, bx1 - bx0 - cw + 1))
    cy0 = by0 + int(rng.integers(0, by1 - by0 - ch + 1))
    part = sc.image[cy0:cy0 + ch, cx0:cx0 + cw]
    s = out_side / max(cw, ch)
    part = cv2.resize(part, (max(1, round(cw * s)), max(1, round(ch * s))), interpolation=cv2.INTER_LINEAR)
    canvas = np.empty((out_side, out_side, 3), np.uint8)
    # the border find()'s padded look puts round a small photo is its mean colour; else any colour
    canvas[:] = part.reshape(-1, 3).mean(0) if rng.random() < 0.5 else rng.integers(0, 256, 3)
    oy = int(rng.integers(0, out_side - part.shape[0] + 1))
    ox = int(rng.integers(0, out_side - part.shape[1] + 1))
    canvas[oy:oy + part.shape[0], ox:ox + part.shape[1]] = part
    return canvas


def _face_patch(src: Sources, side_px: float) -> tuple[np.ndarray, float]:
    """A face crop (sharp AFHQ for large heads), at the size where its head is `side_px` wide."""
    rng = src.rng
    if side_px > 70 or rng.random() < 0.5:
        face = src.faces192[rng.integers(len(src.faces192))]
    else:
        face = src.faces64[rng.integers(len(src.faces64))]
    crop_side = max(8, round(side_px * CROP_PER_HEAD))
    patch = cv2.resize(face, (crop_side, crop_side), interpolation=cv2.INTER_AREA if crop_side < face.shape[0]
                       else cv2.INTER_LINEAR)
    return patch, crop_side


def _paste(canvas: np.ndarray, src: Sources, heads: list[Head], side_frac: tuple[float, float],
           close_up: bool = False) -> None:
    """Paste one tilted face with a feathered oval edge where it does not cover a labelled head."""
    rng = src.rng
    out = canvas.shape[0]
    side = math.exp(rng.uniform(math.log(side_frac[0]), math.log(side_frac[1]))) * out
    patch, crop_side = _face_patch(src, side)
    most = max(45.0, src.max_tilt)
    ang = float(rng.normal(0, 15)) if rng.random() < 0.8 else float(rng.uniform(-most, most))
    ang = float(np.clip(ang, -most, most))
    for _ in range(10):
        if close_up:
            cx, cy = rng.uniform(0.35, 0.65) * out, rng.uniform(0.35, 0.65) * out
        else:
            cx, cy = rng.uniform(0.05, 0.95) * out, rng.uniform(0.05, 0.95) * out
        if all(math.hypot(cx - h.cx, cy - h.cy) > 0.6 * (side + h.side) for h in heads):
            break
    else:
        return
    # the crop's centre sits CROP_SHIFT_Y * side below the head centre (before tilting)
    a = math.radians(ang)
    off_x, off_y = -math.sin(a) * CROP_SHIFT_Y * side, math.cos(a) * CROP_SHIFT_Y * side
    pcx, pcy = cx + off_x, cy + off_y
    # rotate the patch about its centre by `ang` (clockwise on screen) and place it
    m = cv2.getRotationMatrix2D((crop_side / 2, crop_side / 2), -ang, 1.0)
    m[0, 2] += pcx - crop_side / 2
    m[1, 2] += pcy - crop_side / 2
    warped = cv2.warpAffine(patch, m, (out, out), flags=cv2.INTER_LINEAR)
    mask = np.zeros((crop_side, crop_side), np.float32)
    axes = (int(crop_side * rng.uniform(0.44, 0.5)), int(crop_side * rng.uniform(0.42, 0.5)))
    cv2.ellipse(mask, (crop_side // 2, crop_side // 2), axes, 0, 0, 360, 1.0, -1)
    blur = max(1, int(crop_side * 0.08)) | 1
    mask = cv2.GaussianBlur(mask, (blur * 2 + 1, blur * 2 + 1), 0)
    alpha = cv2.warpAffine(mask, m, (out, out), flags=cv2.INTER_LINEAR)[..., None]
    canvas[:] = (canvas * (1 - alpha) + warped * alpha).astype(np.uint8)
    heads.append(Head(cx, cy, side, ang))


def _photometric(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    x = img.astype(np.float32)
    x = x * rng.uniform(0.6, 1.4) + rng.uniform(-30, 30)  # contrast, brightness
    grey = x.mean(axis=2, keepdims=True)
    x = grey + (x - grey) * (0.0 if rng.random() < 0.05 else rng.uniform(0.5, 1.5))  # saturation
    x = x * rng.uniform(0.9, 1.1, 3)  # white balance
    x = np.clip(x, 0, 255).astype(np.uint8)
    if rng.random() < 0.2:
        k = int(rng.choice([3, 5]))
        x = cv2.GaussianBlur(x, (k, k), 0)
    if rng.random() < 0.3:
        ok, enc = cv2.imencode(".jpg", x, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 90))])
        x = cv2.imdecode(enc, cv2.IMREAD_UNCHANGED)
    return x


def make_example(src: Sources, side: int = CANVAS, cat_free: float = 0.0) -> tuple[np.ndarray, list[Head]]:
    """One `side` x `side` training canvas and its heads (the verifier uses larger canvases than the net).
    A `cat_free` share of canvases are scene parts with no head at all."""
    rng = src.rng
    if cat_free and rng.random() < cat_free:
        canvas = _cat_free(src, side)
        if canvas is not None:
            if rng.random() < 0.5:
                canvas = canvas[:, ::-1].copy()
            return _photometric(canvas, rng), []
    kind = rng.random()
    if kind < 0.45:  # a real scene, at its own or a smaller head size
        canvas, heads = _affine_scene(src, side, (0.04, 0.6))
        if rng.random() < 0.3:
            _paste(canvas, src, heads, (0.04, 0.3))
    elif kind < 0.8:  # faces pasted on a scene background
        canvas, heads = _affine_scene(src, side, (0.05, 0.5))
        for _ in range(1 + int(rng.random() < 0.3)):
            _paste(canvas, src, heads, (0.04, 0.45))
    else:  # a close-up, like the AFHQ photos people crop tightly
        canvas, heads = _affine_scene(src, side, (0.1, 0.4))
        _paste(canvas, src, heads, (0.45, 0.85), close_up=True)
        heads[:] = [h for h in heads if h is heads[-1] or math.hypot(h.cx - heads[-1].cx, h.cy - heads[-1].cy)
                    > 0.7 * (h.side + heads[-1].side)]
    if rng.random() < 0.5:
        canvas = canvas[:, ::-1].copy()
        for h in heads:
            h.cx = side - h.cx
            h.angle = None if h.angle is None else -h.angle
    heads = [h for h in heads if 0 <= h.cx < side and 0 <= h.cy < side and h.side >= 6 * side / CANVAS]
    return _photometric(canvas, rng), heads


def encode_targets(heads: list[Head], out_hw: tuple[int, int], stride: int) -> dict[str, np.ndarray]:
    """Heads -> CenterNet targets: gaussian heatmap, and at each centre cell offset, log side, angle."""
    oh, ow = out_hw
    heat = np.zeros((oh, ow), np.float32)
    reg = np.zeros((5, oh, ow), np.float32)  # off x, off y, log side, sin, cos
    reg_mask = np.zeros((oh, ow), np.float32)
    ang_mask = np.zeros((oh, ow), np.float32)
    ys, xs = np.mgrid[0:oh, 0:ow]
    for h in heads:
        gx, gy = h.cx / stride, h.cy / stride
        ix, iy = min(int(gx), ow - 1), min(int(gy), oh - 1)
        sigma = max(0.6, h.side / stride / 6)
        g = np.exp(-((xs + 0.5 - gx) ** 2 + (ys + 0.5 - gy) ** 2) / (2 * sigma**2))
        heat = np.maximum(heat, g)
        heat[iy, ix] = 1.0
        for dy in (-1, 0, 1):  # supervise the size at the centre cell and its neighbours
            for dx in (-1, 0, 1):
                y, x = iy + dy, ix + dx
                if 0 <= y < oh and 0 <= x < ow and (dx == dy == 0 or reg_mask[y, x] == 0):
                    reg[0, y, x], reg[1, y, x] = gx - (x + 0.5), gy - (y + 0.5)
                    reg[2, y, x] = math.log(h.side / stride)
                    w = 1.0 if dx == dy == 0 else 0.3
                    reg_mask[y, x] = w
                    if h.angle is not None:
                        a = math.radians(h.angle)
                        reg[3, y, x], reg[4, y, x] = math.sin(a), math.cos(a)
                        ang_mask[y, x] = w
    return {"heat": heat, "reg": reg, "reg_mask": reg_mask, "ang_mask": ang_mask}
