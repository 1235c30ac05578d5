"""The finder's evaluation and training sets beyond the labelled scenes (issue 22): how the dog photos
and the scenes are split, the cat-free strips cut like real photos, and the people-and-cats composites.

Splits are deterministic by file name: the files are ordered by the SHA-1 of their name and cut by
share, so the sizes are exact (a hash modulo 10 gave 61/19/44 of the 124 dogs).
- dogs (`dogs/`, 124): 60% "train" (74), 20% "test" (25), 20% "held-out" (25).
- scenes: the finder's own "train" split (`finder_data.scene_split`, 238) stays; its 106 "test" scenes
  are cut in two the same way: "test" (53, where thresholds are chosen) and "held-out" (53, checked once).

Cat-free strips: per scene, the widest strip of the photo beside every labelled head (left, right,
above or below the heads' union box; widest = the largest shorter side), at the photo's own resolution.
`STRIP_EXCLUDED` lists the strips that show a cat face nobody labelled (looked at by hand).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from trainer.finder_data import scene_split

Box = tuple[float, float, float, float]
SPLITS = ("train", "test", "held-out")
MIN_STRIP = 64  # pixels: a thinner strip is no photo anyone sends

# Strips that show a second cat's face (not labelled in the manifest), found by looking at every strip the
# finder reported a head on (before and after this changes) and excluded by hand. See the model card.
STRIP_EXCLUDED: frozenset[str] = frozenset()

# Scenes with a person's face in view beside the cat, and that face's box (pixels of the stored photo):
# OpenCV's frontal face cascade run over all 344 scenes flagged 9 photos, and each was looked at by hand;
# only this one shows a person (a man holding two kittens). The other 8 were cat fur, collars, cage bars.
PEOPLE_IN_SCENES: dict[str, Box] = {"asirra__cat.166.jpg": (95.0, 49.0, 217.0, 171.0)}


def _key(name: str) -> str:
    return hashlib.sha1(name.encode()).hexdigest()


def _three_way(names: list[str], shares: tuple[float, float] = (0.6, 0.8)) -> dict[str, str]:
    order = sorted(names, key=_key)
    n = len(order)
    a, b = round(shares[0] * n), round(shares[1] * n)
    return {name: SPLITS[0] if i < a else SPLITS[1] if i < b else SPLITS[2] for i, name in enumerate(order)}


def dog_files(root: str | Path, split: str = "all") -> list[Path]:
    """The dog photos of one split ("train", "test", "held-out" or "all"), sorted by name."""
    files = sorted(p for p in Path(root).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    which = _three_way([p.name for p in files])
    return [p for p in files if split == "all" or which[p.name] == split]


def scene_split3(items: list[dict]) -> dict[str, str]:
    """file -> "train" | "test" | "held-out" for the scenes manifest's items."""
    test = [it["file"] for it in items if scene_split(it["file"]) == "test"]
    order = sorted(test, key=lambda n: _key("held-out:" + n))
    half = len(order) // 2
    out = {it["file"]: "train" for it in items if scene_split(it["file"]) == "train"}
    out.update({n: "test" if i < half else "held-out" for i, n in enumerate(order)})
    return out


def load_scene_items(root: str | Path, split: str) -> list[dict]:
    """Manifest items of one three-way split ("all" for every scene, "test+held-out" for both)."""
    items = json.loads((Path(root) / "manifest.json").read_text())["items"]
    which = scene_split3(items)
    keep = set(split.split("+"))
    return [it for it in items if split == "all" or which[it["file"]] in keep]


def heads_of(item: dict) -> list[Box]:
    return [tuple(b) for b in item.get("all_head_boxes") or [item["head_box"]]]


def widest_strip(size: tuple[int, int], heads: list[Box]) -> Box | None:
    """The widest part of the photo beside every head: left of, right of, above or below the heads'
    union box, whichever has the largest shorter side (None when none is MIN_STRIP px wide)."""
    w, h = size
    x0, y0 = max(0, min(b[0] for b in heads)), max(0, min(b[1] for b in heads))
    x1, y1 = min(w, max(b[2] for b in heads)), min(h, max(b[3] for b in heads))
    strips = [(0, 0, int(x0), h), (int(x1) + 1, 0, w, h), (0, 0, w, int(y0)), (0, int(y1) + 1, w, h)]
    strips = [s for s in strips if min(s[2] - s[0], s[3] - s[1]) >= MIN_STRIP]
    if not strips:
        return None
    return max(strips, key=lambda s: (min(s[2] - s[0], s[3] - s[1]), (s[2] - s[0]) * (s[3] - s[1])))
