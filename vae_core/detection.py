"""What a cat-head finder reports, and the square the model sees for it.

`Detection` (one head), `Finder` (the interface every finder has) and `crop_square` (the cats64 framing
of a head box) live here, apart from any finder, so that the finders (`vae_core.finder`'s Haar scan,
`vae_core.finder_net`'s learned one) and their users import them from one place and never each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PIL import Image

# Framing of the training faces (cats64) relative to a labelled head box (square, ears included):
# crop side = CROP_PER_HEAD * head side, crop centre = head centre + CROP_SHIFT_Y * head side (down).
# Measured on the scenes where the Haar box and the labelled head agree (head = 1.05 Haar box,
# Haar centre 0.10 head below the head centre; crop = Haar box / 0.859).
CROP_PER_HEAD = 1.108
CROP_SHIFT_Y = 0.10


@dataclass(frozen=True)
class Detection:
    """One head: `box` (x0, y0, x1, y1) in image pixels, `score` in 0..1, `angle` the head's roll in
    degrees (positive: the head leans clockwise; rotating the crop by -angle makes it upright), and
    `kind`: "cat", or "dog" for a dog's head (reported only by `look`, never by `find`)."""

    box: tuple[float, float, float, float]
    score: float
    angle: float = 0.0
    kind: str = "cat"

    @property
    def side(self) -> float:
        return max(self.box[2] - self.box[0], self.box[3] - self.box[1])

    @property
    def center(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


class Finder(Protocol):
    threshold: float

    def find(self, img: Image.Image, floor: float | None = None) -> list[Detection]:
        """Heads in `img`, best first. Detections scoring under `floor` (default: `threshold`) may be
        left out, which lets a finder skip work on candidates that cannot matter. Only cat heads:
        a dog's head is never reported here (see `look`)."""
        ...


def look(finder: Finder, img: Image.Image, floor: float | None = None) -> list[Detection]:
    """Every head a finder sees, cats' and dogs' (`Detection.kind`), best first: the finder's own
    `look` where it has one (the learned finder tells dogs apart), else its cat heads."""
    own = getattr(finder, "look", None)
    return own(img, floor) if callable(own) else finder.find(img, floor)


def crop_square(det: Detection) -> tuple[float, float, float, float]:
    """The square the model sees for a head (the cats64 framing), before clamping to the image."""
    cx, cy = det.center
    side = CROP_PER_HEAD * det.side
    cy += CROP_SHIFT_Y * det.side
    return cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2
