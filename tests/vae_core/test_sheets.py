"""vae_core/sheets.py: the gallery sheet, the latent map and the litter grid, read back as pictures."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from vae_core import sheets

RED, GREEN, BLUE, GREY = (200, 30, 30), (30, 180, 60), (30, 60, 200), (128, 128, 128)


def faces(*colours: tuple[int, int, int], side: int = 64) -> np.ndarray:
    return np.stack([np.full((side, side, 3), c, np.uint8) for c in colours])


def picture(png: bytes) -> np.ndarray:
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    return np.asarray(img.convert("RGB")).astype(int)


def close(pixel: np.ndarray, colour: tuple[int, int, int], tol: int = 12) -> bool:
    return bool(np.abs(pixel - np.array(colour)).max() <= tol)


def has(img: np.ndarray, colour: tuple[int, int, int], tol: int = 8) -> bool:
    return bool((np.abs(img - np.array(colour)).max(axis=-1) <= tol).any())


def test_gallery_sheet_lays_faces_out_in_rows_with_labels_under_them():
    cell, gap, label_h, title_h = 160, 10, 30, 44
    img = picture(sheets.gallery_sheet(faces(RED, GREEN, BLUE, GREY, RED), ["1 Ginger", "2", "3", "4", "5"],
                                       title="Cats 1-5", columns=4, cell=cell))
    assert img.shape[:2] == (title_h + 2 * (cell + label_h) + 3 * gap, 4 * cell + 5 * gap)
    for i, colour in enumerate((RED, GREEN, BLUE, GREY, RED)):
        r, c = divmod(i, 4)
        y, x = title_h + gap + r * (cell + label_h + gap) + cell // 2, gap + c * (cell + gap) + cell // 2
        assert close(img[y, x], colour)
    label_row = img[title_h + gap + cell: title_h + gap + cell + label_h, gap: gap + cell]
    assert has(label_row, sheets.INK, tol=60)  # the first cat's label is written under it
    empty_cell = img[title_h + gap + cell + label_h + gap: -gap, gap + 1 * (cell + gap): gap + 2 * (cell + gap) - gap]
    assert (np.abs(empty_cell - np.array(sheets.BG)).max(axis=-1) <= 2).all()  # 5 cats: the 2nd row ends early


def test_a_long_label_is_cut_to_its_cell_and_no_title_means_no_title_band():
    cell, gap = 100, 10
    img = picture(sheets.gallery_sheet(faces(RED, GREEN), ["W" * 80, ""], columns=2, cell=cell))
    assert img.shape[:2] == (cell + 30 + 2 * gap, 2 * cell + 3 * gap)
    between = img[cell + gap: cell + gap + 30, gap + cell + 1: gap + cell + gap - 1]  # the gap beside label 1
    assert (np.abs(between - np.array(sheets.BG)).max(axis=-1) <= 2).all()
    assert close(img[gap + 2, gap + 2], RED)  # the face starts right at the top: no title band


def test_every_face_needs_its_label():
    with pytest.raises(ValueError):
        sheets.gallery_sheet(faces(RED, GREEN), ["1"])


def test_the_map_puts_each_thumbnail_at_its_place_and_draws_a_path_only_when_given():
    size, thumb = 400, 40
    coords = np.array([[0.0, 0.0], [1.0, 1.0]])
    plain = picture(sheets.latent_map(faces(RED, BLUE), coords, [1, 2], size=size, thumb=thumb))
    assert plain.shape[:2] == (size, size)
    assert close(plain[thumb - 5, thumb - 5], RED) and close(plain[size - 5, size - 5], BLUE)
    assert not has(plain, sheets.PATH)
    path = np.array([[0.2, 0.5], [0.5, 0.5], [0.8, 0.5]])
    drawn = picture(sheets.latent_map(faces(RED, BLUE), coords, [1, 2], size=size, thumb=thumb, path=path,
                                      ends=faces(GREEN, GREY), end_labels=["felix", "tom"], title="Path"))
    assert drawn.shape[:2] == (size + 48, size)
    assert has(drawn, sheets.PATH)
    assert has(drawn, sheets.ACCENT) and has(drawn, sheets.ACCENT_B)  # the two ends are framed in their colours
    assert has(drawn, GREEN) and has(drawn, GREY)


def test_a_loops_cats_sit_along_the_path_evenly():
    points = [(i, 0) for i in range(9)]
    assert [sheets._index_point(points, i, 4) for i in range(4)] == [(0, 0), (2, 0), (4, 0), (6, 0)]


def test_the_litter_grid_frames_the_parents_and_numbers_the_kittens():
    cell, gap, label_h = 50, 12, 32
    img = picture(sheets.litter_grid(faces(RED, BLUE), faces(*[GREEN] * 6), ["felix", "tom"], cell=cell))
    rows = 2  # max(2 parents, 6 kittens / 3 a row)
    assert img.shape[:2] == (gap + rows * (cell + label_h + gap), gap + (cell + gap) + 3 * gap + 3 * (cell + gap))
    assert close(img[gap + cell // 2, gap + cell // 2], RED)
    assert close(img[gap + (cell + label_h + gap) + cell // 2, gap + cell // 2], BLUE)
    assert close(img[gap - 2, gap + cell // 2], sheets.ACCENT, tol=2)  # the first parent's frame
    x_div = gap + cell + 2 * gap
    for k in range(6):
        r, c = divmod(k, 3)
        y, x = gap + r * (cell + label_h + gap) + cell // 2, x_div + gap + c * (cell + gap) + cell // 2
        assert close(img[y, x], GREEN)
