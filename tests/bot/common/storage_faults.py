"""Real storage faults for the tests: files the bot may not write, made with real file operations.

As root, permission bits don't stop a write, so the immutable attribute (`chattr +i`) is used
there, as the issue's reproduction did; an ordinary user gets read-only permission bits. Where
root and an ordinary user meet different errors, `run_in_child` runs the same scenario as
`nobody`, and inside a real read-only bind mount.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import pwd
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")
CLONE_NEWNS = 0x00020000  # unshare(2): a mount namespace of one's own


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


def ordinary_user() -> tuple[int, int]:
    """(uid, gid) of `nobody`, the ordinary user a root test run drops to; skips without one."""
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no 'nobody' user on this machine to run the scenario as an ordinary user")
    return entry.pw_uid, entry.pw_gid


def _read_only_bind_mount(folder: Path) -> str | None:
    """In this (forked) process only: a new mount namespace where `folder` is a read-only bind
    mount of itself, as a container's `:ro` volume is. Returns why not, when it can't be done."""
    if os.geteuid() != 0:
        return "a read-only bind mount needs root (an ordinary user gets the permission-bit case instead)"
    if shutil.which("mount") is None:
        return "no mount(8) on this machine"
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        return f"unshare(CLONE_NEWNS) is not allowed here ({os.strerror(ctypes.get_errno())})"
    for args in (["--make-rprivate", "/"], ["--bind", str(folder), str(folder)],
                 ["-o", "remount,bind,ro", str(folder), str(folder)]):
        done = subprocess.run(["mount", *args], capture_output=True, text=True)
        if done.returncode != 0:
            return f"mount {' '.join(args)} failed: {done.stderr.strip()}"
    return None


def run_in_child(fn: Callable[[], T], *, read_only_mount: Path | None = None,
                 user: tuple[int, int] | None = None) -> T:
    """`fn()` in a forked copy of this process (same interpreter, same SQLite), optionally inside
    a read-only bind mount of `read_only_mount` and/or as `user` (uid, gid); its JSON result comes
    back through a pipe. Why a fork and not `runuser ... python`: the interpreter may live where
    an ordinary user can't run it (a venv on a pyenv under /root), and the behaviour under test is
    the bot's own code as that user, not a second Python's. `fn` must not need the event loop of
    the caller (the test calling this is a plain function)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read_end)
            skip = _read_only_bind_mount(read_only_mount) if read_only_mount is not None else None
            if skip is not None:
                out: dict = {"skip": skip}
            else:
                if user is not None:
                    os.setgroups([])
                    os.setgid(user[1])
                    os.setuid(user[0])
                out = {"ok": fn()}
        except BaseException as e:  # noqa: BLE001 (everything goes back to the parent)
            out = {"error": f"{type(e).__name__}: {e}"}
        try:
            with os.fdopen(write_end, "w") as pipe:
                json.dump(out, pipe)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        raw = pipe.read()
    os.waitpid(pid, 0)
    result = json.loads(raw) if raw else {"error": "the child died without an answer"}
    if "skip" in result:
        pytest.skip(result["skip"])
    if "error" in result:
        raise AssertionError(f"in the child process: {result['error']}")
    return result["ok"]
