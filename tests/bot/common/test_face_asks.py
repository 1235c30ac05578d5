"""The store of requests waiting for "where's the face?" taps: owner only, expiry, bounds."""

from __future__ import annotations

import pytest

from bot.common.face_asks import FaceAsks, TapResult
from bot.common.face_question import buttons, which_photo
from bot.common.texts import t
from vae_core.hints import FaceHint


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_only_the_owner_answers_and_each_missing_photo_gets_its_hint():
    clock = Clock()
    asks = FaceAsks(wait_s=300, clock=clock)
    ask = asks.open(owner=1, chat=7, images=[b"a", b"b", b"c"], missing=[0, 2], lang="en")
    assert ask.asking == 0 and ask.hints == [None, None, None]
    assert asks.tap(ask.token, 2, FaceHint.at(4)) == (TapResult.NOT_YOURS, ask)
    assert ask.hints == [None, None, None] and ask.missing == [0, 2]  # a stranger changed nothing
    result, same = asks.tap(ask.token, 1, FaceHint.at(4))
    assert result is TapResult.OK and same is ask and ask.asking == 2 and len(asks) == 1
    result, done = asks.tap(ask.token, 1, FaceHint.whole_photo())
    assert result is TapResult.OK and done.missing == []
    assert done.hints == [FaceHint.at(4), None, FaceHint.whole_photo()]
    assert len(asks) == 0  # answered: forgotten, so the same buttons can't run it twice
    assert asks.tap(ask.token, 1, FaceHint.at(0)) == (TapResult.EXPIRED, None)


def test_each_tap_is_told_the_same_line_on_every_platform():
    """Expired and not-yours in the tapper's language; "one more", then the request's own "got it"
    (an adoption says it adopts) in the asker's."""
    asks = FaceAsks(wait_s=60, clock=Clock())
    ask = asks.open(1, 7, [b"a", b"b"], [0, 1], "es", got_it="face_got_it_adopt")
    assert asks.answer(ask.token, 2, FaceHint.at(0), "en") == (TapResult.NOT_YOURS, ask, t("face_not_yours", "en"))
    assert asks.answer(ask.token, 1, FaceHint.at(0), "en") == (TapResult.OK, ask, t("face_next", "es"))
    assert asks.answer(ask.token, 1, FaceHint.at(1), "en") == (TapResult.OK, ask, t("face_got_it_adopt", "es"))
    assert asks.answer(ask.token, 1, FaceHint.at(1), "en") == (TapResult.EXPIRED, None, t("face_expired", "en"))
    mix = asks.open(1, 7, [b"a"], [0], "en")
    assert asks.answer(mix.token, 1, FaceHint.whole_photo(), "es")[2] == t("face_got_it", "en")


def test_questions_expire_and_each_tap_restarts_the_wait():
    clock = Clock()
    asks = FaceAsks(wait_s=60, clock=clock)
    ask = asks.open(1, 7, [b"a", b"b"], [0, 1], "es")
    clock.now += 50
    assert asks.tap(ask.token, 1, FaceHint.at(1))[0] is TapResult.OK
    clock.now += 50  # 100 s after opening, 50 s after the first tap: still waiting for the second
    assert asks.tap(ask.token, 1, FaceHint.at(1))[0] is TapResult.OK
    late = asks.open(1, 7, [b"a"], [0], "es")
    clock.now += 61
    assert asks.tap(late.token, 1, FaceHint.at(1)) == (TapResult.EXPIRED, None)


def test_the_store_is_bounded_by_count_and_bytes_oldest_first():
    asks = FaceAsks(wait_s=60, max_asks=3, max_bytes=10_000)
    tokens = [asks.open(1, 7, [b"x" * 100], [0], "en").token for _ in range(5)]
    assert len(asks) == 3
    assert asks.tap(tokens[0], 1, FaceHint.at(0))[0] is TapResult.EXPIRED
    assert asks.tap(tokens[4], 1, FaceHint.at(0))[0] is TapResult.OK
    big = FaceAsks(wait_s=60, max_bytes=1000)
    first = big.open(1, 7, [b"x" * 600], [0], "en")
    second = big.open(2, 7, [b"y" * 600], [0], "en")
    assert big.tap(first.token, 1, FaceHint.at(0))[0] is TapResult.EXPIRED
    assert big.tap(second.token, 2, FaceHint.at(0))[0] is TapResult.OK
    with pytest.raises(ValueError):
        big.open(1, 7, [b"z"], [], "en")


def test_buttons_and_photo_names_in_both_languages():
    rows = buttons("es")
    assert [[b.label for b in r] for r in rows[:3]] == [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]]
    assert rows[1][1].hint == FaceHint.at(4) and rows[3][0].label == t("face_whole", "es")
    assert which_photo(1, 2, "en") == t("second_photo", "en")
    assert which_photo(2, 4, "es") == t("photo_n", "es", n=3)
    assert which_photo(0, 1, "en") == t("the_photo", "en")


async def test_a_tapped_request_mixes_its_photos_where_told_and_keeps_ready_cats(engine):
    import io

    import torch
    from PIL import Image

    from bot.common.face_asks import with_hints

    buf = io.BytesIO()
    Image.new("RGB", (300, 200), (90, 140, 200)).save(buf, format="PNG")  # no cat to find
    adopted = engine.cat_from_latent(torch.zeros(engine.model.config.latent_dim), "Misi")
    out = await with_hints(engine, [adopted, buf.getvalue()], [None, FaceHint.at(2)])
    assert out[0] is adopted
    assert out[1].report.hint == "2" and out[1].report.box[0] >= 150  # the top-right square, not the middle
    reply = await engine.mix(out)
    assert reply.faces_missing == []  # the user placed it: nothing to excuse in the caption
