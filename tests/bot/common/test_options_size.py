"""`/mix ... 384px`: the output size is a chat option (issue 11); a bare number stays the frame count."""

import pytest

from bot.common.options import OptionError, parse_mix_options
from vae_core.engine import MixOptions


def test_size_words_set_the_gif_side_and_numbers_stay_frames():
    assert parse_mix_options([]).size == 256
    assert parse_mix_options(["384px"]) == MixOptions(size=384)
    assert parse_mix_options(["16", "LARGE", "grid"]) == MixOptions(frames=16, format="grid", size=384)
    assert parse_mix_options(["384px", "256px"]).size == 256  # later words win
    assert parse_mix_options(["24"]) == MixOptions(frames=24)


def test_a_size_typo_gets_a_suggestion():
    with pytest.raises(OptionError) as e:
        parse_mix_options(["348px"])
    assert e.value.key == "opt_did_you_mean" and e.value.params["suggestion"] == "384px"
