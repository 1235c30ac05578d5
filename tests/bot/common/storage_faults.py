"""Real storage faults for the tests: files the bot may not write, made with real file operations.

As root, permission bits don't stop a write, so the immutable attribute (`chattr +i`) is used
there, as the issue's reproduction did; an ordinary user gets read-only permission bits.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _chattr(flag: str, path: Path) -> None:
    subprocess.run(["chattr", flag, str(path)], check=True, capture_output=True)


def can_lock_files() -> bool:
    return os.geteuid() != 0 or shutil.which("chattr") is not None


@contextlib.contextmanager
def unwritable(*paths: Path) -> Iterator[None]:
    """Make `paths` (files or folders) impossible to write for this process, then give them back."""
    if not can_lock_files():
        pytest.skip("running as root without chattr: no way to make a file unwritable")
    done: list[tuple[Path, int]] = []
    try:
        for p in paths:
            if os.geteuid() == 0:
                try:
                    _chattr("+i", p)
                except subprocess.CalledProcessError:
                    pytest.skip(f"this filesystem does not support chattr +i ({p})")
            else:
                mode = p.stat().st_mode
                p.chmod(0o555 if p.is_dir() else 0o444)
                done.append((p, mode))
                continue
            done.append((p, -1))
        yield
    finally:
        for p, mode in reversed(done):
            if mode == -1:
                _chattr("-i", p)
            else:
                p.chmod(mode)
