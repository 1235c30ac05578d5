"""bot/common/commands/mix.py: what /mix's words mean and why a mix is refused, once for every
front end; the one way a mix is finished (caption, buttons' cats, the chat's last mix)."""

from __future__ import annotations

import pytest

from bot.common.commands import Refusal
from bot.common.commands.mix import MixPlan, finish, plan, remade
from bot.common.recent import RecentMixes
from bot.common.results import MixState, Owner, ResultCache
from bot.common.sources import GalleryPick, NamePick
from bot.common.texts import t
from vae_core.engine import MixOptions


def test_an_unknown_capitalised_word_is_taken_for_a_cats_name():
    refusal = plan(["Secret", "12"])
    assert refusal == Refusal("unknown_cat_name", {"word": "Secret"})
    assert refusal.text("en").startswith("I don't know a cat called “Secret” here")
    assert plan(["Luna"]) == Refusal("unknown_cat_name", {"word": "Luna"})  # not "did you mean linear?"


@pytest.mark.parametrize(("word", "key"), [("Gird", "opt_did_you_mean"), ("banana", "opt_unknown"),
                                           ("99", "opt_too_many_frames")])
def test_option_typos_still_get_the_option_message_and_usage(word, key):
    refusal = plan([word])
    assert isinstance(refusal, Refusal) and refusal.key == key and refusal.usage == "usage_mix"


def test_a_chats_adopted_name_is_a_cat_and_other_scripts_digits_are_numbers():
    asked = plan(["Luna", "١٢", "grid"], is_name=lambda w: w == "Luna")
    assert asked == MixPlan(MixOptions(format="grid"), (NamePick("Luna"), GalleryPick(12)))
    assert plan(["١٦"], photos=2) == MixPlan(MixOptions(frames=16))  # with two photos a number is frames


def test_negative_frames_are_called_negative():
    refusal = plan(["-5"], photos=2)
    assert refusal == Refusal("opt_negative", {"word": "-5"}, "usage_mix")
    assert "negative" in refusal.text("en") and "negativo" in refusal.text("es")


def test_discords_cats_text_is_all_cats_and_its_typed_options_stand():
    asked = plan(["3", "20"], numbers_are_cats=True, options=MixOptions(frames=5))
    assert asked == MixPlan(MixOptions(frames=5), (GalleryPick(3), GalleryPick(20)))


@pytest.mark.parametrize(("photos", "picks", "may_ask", "verdict"), [
    (2, 0, False, "mix"), (3, 1, False, "mix"), (0, 0, True, "ask"), (1, 0, True, "ask"),
    (1, 0, False, Refusal("need_two", {"count": 1})),
    (0, 1, True, Refusal("need_mix_cats", {"count": 1})),  # a named cat: mix these, don't ask for photos
    (5, 0, True, Refusal("need_mix_cats", {"count": 5})),
])
def test_counting_the_cats(photos, picks, may_ask, verdict):
    assert MixPlan(picks=(GalleryPick(1),) * picks).check(photos, may_ask) == verdict


async def test_every_mix_is_finished_alike(engine, face_jpegs):
    """The caption, the cats kept for the result buttons, and the last mix for /map."""
    asked = plan(["4"], photos=2)
    assert isinstance(asked, MixPlan)
    made = await asked.make(engine, face_jpegs, "en", files=["tom.jpg", "kit.jpg"])
    assert made.caption.splitlines()[:2] == ["tom.jpg → kit.jpg", t("mix_done", "en")]
    results, recent = ResultCache(10**9, 60), RecentMixes()
    finish(made, "k" * 8, Owner(5), results, recent, ["tom.jpg", "kit.jpg"], where=9)
    kept = results.press("k" * 8, 5, None)
    assert isinstance(kept, MixState) and kept.options.frames == 4 and len(kept.cats) == 2
    assert [c.label for c in recent.last(9)] == ["tom.jpg", "kit.jpg"] and recent.last(5) == []

    again = remade(MixState(kept.cats[::-1], MixOptions(frames=8)), made.reply, "en")
    assert again.caption.splitlines()[0] == t("mix_done", "en") and again.remember
    finish(again, "j" * 8, Owner(5), results, recent)  # a button's mix: its own buttons, and the last mix
    assert isinstance(results.press("j" * 8, 5, None), MixState) and len(recent.last(5)) == 2
