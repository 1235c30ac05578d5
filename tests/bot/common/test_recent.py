"""bot/common/recent.py: each chat's last mix, kept as latents only, for a bounded number of chats."""

from __future__ import annotations

import numpy as np
import torch

from bot.common.recent import RecentMixes
from vae_core.engine import Cat


def cat(value: float, label: str = "", photo: bool = True) -> Cat:
    pic = np.full((8, 8, 3), 200, np.uint8) if photo else None
    return Cat(torch.full((4,), value), pic, None, label)


def test_a_mix_of_two_to_four_cats_is_kept_without_its_photos():
    recent = RecentMixes()
    recent.remember(7, [cat(1.0), cat(2.0, "Ginger")], labels=("felix.jpg", "tom.jpg"))
    kept = recent.last(7)
    assert [c.photo for c in kept] == [None, None] and [c.report for c in kept] == [None, None]
    assert [float(c.z[0]) for c in kept] == [1.0, 2.0]
    assert [c.label for c in kept] == ["felix.jpg", "Ginger"]  # a cat's own label wins over the file name


def test_missing_labels_are_empty_and_the_latents_are_copies():
    recent = RecentMixes()
    first = cat(1.0)
    recent.remember("dm:3", [first, cat(2.0), cat(3.0)], labels=("a.jpg",))
    first.z.fill_(9.0)  # the caller's tensor changing later must not move the remembered cat
    kept = recent.last("dm:3")
    assert [c.label for c in kept] == ["a.jpg", "", ""]
    assert float(kept[0].z[0]) == 1.0


def test_one_cat_or_five_are_not_a_mix_to_remember():
    recent = RecentMixes()
    recent.remember(1, [cat(1.0), cat(2.0)])
    recent.remember(1, [cat(5.0)])
    recent.remember(1, [cat(float(i)) for i in range(5)])
    assert [float(c.z[0]) for c in recent.last(1)] == [1.0, 2.0]  # the last real mix stays


def test_unknown_chats_have_nothing_and_the_list_returned_is_the_callers():
    recent = RecentMixes()
    assert recent.last(404) == []
    recent.remember(1, [cat(1.0), cat(2.0)])
    recent.last(1).clear()
    assert len(recent.last(1)) == 2


def test_only_the_most_recently_mixing_chats_are_kept():
    recent = RecentMixes(max_chats=2)
    recent.remember(1, [cat(1.0), cat(1.0)])
    recent.remember(2, [cat(2.0), cat(2.0)])
    recent.remember(1, [cat(3.0), cat(3.0)])  # chat 1 mixes again: now chat 2 is the oldest
    recent.remember(3, [cat(4.0), cat(4.0)])
    assert recent.last(2) == []
    assert float(recent.last(1)[0].z[0]) == 3.0 and float(recent.last(3)[0].z[0]) == 4.0
