"""bot/common/commands/random.py: /random's words and numbers, read alike on every front end."""

from __future__ import annotations

import pytest

from bot.common.commands import Refusal
from bot.common.commands.random import RandomPlan, plan, plan_numbers
from bot.common.texts import t


@pytest.mark.parametrize("words", [["-1"], ["4", "−3"]])
def test_negative_counts_and_seeds_are_called_negative_not_no_number(words):
    refusal = plan(words)
    assert isinstance(refusal, Refusal) and refusal.key == "opt_negative" and refusal.usage == "usage_random"
    assert refusal.text("en").startswith(f"“{words[-1]}” is a negative number")
    assert plan_numbers(-1) == plan(["-1"])  # Discord's and the CLI's numbers get the typed words' answer


def test_other_scripts_digits_and_the_limits():
    assert plan(["٤", "४२"]) == RandomPlan(4, 42)
    assert plan([]) == RandomPlan()
    assert plan(["17"]) == Refusal("opt_too_many_cats", {"word": "17", "value": 17, "limit": 16}, "usage_random")
    assert plan_numbers(0) == plan(["0"]) and isinstance(plan_numbers(0), Refusal)
    assert plan(["cats"]).key == "opt_not_number"


async def test_the_seed_is_chosen_first_and_shown(engine):
    asked = plan_numbers(3).seeded()
    assert asked.seed is not None and asked.seeded() == asked  # a retry keeps it
    made = await asked.make(engine, "en", lambda n, seed: f"/random {n} {seed}")
    again = await RandomPlan(3, asked.seed).make(engine, "en", lambda n, seed: f"/random {n} {seed}")
    assert made.reply.data == again.reply.data
    assert made.caption.splitlines()[1] == t("random_seed", "en", seed=asked.seed, again=f"/random 3 {asked.seed}")
