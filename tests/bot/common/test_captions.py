"""bot/common/captions.py directly: the one mix caption both bots send, and how sources are named."""

from __future__ import annotations

import torch

from bot.common.captions import about_mix, mix_caption, random_caption, source_labels
from bot.common.texts import t
from vae_core.engine import Cat, MixOptions, Reply
from vae_core.intake import CropReport


def _photo(face: bool = True, animated: bool = False) -> Cat:
    return Cat(torch.zeros(4), report=CropReport(face, (0, 0, 8, 8), (8, 8), "jpeg", animated=animated))


def _named(label: str) -> Cat:
    return Cat(torch.zeros(4), label=label)


def _reply(*cats: Cat) -> Reply:
    return Reply(b"", "image/gif", "mix.gif", reports=[c.report for c in cats if c.report is not None],
                 cats=list(cats))


def test_source_labels_use_the_cats_label_then_the_file_then_a_numbered_photo():
    cats = [_photo(), _photo(), _named("#12 Luna")]
    assert source_labels(cats, ["tom.jpg"], "en") == ["tom.jpg", "photo 2", "#12 Luna"]
    assert source_labels(cats, [], "es") == ["foto 1", "foto 2", "#12 Luna"]  # from texts.py, in the user's language


def test_two_photos_without_names_get_no_names_line():
    options = MixOptions(frames=5)
    caption = mix_caption(_reply(_photo(), _photo()), options, "en")
    assert caption.splitlines() == [t("mix_done", "en"), about_mix(options, "en")]


def test_named_sources_head_the_caption_in_the_platforms_bold():
    caption = mix_caption(_reply(_photo(), _named("#12 Luna")), MixOptions(), "es", strong=lambda s: f"**{s}**")
    assert caption.splitlines()[:2] == ["**foto 1** → **#12 Luna**", t("mix_done", "es")]
    files = mix_caption(_reply(_photo(), _photo()), MixOptions(), "en", files=["a.jpg", "b.jpg"])
    assert files.splitlines()[0] == "a.jpg → b.jpg"


def test_three_or_four_cats_are_a_loop_on_every_platform():
    caption = mix_caption(_reply(_photo(), _photo(), _named("#3 Kit")), MixOptions(), "en")
    assert t("mix_done_loop", "en", count=3) in caption.splitlines()
    assert t("mix_done", "en") not in caption


def test_notes_name_the_photo_and_its_file_where_it_has_one():
    reply = _reply(_photo(face=False), _photo(animated=True))
    lines = mix_caption(reply, MixOptions(), "en", files=["wall.png", "dance.gif"]).splitlines()
    assert t("no_face", "en", which=f"{t('first_photo', 'en')} (wall.png)") in lines
    assert "The second photo (dance.gif) is animated; I used its first frame." in lines
    # Telegram says which inputs were animations it decoded itself (MP4): the same note
    plain = mix_caption(_reply(_photo(), _photo()), MixOptions(), "en", animated=[False, True]).splitlines()
    assert "The second photo is animated; I used its first frame." in plain


def test_random_caption_shows_the_seed_and_how_to_ask_again():
    assert random_caption(4, 42, "en", "/random 4 42").splitlines() == [
        t("random_done", "en", count=4), t("random_seed", "en", seed=42, again="/random 4 42")]
