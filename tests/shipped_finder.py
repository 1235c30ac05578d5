"""The shipped learned finder for tests that measure it on real photos, and copies of it with other
settings (the thresholds live in the file's config: a test changes them without touching the nets)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from vae_core.finder import load_finder
from vae_core.finder_net import NetFinder


def shipped(*, with_kinds: bool = False) -> NetFinder:
    finder = load_finder()
    if not isinstance(finder, NetFinder) or (with_kinds and finder.kinds is None):
        pytest.skip("no learned finder weights" + (" with a kind net" if with_kinds else ""))
    return finder


def with_config(finder: NetFinder, **changes: object) -> NetFinder:
    """The same nets with some of the config's settings changed."""
    other = NetFinder(finder.net, finder.verifier, finder.kinds)
    other.config = replace(finder.config, **changes)
    return other
