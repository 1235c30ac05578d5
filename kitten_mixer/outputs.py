"""Where the CLI writes its result: the file name and the format agree, and the place is writable.

Checked before the model is loaded, so a typo in `-o` costs a second and one clear line, not a
mix that is thrown away with a traceback at the end.
"""

from __future__ import annotations

import os
from pathlib import Path

SUFFIX = {"gif": ".gif", "grid": ".png"}
KIND = {"gif": "an animated GIF", "grid": "a PNG grid"}
_FORMAT_OF_SUFFIX = {suffix: fmt for fmt, suffix in SUFFIX.items()}


class OutputError(ValueError):
    """The output path can't be used; the message says what to change."""


def mix_target(out: str | None, fmt: str | None, default_format: str) -> tuple[Path, str]:
    """(path, format) for `mix`: the format follows the extension when not given; when both are
    given they must agree, because a GIF saved as `.png` opens as a still picture (or not at all)."""
    if out is None:
        fmt = fmt or default_format
        return Path(f"mix{SUFFIX[fmt]}"), fmt
    path = Path(out)
    implied = _FORMAT_OF_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        if implied is None:
            raise OutputError(f"{out}: the file name must end in .gif (an animation) or .png (a grid)")
        return path, implied
    if implied != fmt:
        ending = f"ends in {path.suffix}" if path.suffix else "has no extension"
        raise OutputError(f"--format {fmt} writes {KIND[fmt]}, but {out} {ending}; "
                          f"name it {path.with_suffix(SUFFIX[fmt]).name} or leave out --format")
    return path, fmt


def png_target(out: str) -> Path:
    path = Path(out)
    if path.suffix.lower() != ".png":
        raise OutputError(f"{out}: random cats are a PNG grid, so the file name must end in .png")
    return path


def check_writable(path: Path) -> None:
    """Make the folder if needed, and refuse a path we could not write to."""
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name, e.g. {path / ('cats' + path.suffix)}"
                          if path.suffix else f"{path} is a folder; give a file name inside it")
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"can't create the folder {parent}: {e.strerror or e}") from None
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OutputError(f"can't write {path}: permission denied")


def write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as e:  # the disk filled up, the folder vanished meanwhile...
        raise OutputError(f"can't write {path}: {e.strerror or e}") from None


def cells_target(folder: str) -> Path:
    """The folder for `--cells`: made if needed, refused if it is a file or not writable."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise OutputError(f"--cells {folder}: that is a file; give a folder for one PNG per cat")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"can't create the folder {path}: {e.strerror or e}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"can't write into {path}: permission denied")
    return path


def write_cells(folder: Path, pictures, stem: str) -> list[Path]:
    """Each picture (uint8 H x W x 3) as `stem-01.png`, `stem-02.png`... at its own size."""
    from PIL import Image

    paths = []
    for i, pic in enumerate(pictures, 1):
        target = folder / f"{stem}-{i:02d}.png"
        Image.fromarray(pic).save(target)
        paths.append(target)
    return paths
