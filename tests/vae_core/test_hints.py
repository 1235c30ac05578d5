"""Face hints (a tapped 3x3 cell, or the whole photo) and the numbered grid picture."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from vae_core.hint_overlay import grid_overlay
from vae_core.hints import FaceHint, cell_box, search_box, whole_square


def test_hints_round_trip_through_button_payloads_and_refuse_nonsense():
    for cell in range(9):
        assert FaceHint.parse(FaceHint.at(cell).token()) == FaceHint.at(cell)
    assert FaceHint.parse("w") == FaceHint.whole_photo() and FaceHint.whole_photo().cell is None
    for bad in ("9", "-1", "x", "10", ""):
        with pytest.raises(ValueError):
            FaceHint.parse(bad)
    with pytest.raises(ValueError):
        FaceHint(cell=2, whole=True)


def test_cells_are_numbered_row_by_row_and_the_search_grows_inside_the_photo():
    size = (900, 600)
    assert cell_box(size, 0) == (0, 0, 300, 200)
    assert cell_box(size, 5) == (600, 200, 900, 400)
    assert cell_box(size, 7) == (300, 400, 600, 600)
    assert search_box(size, 4) == (150, 100, 750, 500)  # twice the cell, same centre
    assert search_box(size, 8) == (450, 300, 900, 600)  # clipped at the corner
    assert whole_square(size) == (150, 0, 750, 600)


def test_the_grid_picture_keeps_the_photo_and_draws_lines_and_numbers():
    flat = Image.new("RGB", (1200, 900), (40, 120, 60))
    out = grid_overlay(flat)
    assert out.size == (768, 576)  # shrunk to the overlay side, same aspect
    arr = np.asarray(out).astype(int)
    assert (np.abs(arr[:, 256] - [255, 255, 255]).max(axis=1) < 60).mean() > 0.9  # a white vertical line at 1/3
    assert np.abs(arr[400, 100] - [40, 120, 60]).max() < 10  # the photo shows through elsewhere
    assert (arr[5:60, 5:60].max(axis=2) > 200).sum() > 30  # a number drawn in the first cell
    small = grid_overlay(Image.new("RGB", (200, 150)))
    assert small.size == (200, 150)  # never enlarged
