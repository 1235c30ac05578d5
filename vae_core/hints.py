"""Where the user says the face is, when the finder was not sure: a 3x3 cell, or "the whole photo".

The bots show the photo with a numbered 3x3 grid (see `hint_overlay`) and turn the tap into a
`FaceHint`; intake then looks only near that cell. Cells are numbered 0-8 row by row from the
top left (the grid shows them as 1-9, which is what people count with).
"""

from __future__ import annotations

from dataclasses import dataclass

GRID = 3
CELLS = GRID * GRID
# The finder searches the tapped cell grown by this factor (clipped to the photo): a head that a
# person places "in square 5" often pokes over the cell's edges.
SEARCH_GROW = 2.0

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class FaceHint:
    """`cell` 0-8, or None with `whole=True` for the centred square of the photo, or `anyway=True`:
    the user was told the photo looks like a dog (DogFound) and asked to mix it anyway, so the best
    head of any kind is used (the dog's face)."""

    cell: int | None = None
    whole: bool = False
    anyway: bool = False

    def __post_init__(self) -> None:
        if (self.cell is not None) + self.whole + self.anyway != 1:
            raise ValueError("a FaceHint is either a cell (0-8), the whole photo, or 'mix it anyway'")
        if self.cell is not None and not 0 <= self.cell < CELLS:
            raise ValueError(f"cell must be 0-{CELLS - 1}, not {self.cell}")

    @classmethod
    def at(cls, cell: int) -> FaceHint:
        return cls(cell=cell)

    @classmethod
    def whole_photo(cls) -> FaceHint:
        return cls(whole=True)

    @classmethod
    def mix_anyway(cls) -> FaceHint:
        return cls(anyway=True)

    def token(self) -> str:
        """Compact form for button payloads ("0".."8", "w", or "a" for mix it anyway)."""
        return "w" if self.whole else "a" if self.anyway else str(self.cell)

    @classmethod
    def parse(cls, token: str) -> FaceHint:
        if token == "w":
            return cls.whole_photo()
        if token == "a":
            return cls.mix_anyway()
        if len(token) == 1 and token.isdigit():
            return cls.at(int(token))
        raise ValueError(f"not a face hint: {token!r}")


def cell_box(size: tuple[int, int], cell: int) -> Box:
    """The cell's rectangle in pixels of an image of `size` (width, height)."""
    w, h = size
    row, col = divmod(cell, GRID)
    return col * w / GRID, row * h / GRID, (col + 1) * w / GRID, (row + 1) * h / GRID


def search_box(size: tuple[int, int], cell: int, grow: float = SEARCH_GROW) -> tuple[int, int, int, int]:
    """The cell grown by `grow` around its centre, clipped to the image, in whole pixels."""
    w, h = size
    x0, y0, x1, y1 = cell_box(size, cell)
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * grow / 2, (y1 - y0) * grow / 2
    return (max(0, int(cx - hw)), max(0, int(cy - hh)), min(w, int(round(cx + hw))), min(h, int(round(cy + hh))))


def cell_square(size: tuple[int, int], cell: int) -> Box:
    """Fallback crop square when even the hinted search finds nothing: centred on the cell, as wide as
    the cell's longer side (a head filling a ninth of the photo, the usual case)."""
    x0, y0, x1, y1 = cell_box(size, cell)
    side = max(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2


def whole_square(size: tuple[int, int]) -> Box:
    """The largest centred square: what "use the whole photo" means."""
    w, h = size
    s = min(w, h)
    left, top = (w - s) / 2, (h - s) / 2
    return left, top, left + s, top + s
