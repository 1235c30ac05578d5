"""`--cells DIR`: every drawn cat as its own PNG at the drawing stage's size, beside the grid."""

import numpy as np
from PIL import Image

from kitten_mixer.cli import main
from vae_core.engine import DEFAULT_DETAIL_BANK


def _cells(folder, stem):
    return sorted(folder.glob(f"{stem}-*.png"))


def test_random_cells_are_the_grid_cats_one_by_one_and_repeat_for_a_seed(tmp_path, capsys):
    assert DEFAULT_DETAIL_BANK.is_file(), "the drawing stage's detail bank must be shipped"
    grid, cells = tmp_path / "cats.png", tmp_path / "cells"
    assert main(["random", "-n", "3", "--seed", "5", "-o", str(grid), "--cells", str(cells)]) == 0
    files = _cells(cells, "cat")
    assert [f.name for f in files] == ["cat-01.png", "cat-02.png", "cat-03.png"]
    pics = [np.asarray(Image.open(f)) for f in files]
    assert all(p.shape == (192, 192, 3) for p in pics)
    sheet = np.asarray(Image.open(grid).convert("RGB"))
    assert np.array_equal(sheet[:192, :192], pics[0])  # the grid's first cell is the first file, unresized
    assert "wrote 3 cats of 192 px" in capsys.readouterr().out
    again = tmp_path / "again"
    assert main(["random", "-n", "3", "--seed", "5", "-o", str(tmp_path / "b.png"), "--cells", str(again)]) == 0
    assert [f.read_bytes() for f in _cells(again, "cat")] == [f.read_bytes() for f in files]


def test_kittens_cells_and_a_file_in_the_way(tmp_path, capsys):
    cells = tmp_path / "litter"
    assert main(["kittens", "#3", "#7", "-n", "4", "--seed", "1", "-o", str(tmp_path / "l.png"),
                 "--cells", str(cells)]) == 0
    files = _cells(cells, "kitten")
    assert len(files) == 4 and all(Image.open(f).size == (192, 192) for f in files)
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    assert main(["random", "-n", "2", "-o", str(tmp_path / "c.png"), "--cells", str(blocker)]) == 2
    assert "that is a file" in capsys.readouterr().err


def test_evaluate_realism_compares_the_bare_decode_with_the_shipped_stage():
    """'today' must be the path before the drawing stage (no bank, no ranking, 64 px), or the comparison
    measures the stage against itself."""
    from kitten_mixer.commands.drawing import SHIPPED, TODAY, realism_engines

    engines = realism_engines(None)
    try:
        today, shipped = engines[TODAY], engines[SHIPPED]
        assert not today.draws_detail and today.latent_critic is None
        assert today.draw(today.sample(1, 0)).shape[1] == 64
        assert shipped.detail_bank is not None and shipped.latent_critic is not None
        assert shipped.draw(shipped.sample(1, 0)).shape[1] == 192
        bank_only = engines["detail bank, no latent critic"]
        assert bank_only.detail_bank is not None and bank_only.latent_critic is None
    finally:
        for eng in engines.values():
            eng.close()
