"""bot/common/catalog.py: the gallery is loaded on first use (once), and a missing one turns it off kindly."""

from __future__ import annotations

import logging
import shutil
import threading

from bot.common.catalog import CatCatalog
from bot.common.recent import RecentMixes
from vae_core.gallery import Gallery, names_path


def copy_gallery(src, dst_dir):
    dst = dst_dir / src.name
    shutil.copy(src, dst)
    if names_path(src).exists():
        shutil.copy(names_path(src), names_path(dst))
    return dst


async def test_the_gallery_is_read_when_first_asked_for_not_at_start(engine, tiny_gallery, tmp_path):
    path = tmp_path / tiny_gallery.name
    catalog = CatCatalog(engine, path)  # nothing there yet: a bot starting now must not care
    copy_gallery(tiny_gallery, tmp_path)
    gallery = catalog.gallery
    assert isinstance(gallery, Gallery) and len(gallery) == 32
    path.unlink()  # read once: later requests don't go back to the disk
    assert catalog.gallery is gallery


async def test_a_missing_gallery_is_off_and_said_once_in_the_log(engine, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    catalog = CatCatalog(engine, tmp_path / "nowhere.safetensors")
    assert catalog.gallery is None
    assert catalog.gallery is None
    warnings = [r for r in caplog.records if "gallery disabled" in r.getMessage()]
    assert len(warnings) == 1


async def test_requests_arriving_together_share_one_load(engine, tiny_gallery):
    catalog = CatCatalog(engine, tiny_gallery)
    seen: list[object] = []
    start = threading.Barrier(4)

    def ask() -> None:
        start.wait()
        seen.append(catalog.gallery)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 4 and seen[0] is not None and all(g is seen[0] for g in seen)


async def test_each_bot_has_its_own_last_mixes(engine, tiny_gallery):
    a, b = CatCatalog(engine, tiny_gallery), CatCatalog(engine, tiny_gallery)
    assert isinstance(a.recent, RecentMixes) and a.recent is not b.recent
