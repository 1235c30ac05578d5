"""How well a cat-head finder does on photos as people take them: `kitten-mixer evaluate-finder`.

Everything is measured the way the bot meets a photo: the JPEG bytes are decoded by intake (so
the finder sees the same reduced image) and the time per photo counts decode + find. Figures:

- recall on the in-scene heads by head-size bucket, by the centre rule (box centre inside the true
  head box, width 0.5x-2x of it) and by IoU >= 0.5 (the crop the VAE sees depends on it);
- false finds: crops of the scene photos away from every labelled head (cat bodies, paws, sofas),
  counted when any detection clears the shipped threshold;
- AFHQ close-ups found, with the truth derived from the cats64 framing (the fixed 512 px face
  square x 62-444, y 102-484, inverted through `crop_square`), plus the loose middle-third rule;
- small heads (< 10% of the width), made by scaling held-out scenes onto larger canvases;
- ms per photo (p50, mean), one thread;
- issue 22's sets (trainer/finder_sets.py): dog photos (taken for a cat, or answered "a dog"), cat-free
  strips cut like real photos (the widest strip beside the heads, at the photo's resolution), people
  and cats (a person's portrait pasted beside the cat: is the person's face ever chosen?), and a table of
  the misses by kind.

The split must match training: `trainer.finder_data.scene_split` decides which scenes were never trained
on; `finder_sets.scene_split3` cuts those in "test" (thresholds are chosen here) and "held-out".
"""

from __future__ import annotations

import io
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from tqdm import tqdm

from trainer.finder_sets import (
    PEOPLE_IN_SCENES,
    STRIP_EXCLUDED,
    dog_files,
    heads_of,
    load_scene_items,
    widest_strip,
)
from vae_core.detection import CROP_PER_HEAD, CROP_SHIFT_Y, Detection, Finder, look
from vae_core.facecrop import iou
from vae_core.intake import IntakeLimits, decode_image

Box = tuple[float, float, float, float]

BUCKETS = ((0.0, 0.10), (0.10, 0.20), (0.20, 0.35), (0.35, 0.60), (0.60, 10.0))
# The cats64 framing of the 512 px AFHQ photos (see shared/data/README.md, afhq192).
AFHQ_CROP = (62.0, 102.0, 444.0, 484.0)
REGIONS_PER_PHOTO = 3
SMALL_FRACS = (0.05, 0.095)  # head width / canvas width for the made-up small heads
SMALL_CANVAS = (1024, 768)


def centre_hit(det: Detection, truth: Box) -> bool:
    """The issue's centre rule: the box centre inside the true head, the width 0.5x-2x of it."""
    cx, cy = det.center
    width = det.box[2] - det.box[0]
    true_w = truth[2] - truth[0]
    return truth[0] <= cx <= truth[2] and truth[1] <= cy <= truth[3] and 0.5 * true_w <= width <= 2.0 * true_w


def afhq_truth() -> Box:
    """The head box whose `crop_square` is the AFHQ face square (the framing the VAE trained on)."""
    x0, y0, x1, y1 = AFHQ_CROP
    head = (x1 - x0) / CROP_PER_HEAD
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2 - CROP_SHIFT_Y * head
    return cx - head / 2, cy - head / 2, cx + head / 2, cy + head / 2


def bucket_name(lo: float, hi: float) -> str:
    return f"<{hi:.0%}" if lo == 0 else f">={lo:.0%}" if hi > 1 else f"{lo:.0%}-{hi:.0%}"


@dataclass
class Timed:
    dets: list[Detection]
    ms: float
    scale: float  # decoded-image pixels per stored-image pixel


def run_finder(finder: Finder, data: bytes) -> Timed:
    """Decode like intake, look (cats' and dogs' heads: the same work as `find`), and time both."""
    t0 = time.perf_counter()
    img, facts = decode_image(data, IntakeLimits())
    dets = look(finder, img)
    ms = (time.perf_counter() - t0) * 1000
    return Timed(dets, ms, max(img.size) / max(facts["source_size"]))


def _confident(finder: Finder, dets: list[Detection], kind: str = "cat") -> Detection | None:
    """The best head of that kind when it clears the threshold (what intake would use)."""
    best = next((d for d in dets if d.kind == kind), None)
    return best if best is not None and best.score >= finder.threshold else None


def _scaled(box: Box, k: float) -> Box:
    return box[0] * k, box[1] * k, box[2] * k, box[3] * k


def _jpeg(img: Image.Image, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def load_manifest(root: Path, split: str) -> list[dict]:
    """Scenes of a split: "test", "held-out", "test+held-out" (every scene the finder never trained on),
    "train" or "all"."""
    return load_scene_items(root, split)


def _score_heads(finder: Finder, det: Detection | None, truths: list[Box]) -> tuple[bool, bool]:
    if det is None:
        return False, False
    return any(centre_hit(det, t) for t in truths), any(iou(det.box, t) >= 0.5 for t in truths)


def free_regions(size: tuple[int, int], heads: list[Box], rng: np.random.Generator, n: int) -> list[Box]:
    """Up to n squares (25-60% of the shorter side) touching no labelled head (heads grown 15%)."""
    w, h = size
    grown = [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2, (b[2] - b[0]) * 0.65, (b[3] - b[1]) * 0.65) for b in heads]
    grown_boxes = [(cx - hw, cy - hh, cx + hw, cy + hh) for cx, cy, hw, hh in grown]
    out: list[Box] = []
    for _ in range(200):
        if len(out) == n:
            break
        side = rng.uniform(0.25, 0.6) * min(w, h)
        x, y = rng.uniform(0, w - side), rng.uniform(0, h - side)
        box = (x, y, x + side, y + side)
        clear = all(box[2] <= g[0] or box[0] >= g[2] or box[3] <= g[1] or box[1] >= g[3] for g in grown_boxes)
        if clear and all(iou(box, o) < 0.3 for o in out):
            out.append(box)
    return out


def small_head_canvas(img: Image.Image, head: Box, rng: np.random.Generator) -> tuple[Image.Image, Box]:
    """The photo shrunk so its head is 5-9.5% of a 1024 px canvas, placed at random on a smooth
    field of the photo's own colours (its 4x3 px thumbnail enlarged: no second cat, even a blurred one)."""
    cw, ch = SMALL_CANVAS
    frac = rng.uniform(*SMALL_FRACS)
    k = frac * cw / (head[2] - head[0])
    pw, ph = max(1, round(img.width * k)), max(1, round(img.height * k))
    canvas = img.resize((4, 3), Image.Resampling.BOX).resize((cw, ch), Image.Resampling.BICUBIC)
    x, y = int(rng.integers(0, max(1, cw - pw))), int(rng.integers(0, max(1, ch - ph)))
    canvas.paste(img.resize((pw, ph), Image.Resampling.LANCZOS), (x, y))
    return canvas, (head[0] * k + x, head[1] * k + y, head[2] * k + x, head[3] * k + y)


def evaluate_finder(finder: Finder, scenes: str | Path, split: str = "test", photos: str | Path | None = None,
                    small: bool = True, seed: int = 0, progress: bool = True, limit: int = 0,
                    draws: int = 1, strips: bool = True, dogs: str | Path | None = None,
                    people: str | Path | None = None, tilts: bool = True) -> dict:
    """All the figures as one dict (what `--json` writes).

    The cat-free regions and the made-up small-head canvases are random; `draws` > 1 repeats them
    with seeds seed, seed+1, ... and pools the counts. One draw of ~290 regions moves the false-find
    rate by about a percentage point either way (measured: 1.0-3.4% over five draws for one finder),
    so compare finders on several. Draw 0 is the same as a single draw with `seed`."""
    root = Path(scenes)
    items = load_manifest(root, split)
    if limit:
        items = items[:limit]
    rngs = [np.random.default_rng(seed + k) for k in range(max(1, draws))]
    per_bucket = {bucket_name(*b): [0, 0, 0] for b in BUCKETS}  # n, centre hits, iou hits
    misses = dict.fromkeys(MISS_KINDS, 0)
    ms: list[float] = []
    regions = false_finds = 0
    small_n = small_centre = small_iou = 0
    for it in tqdm(items, desc="scenes", unit="photo", disable=not progress):
        data = (root / "photos" / it["file"]).read_bytes()
        timed = run_finder(finder, data)
        ms.append(timed.ms)
        truths = [_scaled(tuple(b), timed.scale) for b in it.get("all_head_boxes") or [it["head_box"]]]
        best = _confident(finder, timed.dets)
        centre, good = _score_heads(finder, best, truths)
        misses[miss_kind(best, truths)] += 1
        frac = it["head_frac_w"]
        name = next(bucket_name(lo, hi) for lo, hi in BUCKETS if lo <= frac < hi)
        row = per_bucket[name]
        row[0] += 1
        row[1] += centre
        row[2] += good
        img = Image.open(io.BytesIO(data)).convert("RGB")
        heads = [tuple(b) for b in it.get("all_head_boxes") or [it["head_box"]]]
        for rng in rngs:
            for box in free_regions(img.size, heads, rng, REGIONS_PER_PHOTO):
                region = img.crop(tuple(round(v) for v in box))
                regions += 1
                false_finds += _confident(finder, run_finder(finder, _jpeg(region)).dets) is not None
            if small:
                canvas, head = small_head_canvas(img, tuple(it["head_box"]), rng)
                timed = run_finder(finder, _jpeg(canvas))
                c, g = _score_heads(finder, _confident(finder, timed.dets), [_scaled(head, timed.scale)])
                small_n, small_centre, small_iou = small_n + 1, small_centre + c, small_iou + g
    n = sum(r[0] for r in per_bucket.values())
    under20 = [per_bucket[bucket_name(*b)] for b in BUCKETS[:2]]
    n20 = sum(r[0] for r in under20)
    result = {
        "finder": type(finder).__name__,
        "threshold": finder.threshold,
        "split": split,
        "scenes": n,
        "centre_recall": _rate(sum(r[1] for r in per_bucket.values()), n),
        "iou50_recall": _rate(sum(r[2] for r in per_bucket.values()), n),
        "centre_recall_under_20pct": _rate(sum(r[1] for r in under20), n20),
        "iou50_recall_under_20pct": _rate(sum(r[2] for r in under20), n20),
        "buckets": {k: {"n": v[0], "centre_recall": _rate(v[1], v[0]), "iou50_recall": _rate(v[2], v[0])}
                    for k, v in per_bucket.items()},
        "false_finds": {"regions": regions, "found": false_finds, "rate": _rate(false_finds, regions),
                        "draws": len(rngs)},
        "ms_per_photo": {"p50": round(statistics.median(ms), 2) if ms else None,
                         "mean": round(statistics.fmean(ms), 2) if ms else None},
    }
    result["misses"] = {k: v for k, v in misses.items() if k != "hit"}
    if small:
        result["small_heads"] = {"n": small_n, "head_frac_w": list(SMALL_FRACS),
                                 "centre_recall": _rate(small_centre, small_n),
                                 "iou50_recall": _rate(small_iou, small_n)}
    photo_dir = Path(photos) if photos else root.parent / "photos"
    if photo_dir.is_dir():
        result["afhq"] = evaluate_closeups(finder, photo_dir, progress)
        if tilts:
            result["tilted"] = evaluate_tilted(finder, photo_dir, progress)
    if strips:
        result["strips"] = evaluate_strips(finder, root, items, progress)
    dog_dir = Path(dogs) if dogs else root.parent / "dogs"
    if dog_dir.is_dir():
        result["dogs"] = evaluate_dogs(finder, dog_dir, "test" if split in ("test+held-out", "all") else split,
                                       progress, also_held_out=split in ("test+held-out", "all"))
    result["people"] = evaluate_people(finder, root, items, Path(people) if people else None, progress, seed)
    return result


MISS_KINDS = ("hit", "no head", "part of a head", "box too big", "loose or shifted box", "another place")


def miss_kind(det: Detection | None, truths: list[Box]) -> str:
    """What went wrong with the photo's chosen head ("hit": nothing, centre rule and IoU >= 0.5 met)."""
    if det is None:
        return "no head"
    if any(centre_hit(det, t) and iou(det.box, t) >= 0.5 for t in truths):
        return "hit"
    cx, cy = det.center
    inside = [t for t in truths if t[0] <= cx <= t[2] and t[1] <= cy <= t[3]]
    if not inside:
        return "another place"
    w = det.box[2] - det.box[0]
    if all(w < 0.6 * (t[2] - t[0]) for t in inside):
        return "part of a head"
    if all(w > 1.6 * (t[2] - t[0]) for t in inside):
        return "box too big"
    return "loose or shifted box"


def evaluate_strips(finder: Finder, root: Path, items: list[dict], progress: bool = True) -> dict:
    """False finds on real cat-free strips: per scene, the widest strip beside every labelled head, cut at
    the photo's own resolution (finder_sets.widest_strip), less those excluded by hand (STRIP_EXCLUDED)."""
    n = found = 0
    files = []
    for it in tqdm(items, desc="strips", unit="strip", disable=not progress):
        if it["file"] in STRIP_EXCLUDED:
            continue
        img = Image.open(root / "photos" / it["file"]).convert("RGB")
        box = widest_strip(img.size, heads_of(it))
        if box is None:
            continue
        n += 1
        det = _confident(finder, run_finder(finder, _jpeg(img.crop(box))).dets)
        if det is not None:
            found += 1
            files.append(it["file"])
    return {"n": n, "found": found, "rate": _rate(found, n), "excluded_by_hand": len(STRIP_EXCLUDED),
            "files_found": files}


def evaluate_dogs(finder: Finder, dog_dir: Path, split: str, progress: bool = True,
                  also_held_out: bool = False) -> dict:
    """Dog photos (no cat in them): how many are taken for a cat (a confident cat head), and how many
    the finder answers with a dog's head instead. Per split; "test" and "held-out" both when asked."""
    out = {}
    for name in (split, "held-out") if also_held_out and split != "held-out" else (split,):
        files = dog_files(dog_dir, name)
        as_cat, as_dog, cat_files = 0, 0, []
        for path in tqdm(files, desc=f"dogs ({name})", unit="photo", disable=not progress):
            dets = run_finder(finder, path.read_bytes()).dets
            cat = _confident(finder, dets)
            if cat is not None:
                as_cat += 1
                cat_files.append(path.name)
            elif _confident(finder, dets, "dog") is not None:
                as_dog += 1
        out[name] = {"n": len(files), "taken_for_cat": _rate(as_cat, len(files)),
                     "answered_dog": _rate(as_dog, len(files)), "files_taken_for_cat": cat_files}
    return out


# People for the people-and-cats composites: portraits that ship inside registry packages' sample data
# (no photo of a person ships in the shared data). The face box (forehead or hat brim to chin, ear to
# ear) was marked by hand on each; `--people DIR` points at a folder holding the files.
PORTRAITS = {
    "grace_hopper.jpg": (150.0, 110.0, 378.0, 340.0),  # matplotlib's sample_data (US Navy photo, public domain)
    "astronaut.png": (160.0, 30.0, 300.0, 190.0),  # scikit-image's data (NASA, public domain)
}


def people_composite(scene: Image.Image, heads: list[Box], portrait: Image.Image, face: Box,
                     rng: np.random.Generator) -> tuple[Image.Image, Box] | None:
    """The scene with a person's head and shoulders pasted beside its cats, the person's face 0.9-1.6x
    the cat's head (a person holding a cat), edges feathered; None when no place clears every cat head."""
    cat_w = max(h[2] - h[0] for h in heads)
    fw, fh = face[2] - face[0], face[3] - face[1]
    k = rng.uniform(0.8, 1.5) * cat_w / fw
    # head and shoulders: the face grown 0.5 face widths each side, 0.3 up, 1.0 down
    px0, py0 = max(0, face[0] - 0.5 * fw), max(0, face[1] - 0.3 * fh)
    px1, py1 = min(portrait.width, face[2] + 0.5 * fw), min(portrait.height, face[3] + 1.0 * fh)
    part = portrait.crop((round(px0), round(py0), round(px1), round(py1)))
    pw, ph = max(8, round(part.width * k)), max(8, round(part.height * k))
    part = part.resize((pw, ph), Image.Resampling.LANCZOS)
    fx, fy = (face[0] - px0) * k, (face[1] - py0) * k  # the face's corner in the pasted part
    grown = [(h[0] - 0.15 * (h[2] - h[0]), h[1] - 0.15 * (h[3] - h[1]), h[2] + 0.15 * (h[2] - h[0]),
              h[3] + 0.15 * (h[3] - h[1])) for h in heads]
    # the person may stand partly off the frame (shoulders cut, as in real photos), never the face
    for _ in range(100):
        x = int(rng.integers(round(-fx), max(round(-fx) + 1, round(scene.width - fx - fw * k) + 1)))
        y = int(rng.integers(round(-fy), max(round(-fy) + 1, round(scene.height - fy - fh * k) + 1)))
        box = (x, y, x + pw, y + ph)
        if all(box[2] <= g[0] or box[0] >= g[2] or box[3] <= g[1] or box[1] >= g[3] for g in grown):
            break
    else:
        return None
    edge = max(2, round(0.06 * min(pw, ph)))
    ramp = np.minimum(np.arange(pw)[None, :], np.arange(pw)[::-1][None, :]) / edge
    ramp = np.minimum(ramp, np.minimum(np.arange(ph)[:, None], np.arange(ph)[::-1][:, None]) / edge)
    mask = Image.fromarray((np.clip(ramp, 0, 1) * 255).astype(np.uint8), "L")
    out = scene.copy()
    out.paste(part, (x, y), mask)
    return out, (x + fx, y + fy, x + fx + fw * k, y + fy + fh * k)


def evaluate_people(finder: Finder, root: Path, items: list[dict], people: Path | None, progress: bool = True,
                    seed: int = 0) -> dict:
    """People and cats: each scene with each portrait (in `people`, when given) pasted beside its cat,
    and the scenes with a real person (finder_sets.PEOPLE_IN_SCENES). A person's face is chosen when
    the confident head's centre lies in the face; the cat is found by the centre rule."""
    rng = np.random.default_rng(seed + 22)
    portraits = [(Image.open(people / name).convert("RGB"), face) for name, face in PORTRAITS.items()
                 if people is not None and (people / name).is_file()]
    n = person = cat = 0
    files = []
    for it in tqdm(items, desc="people", unit="photo", disable=not progress):
        scene = Image.open(root / "photos" / it["file"]).convert("RGB")
        heads = heads_of(it)
        for portrait, face in portraits:
            made = people_composite(scene, heads, portrait, face, rng)
            if made is None:
                continue
            img, face_box = made
            timed = run_finder(finder, _jpeg(img))
            det = _confident(finder, timed.dets)
            n += 1
            fb = _scaled(face_box, timed.scale)
            if det is not None and fb[0] <= det.center[0] <= fb[2] and fb[1] <= det.center[1] <= fb[3]:
                person += 1
                files.append(it["file"])
            cat += det is not None and any(centre_hit(det, _scaled(t, timed.scale)) for t in heads)
    real = []  # the scenes with a real person in them (finder_sets.PEOPLE_IN_SCENES), chosen or not
    for it in items:
        if it["file"] in PEOPLE_IN_SCENES:
            timed = run_finder(finder, (root / "photos" / it["file"]).read_bytes())
            det = _confident(finder, timed.dets)
            fb = _scaled(PEOPLE_IN_SCENES[it["file"]], timed.scale)
            chosen = det is not None and fb[0] <= det.center[0] <= fb[2] and fb[1] <= det.center[1] <= fb[3]
            real.append({"file": it["file"], "person_chosen": chosen,
                         "cat_found": det is not None and any(centre_hit(det, _scaled(t, timed.scale))
                                                              for t in heads_of(it))})
    return {"n": n, "person_chosen": person, "person_rate": _rate(person, n), "cat_found": _rate(cat, n),
            "files_person_chosen": files, "portraits": len(portraits), "real_photos": real,
            **({} if portraits else {"note": f"no portraits in {people}"})}


def evaluate_closeups(finder: Finder, photo_dir: Path, progress: bool = True) -> dict:
    """AFHQ close-ups: the truth is the head box of the cats64 framing (512 px photos)."""
    files = sorted(p for p in photo_dir.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    truth = afhq_truth()
    centre = good = loose = 0
    for path in tqdm(files, desc="close-ups", unit="photo", disable=not progress):
        timed = run_finder(finder, path.read_bytes())
        det = _confident(finder, timed.dets)
        if det is None:
            continue
        k = 1 / timed.scale
        photo_det = Detection(_scaled(det.box, k), det.score, det.angle)
        t = _scaled(truth, Image.open(path).width / 512)
        centre += centre_hit(photo_det, t)
        good += iou(photo_det.box, t) >= 0.5
        w = Image.open(path).width
        cx, cy = photo_det.center
        loose += (w / 3 <= cx <= 2 * w / 3 and w / 3 <= cy <= 2 * w / 3
                  and 0.4 * w <= photo_det.box[2] - photo_det.box[0] <= 1.0 * w)
    n = len(files)
    return {"n": n, "centre_recall": _rate(centre, n), "iou50_recall": _rate(good, n),
            "middle_third_rule": _rate(loose, n)}


TILTS = (30.0, 60.0, 90.0)  # degrees, each way


def tilted(img: Image.Image, head: Box, degrees: float) -> tuple[Image.Image, Box]:
    """The photo turned `degrees` clockwise about its centre (canvas grown to hold it all, corners its
    mean colour) and where the head's box goes (same side, its centre moved with the photo)."""
    a = np.asarray(img.convert("RGB"))
    h, w = a.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -degrees, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(round(h * sin + w * cos)), int(round(h * cos + w * sin))
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    fill = tuple(int(v) for v in a.reshape(-1, 3).mean(0))
    out = cv2.warpAffine(a, m, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
    cx, cy = (head[0] + head[2]) / 2, (head[1] + head[3]) / 2
    ncx, ncy = m @ np.array([cx, cy, 1.0])
    half = (head[2] - head[0]) / 2
    return Image.fromarray(out), (ncx - half, ncy - half, ncx + half, ncy + half)


def evaluate_tilted(finder: Finder, photo_dir: Path, progress: bool = True) -> dict:
    """Pose: the AFHQ close-ups (eyes level) turned by TILTS each way: heads found (centre rule), and how
    far the reported roll is from the true turn (what the upright crop is cut by)."""
    files = sorted(p for p in photo_dir.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    truth = afhq_truth()
    out = {}
    for deg in TILTS:
        found, errors, n = 0, [], 0
        for path in tqdm(files, desc=f"tilted {deg:.0f}", unit="photo", disable=not progress):
            img = Image.open(path).convert("RGB")
            t0 = _scaled(truth, img.width / 512)
            for sign in (1, -1):
                turned, head = tilted(img, t0, sign * deg)
                timed = run_finder(finder, _jpeg(turned))
                det = _confident(finder, timed.dets)
                n += 1
                if det is not None and centre_hit(det, _scaled(head, timed.scale)):
                    found += 1
                    errors.append(abs((det.angle - sign * deg + 180) % 360 - 180))
        out[f"{deg:.0f}"] = {"n": n, "found": _rate(found, n),
                             "roll_error_p50": round(statistics.median(errors), 1) if errors else None}
    return out


def _rate(k: int, n: int) -> float | None:
    return round(k / n, 4) if n else None


def format_table(r: dict) -> str:
    """The figures as a plain table for the terminal."""
    pct = lambda v: "  -  " if v is None else f"{v * 100:5.1f}%"  # noqa: E731
    lines = [f"finder {r['finder']} (threshold {r['threshold']}), {r['split']} scenes: {r['scenes']}",
             f"{'head width':>12} {'n':>4} {'centre':>7} {'IoU>=.5':>8}"]
    for name, b in r["buckets"].items():
        lines.append(f"{name:>12} {b['n']:>4} {pct(b['centre_recall']):>7} {pct(b['iou50_recall']):>8}")
    lines.append(f"{'all':>12} {r['scenes']:>4} {pct(r['centre_recall']):>7} {pct(r['iou50_recall']):>8}")
    lines.append(f"{'<20%':>12} {'':>4} {pct(r['centre_recall_under_20pct']):>7} "
                 f"{pct(r['iou50_recall_under_20pct']):>8}")
    if "small_heads" in r:
        s = r["small_heads"]
        lines.append(f"{'made <10%':>12} {s['n']:>4} {pct(s['centre_recall']):>7} {pct(s['iou50_recall']):>8}")
    f = r["false_finds"]
    draws = f" ({f['draws']} draws)" if f.get("draws", 1) > 1 else ""
    lines.append(f"false finds on cat-free regions{draws}: {f['found']}/{f['regions']} = {pct(f['rate']).strip()}")
    if "afhq" in r:
        a = r["afhq"]
        lines.append(f"AFHQ close-ups found: {pct(a['centre_recall']).strip()} centre rule, "
                     f"{pct(a['iou50_recall']).strip()} IoU>=.5, {pct(a['middle_third_rule']).strip()} middle-third "
                     f"rule (n={a['n']})")
    if "strips" in r:
        st = r["strips"]
        lines.append(f"false finds on cat-free strips (widest beside the heads, own resolution): "
                     f"{st['found']}/{st['n']} = {pct(st['rate']).strip()}")
    for name, d in r.get("dogs", {}).items():
        lines.append(f"dog photos ({name}, n={d['n']}): taken for a cat {pct(d['taken_for_cat']).strip()}, "
                     f"answered 'a dog' {pct(d['answered_dog']).strip()}")
    if r.get("people", {}).get("n"):
        p = r["people"]
        lines.append(f"people and cats (n={p['n']}, {p['portraits']} portraits pasted): a person's face chosen "
                     f"{p['person_chosen']} times, cat found {pct(p['cat_found']).strip()}")
    for real in r.get("people", {}).get("real_photos", []):
        lines.append(f"  real photo with a person, {real['file']}: person chosen {real['person_chosen']}, "
                     f"cat found {real['cat_found']}")
    for deg, t in r.get("tilted", {}).items():
        lines.append(f"AFHQ close-ups turned {deg} degrees (n={t['n']}): found {pct(t['found']).strip()}, "
                     f"roll error p50 {t['roll_error_p50']} degrees")
    if "misses" in r:
        lines.append("misses by kind (scenes): " + ", ".join(f"{k} {v}" for k, v in r["misses"].items()))
    m = r["ms_per_photo"]
    lines.append(f"ms per photo (decode + find, one thread): p50 {m['p50']}, mean {m['mean']}")
    return "\n".join(lines)
