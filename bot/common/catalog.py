"""Per-bot gallery state shared by both front ends: the built-in cats and each chat's last mix.

The gallery is loaded on first use, not at start-up, so a bot whose gallery is missing or was
built for another model starts and serves photo mixes as before; the first gallery request
logs why it is off (once) and the user is told kindly (`no_gallery`).
"""

from __future__ import annotations

import threading
from pathlib import Path

from bot.common.recent import RecentMixes
from bot.common.sources import load_gallery_for
from vae_core.engine import Engine
from vae_core.gallery import Gallery

_UNLOADED = object()


class CatCatalog:
    def __init__(self, engine: Engine, gallery_path: str | Path):
        self.engine, self.gallery_path = engine, Path(gallery_path)
        self.recent = RecentMixes()
        self._gallery: object = _UNLOADED
        self._lock = threading.Lock()

    @property
    def gallery(self) -> Gallery | None:
        if self._gallery is _UNLOADED:
            with self._lock:
                if self._gallery is _UNLOADED:
                    self._gallery = load_gallery_for(self.engine, self.gallery_path)
        return self._gallery  # type: ignore[return-value]
