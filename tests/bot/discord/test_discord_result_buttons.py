"""The buttons under a Discord mix (issue 12): the next mix without re-uploading; expiry said privately."""

from __future__ import annotations

import asyncio
import io

import imageio.v3 as iio
from PIL import Image

from bot.common.texts import t


def _buttons(message: dict) -> dict[str, dict]:
    return {b["custom_id"].rsplit(":", 1)[1]: b for row in message["components"] for b in row["components"]}


async def _mix(fake, face_jpegs, frames: int = 4):
    cats = {k: fake.attachment_payload(f"{k}.jpg", d, "image/jpeg") for k, d in zip(("cat1", "cat2"), face_jpegs,
                                                                                     strict=True)}
    iid = await fake.inject(fake.slash("mix", {"frames": frames}, attachments=cats))
    return await fake.first_followup(iid)


async def test_mix_buttons_make_the_next_mixes_without_downloading_again(fake, start_bot, face_jpegs):
    await start_bot()
    first = await _mix(fake, face_jpegs)
    buttons = _buttons(first.message)
    assert list(buttons) == ["swap", "boom", "fmt", "more", "rnd"]
    assert [b["label"] for b in buttons.values()] == [t(k) for k in ("btn_swap", "btn_boomerang", "btn_grid",
                                                                     "btn_more", "btn_random_cat")]
    downloads = list(fake.downloads)

    async def press(action: str, **kw):
        iid = await fake.inject(fake.button(first.message, buttons[action]["custom_id"], **kw))
        return await fake.first_followup(iid)

    swapped = await press("swap")
    assert not swapped.ephemeral and iio.improps(swapped.files[0].data, index=None, extension=".gif").shape[0] == 4
    assert swapped.files[0].data != first.files[0].data
    boom = await press("boom")
    assert iio.improps(boom.files[0].data, index=None, extension=".gif").shape[0] == 6
    grid = await press("fmt")
    assert Image.open(io.BytesIO(grid.files[0].data)).format == "PNG"
    assert _buttons(grid.message)["fmt"]["label"] == t("btn_gif")
    more = await press("more")
    assert iio.improps(more.files[0].data, index=None, extension=".gif").shape[0] == 8
    rnd = await press("rnd", locale="es-ES")
    assert rnd.content.splitlines()[0] == t("mix_done", "es") and "semilla" in rnd.content
    assert fake.downloads == downloads


async def test_an_expired_mix_button_is_answered_privately(fake, start_bot, face_jpegs):
    await start_bot(result_cache_ttl_s=0.3)
    first = await _mix(fake, face_jpegs, frames=3)
    await asyncio.sleep(0.5)
    iid = await fake.inject(fake.button(first.message, _buttons(first.message)["swap"]["custom_id"]))
    answer = await fake.first_callback(iid)
    assert answer.type == 4 and answer.ephemeral and answer.content == t("button_expired")
    await asyncio.sleep(0.2)
    assert not fake.followups_for(iid)


async def test_a_mix_button_pressed_in_another_channel_is_refused_privately(fake, start_bot, face_jpegs):
    """Issue 21, defect 8: a result's custom_id carried to a message in another channel (forged or
    copied) gets a private note and no mix there; in its own channel it still works."""
    await start_bot()
    first = await _mix(fake, face_jpegs, frames=3)
    swap = _buttons(first.message)["swap"]["custom_id"]
    elsewhere = fake.snowflake()
    press = fake.button(dict(first.message, channel_id=str(elsewhere)), swap, locale="es-ES")
    press["channel_id"] = str(elsewhere)
    press["channel"] = dict(fake.guild_payload()["channels"][0], id=str(elsewhere), name="other")
    iid = await fake.inject(press)
    answer = await fake.first_callback(iid)
    assert answer.type == 4 and answer.ephemeral and answer.content == t("button_foreign", "es")
    await asyncio.sleep(0.3)
    assert not fake.followups_for(iid) and len(fake.callbacks_for(iid)) == 1

    iid = await fake.inject(fake.button(first.message, swap))
    assert not (await fake.first_followup(iid)).ephemeral  # in its own channel it still makes the mix


async def test_a_mix_of_gallery_cats_has_buttons_too(fake, start_bot, tiny_gallery):
    """Issue 20: `/mix cats:12 47` came without the buttons Telegram's `/mix 12 47` has."""
    await start_bot(kitten_gallery=tiny_gallery)
    first = await fake.first_followup(await fake.inject(fake.slash("mix", {"cats": "3 20", "frames": 4})))
    names, done = first.content.splitlines()[:2]  # the same caption as Telegram's (bold here)
    assert names.startswith("**#3 ") and " → **#20 " in names and done == t("mix_done", "en")
    buttons = _buttons(first.message)
    assert list(buttons) == ["swap", "boom", "fmt", "more", "rnd"]
    swapped = await fake.first_followup(await fake.inject(fake.button(first.message, buttons["swap"]["custom_id"])))
    assert not swapped.ephemeral and swapped.files[0].data != first.files[0].data
