"""Name rules for adopted cats, and the adoption service over a real SQLite file."""

from __future__ import annotations

import pytest
import torch

from bot.common.adoption import AdoptedCats, scope_for
from bot.common.cat_names import NameProblem, check_name, could_be_name, name_key
from bot.common.storage import open_storage


@pytest.mark.parametrize("raw", ["Luna", "tom_2", "Mr-Whiskers", "Миша", "小虎", "ลูกแมว", "नमस्ते", "7up",
                                 "a", "x" * 20, "  Luna  "])
def test_good_names(raw):
    assert check_name(raw) == raw.strip()


@pytest.mark.parametrize(("raw", "key"), [
    ("", "name_empty"), ("x" * 21, "name_too_long"), ("Luna!", "name_bad_chars"), ("Lu na", "name_bad_chars"),
    ("#12", "name_bad_chars"), ("12", "name_number"), ("٣٤", "name_number"), ("1-2", "name_number"),
    ("__", "name_number"), ("all", "name_reserved"), ("GRID", "name_reserved"), ("Gatitos", "name_reserved"),
    ("mix", "name_reserved"), ("🐱", "name_bad_chars"),
])
def test_bad_names(raw, key):
    with pytest.raises(NameProblem) as e:
        check_name(raw)
    assert e.value.key == key
    assert not could_be_name(raw)


def test_names_compare_without_case_or_normalisation_form():
    assert name_key("LUNA") == name_key("luna")
    assert name_key("Jose\u0301") == name_key("José")  # e + combining accent == é
    assert name_key("Straße") == name_key("STRASSE")


async def test_service_adopts_finds_in_order_and_refuses_what_it_should(tmp_path):
    storage = await open_storage(tmp_path / "k.db")
    try:
        cats = AdoptedCats(storage.cats, latent_dim=4, max_names=2)
        here, there = scope_for("telegram", -100), scope_for("discord", 5)
        z1, z2 = torch.tensor([1.0, 2, 3, 4]), torch.tensor([-1.0, 0, 0.5, 9])
        assert await cats.adopt(here, "Luna", z1, user_id=1) == "Luna"
        with pytest.raises(NameProblem) as e:
            await cats.adopt(here, "LUNA", z2, user_id=2)
        assert e.value.key == "name_taken" and e.value.params == {"name": "LUNA"}
        assert await cats.adopt(here, "Tom", z2, user_id=2) == "Tom"
        with pytest.raises(NameProblem) as e:
            await cats.adopt(here, "Kit", z2, user_id=2)
        assert e.value.key == "chat_full" and e.value.params == {"limit": 2}
        got = await cats.latents(here, ["tom", "luna", "Tom"])
        assert [g.tolist() for g in got] == [z2.tolist(), z1.tolist(), z2.tolist()]
        with pytest.raises(NameProblem) as e:
            await cats.latents(there, ["Luna"])
        assert e.value.key == "unknown_cat"
        assert await cats.names(here) == ["Luna", "Tom"]
        assert await cats.forget(here, "luna") == "Luna"
        with pytest.raises(NameProblem):
            await cats.forget(here, "luna")
        assert await cats.forget_all(here) == 1
        with pytest.raises(ValueError):
            await cats.adopt(here, "Big", torch.zeros(5), user_id=1)  # not this model's latent
    finally:
        await storage.close()


def test_the_adopted_list_fits_a_caption_even_with_fifty_long_names():
    from bot.common.adoption import adopted_list_text
    from bot.common.texts import t

    names = [f"Gato{i:02d}" + "x" * 14 for i in range(50)]  # 20 characters each
    line = adopted_list_text(names, "es")
    assert len(line) < 1024 - 200  # room left for the gallery's own caption
    assert line.startswith(t("adopted_title", "es", count=50, limit=50, names="")[:20])
    assert names[0] in line and names[-1] not in line and line.endswith(")")
    assert adopted_list_text(["Luna"], "en") == t("adopted_title", "en", count=1, limit=50, names="Luna")
    assert adopted_list_text([], "en") == t("adopted_none", "en")
