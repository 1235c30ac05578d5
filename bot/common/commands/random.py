"""/random [n] [seed] (and "Roll again"): the platform-neutral half.

Telegram's words and Discord's typed options go through the same checks (how many cats, a seed
in range, no negative numbers) with one set of messages; the plan then draws. The seed is chosen
before drawing (vae_core.seeds) so the caption can show it: it is the only way to get those cats
back, and `again` is how this platform's users type that request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from bot.common.captions import random_caption
from bot.common.commands import Made, Refusal
from bot.common.options import DEFAULT_RANDOM, OptionError, parse_random_args
from vae_core.engine import Engine
from vae_core.seeds import seed_or_new

USAGE = "usage_random"


class Again(Protocol):
    """How a platform's users ask for the same grid: (count, seed) -> "/random 4 42"."""

    def __call__(self, count: int, seed: int) -> str: ...


@dataclass(frozen=True)
class RandomPlan:
    count: int = DEFAULT_RANDOM
    seed: int | None = None  # None: a fresh one, chosen by `make` and shown in the caption

    def seeded(self) -> RandomPlan:
        """With its seed chosen now: a request retried later (a full line's "try again") draws the
        cats its caption will name."""
        return replace(self, seed=seed_or_new(self.seed))

    async def make(self, engine: Engine, lang: str, again: Again) -> Made:
        seed = seed_or_new(self.seed)
        reply = await engine.random(self.count, seed)
        return Made(reply, random_caption(self.count, seed, lang, again(self.count, seed)))


def plan(words: Sequence[str]) -> RandomPlan | Refusal:
    """The words after /random: `[n] [seed]`."""
    try:
        request = parse_random_args(words)
    except OptionError as err:
        return Refusal(err.key, err.params, USAGE)
    return RandomPlan(request.count, request.seed)


def plan_numbers(count: int, seed: int | None = None) -> RandomPlan | Refusal:
    """Numbers a front end has already read (Discord's options, the CLI's flags, a roll button's
    data): read back through `plan`, so the limits and messages are the typed words' own."""
    return plan([str(count)] + ([] if seed is None else [str(seed)]))
