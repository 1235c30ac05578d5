"""/random and its "Roll again" button, end to end."""

from __future__ import annotations

import io

from PIL import Image

from bot.common.texts import t


def button_of(message: dict) -> dict:
    [row] = message["components"]
    [button] = row["components"]
    return button


async def test_random_grid_then_roll_again_draws_a_new_grid(fake, start_bot):
    await start_bot()
    iid = await fake.inject(fake.slash("random", {"count": 4}))
    assert (await fake.first_callback(iid)).type == 5
    first = await fake.first_followup(iid)
    [grid] = first.files
    img = Image.open(io.BytesIO(grid.data))
    assert img.format == "PNG" and abs(img.width - img.height) < 5  # 2 x 2
    assert first.content.splitlines()[0] == t("random_done", count=4)
    seed = int(first.content.splitlines()[1].split()[1].rstrip(":"))  # shown, so it can be drawn again
    assert first.content.splitlines()[1] == t("random_seed", seed=seed, again=f"/random count:4 seed:{seed}")
    button = button_of(first.message)
    assert button["type"] == 2 and button["label"] == t("random_roll")

    press = await fake.inject(fake.button(first.message, button["custom_id"], user_id=4242))
    assert (await fake.first_callback(press)).type == 5
    again = await fake.first_followup(press)
    [new_grid] = again.files
    assert Image.open(io.BytesIO(new_grid.data)).size == img.size
    assert new_grid.data != grid.data
    assert button_of(again.message)["custom_id"] == button["custom_id"]  # and it can roll again


async def test_same_seed_same_cats(fake, start_bot):
    await start_bot()
    grids = []
    for _ in range(2):
        iid = await fake.inject(fake.slash("random", {"count": 2, "seed": 1234}))
        grids.append((await fake.first_followup(iid)).files[0].data)
    assert grids[0] == grids[1]


async def test_roll_again_survives_a_restart(fake, start_bot):
    """The button keeps no state: a message from an earlier run still works."""
    await start_bot()
    message = fake.message(components=[{"type": 1, "components": [
        {"type": 2, "style": 2, "label": "Otra vez", "custom_id": "kitten-mixer:roll:3"}]}])
    press = await fake.inject(fake.button(message, "kitten-mixer:roll:3", locale="es-ES"))
    again = await fake.first_followup(press)
    assert again.content.splitlines()[0] == t("random_done", "es", count=3)
    assert button_of(again.message)["label"] == t("random_roll", "es")


