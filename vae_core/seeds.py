"""Seeds for `random`: one bound for every front end, and a fresh seed when none is given.

A request without a seed still gets one (picked here, not by torch) so the reply can show it
and the user can ask for the same cats again. Fresh seeds are kept short (nine digits) because
people retype them; the accepted range is wider so a seed from a script still works.
"""

from __future__ import annotations

import secrets

MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed takes any non-negative 64-bit int
FRESH_SEED_BELOW = 10**9


class SeedError(ValueError):
    """A seed outside 0..MAX_SEED; the message says the range."""


def check_seed(seed: int, limit: int = MAX_SEED) -> int:
    if not 0 <= seed <= limit:
        raise SeedError(f"the seed must be a whole number from 0 to {limit}, not {seed}")
    return seed


def new_seed() -> int:
    return secrets.randbelow(FRESH_SEED_BELOW)


def seed_or_new(seed: int | None) -> int:
    return new_seed() if seed is None else check_seed(seed)
