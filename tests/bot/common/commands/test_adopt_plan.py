"""/adopt and /forget's platform-neutral half (bot/common/commands/adopt.py): every check and its
message, and the adoption itself with the real tiny engine and a real SQLite file. Each case is
tested here once; the platforms' end-to-end tests only show that they parse into it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from bot.common.adoption import AdoptedCats, scope_for
from bot.common.commands import Refusal
from bot.common.commands.adopt import Adopt, Done, Forget, heading, plan, plan_forget
from bot.common.storage import open_storage
from bot.common.texts import t
from vae_core.errors import FaceNotFound
from vae_core.hints import FaceHint

HERE, ELSEWHERE = scope_for("telegram", -7), scope_for("discord", 7)


def gradient_png(size: int = 160) -> bytes:
    """A picture with no cat face in it (the tests' finder finds only drawn faces)."""
    ramp = np.linspace(0, 255, size, dtype=np.uint8)
    flat = np.full((size, size), 90, np.uint8)
    arr = np.stack([np.tile(ramp, (size, 1)), np.tile(ramp[:, None], (1, size)), flat], -1)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize(("words", "photos", "refused"), [
    ([], 1, Refusal("adopt_usage")),  # no name
    (["Luna"], 0, Refusal("adopt_usage")),  # no photo: not replied to one, not a caption
    (["12"], 1, Refusal("name_number", {"name": "12"})),
    (["١٢"], 1, Refusal("name_number", {"name": "١٢"})),  # digits of any script are a number, as in /mix
    (["Tom", "Cat"], 1, Refusal("name_bad_chars", {"name": "Tom Cat"})),  # several words are not one name
    (["grid"], 1, Refusal("name_reserved", {"name": "grid"})),
    (["x" * 21], 1, Refusal("name_too_long", {"limit": 20})),
])
def test_adopt_refusals_say_what_was_wrong(words, photos, refused):
    assert plan(words, photos) == refused
    assert refused.text("es") == t(refused.key, "es", **refused.params)


def test_a_good_name_in_any_script_is_planned_as_typed():
    assert plan(["Миша"], 1) == Adopt("Миша")
    assert plan(["Luna2"], 1) == Adopt("Luna2")


def test_forget_takes_one_name_or_all():
    assert plan_forget([]) == plan_forget(["Luna", "Tom"]) == plan_forget(["  "]) == Refusal("forget_usage")
    assert plan_forget(["ALL"]) == plan_forget(["todos"]) == Forget(None)
    assert plan_forget(["luna"]) == Forget("luna")


@pytest.fixture
async def adopted(tmp_path, engine):
    storage = await open_storage(tmp_path / "k.db")
    yield AdoptedCats(storage.cats, engine.model.config.latent_dim, max_names=2)
    await storage.close()


async def test_adopting_keeps_the_face_and_says_so_or_why_not(engine, adopted, face_jpegs):
    luna = Adopt("Luna")
    assert await luna.make(engine, adopted, HERE, face_jpegs[0], 1, "r1") == Done("adopt_done", {"name": "Luna"})
    assert (await luna.make(engine, adopted, HERE, face_jpegs[0], 1, "r1")).key == "adopt_done"  # a replay
    assert await Adopt("LUNA").make(engine, adopted, HERE, face_jpegs[1], 1, "r2") == Refusal("name_taken",
                                                                                              {"name": "LUNA"})
    await Adopt("Tom").make(engine, adopted, HERE, face_jpegs[1], 1, "r3")
    assert await Adopt("Kit").make(engine, adopted, HERE, face_jpegs[1], 1, "r4") == Refusal("chat_full", {"limit": 2})
    assert await heading(adopted, HERE, "en") == t("adopted_title", "en", count=2, limit=2, names="Luna, Tom") + "\n\n"
    assert await heading(adopted, ELSEWHERE, "en") == await heading(None, HERE, "en") == ""


async def test_no_confident_face_is_asked_about_and_the_tapped_square_is_adopted(engine, adopted):
    """Not adopted from the photo's middle and not refused: the engine's FaceNotFound reaches the
    platform, which asks; the tap's hint then adopts that face."""
    wall = gradient_png()
    with pytest.raises(FaceNotFound) as missing:
        await Adopt("Luna").make(engine, adopted, HERE, wall, 1, "r1")
    assert missing.value.photos == [0] and await adopted.names(HERE) == []
    done = await Adopt("Luna").make(engine, adopted, HERE, wall, 1, "r1", FaceHint.at(4))
    assert done == Done("adopt_done", {"name": "Luna"}) and await adopted.names(HERE) == ["Luna"]


async def test_forgetting_one_or_all_and_only_admins_forget_all(engine, adopted, face_jpegs):
    for name in ("Luna", "Tom"):
        await Adopt(name).make(engine, adopted, HERE, face_jpegs[0], 1, name)
    assert await Forget("luna").make(adopted, HERE, admin=False) == Done("forget_done", {"name": "Luna"})
    assert await Forget("Luna").make(adopted, HERE, admin=True) == Refusal("unknown_cat", {"name": "Luna"})
    assert await Forget(None).make(adopted, HERE, admin=False) == Refusal("forget_all_admins")
    assert await Forget(None).make(adopted, ELSEWHERE, admin=True) == Done("forget_all_done", {"count": 0})
    assert await Forget(None).make(adopted, HERE, admin=True) == Done("forget_all_done", {"count": 1})
