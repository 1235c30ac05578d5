"""A server's adopted cats in use on Discord: /cats lists them first, `/mix cats:Luna Tom` and
`/kittens cats:Luna Tom` mix them (after a restart too), and a DM can't use them. Real discord.py,
engine, gallery (built for the tiny model) and SQLite file; the fake Discord."""

from __future__ import annotations

from bot.common.texts import t


async def adopt(fake, photo: bytes, name: str) -> None:
    att = fake.attachment_payload(f"{name}.jpg", photo, "image/jpeg")
    iid = await fake.inject(fake.slash("adopt", {"name": name}, attachments={"photo": att}))
    first = await fake.first_callback(iid)
    said = first.content if first.type == 4 else (await fake.first_followup(iid)).content
    assert said == t("adopt_done", "en", name=name)


async def test_adopted_cats_first_on_cats_and_mixed_by_name_after_a_restart(fake, start_bot, face_jpegs,
                                                                             tiny_gallery):
    bot = await start_bot(kitten_gallery=tiny_gallery)
    await adopt(fake, face_jpegs[0], "Luna")
    await adopt(fake, face_jpegs[1], "Tom")
    iid = await fake.inject(fake.slash("cats"))
    sheet = await fake.first_followup(iid)
    assert sheet.content.split("\n")[0] == t("adopted_title", "en", count=2, limit=50, names="Luna, Tom")
    assert sheet.content.endswith(t("cats_caption", "en", first=1, last=16, count=32, page=1, pages=2))

    await bot.close()
    fake._ws_ready.clear()
    await start_bot(kitten_gallery=tiny_gallery)
    iid = await fake.inject(fake.slash("mix", {"cats": "luna TOM", "frames": 4}))
    result = await fake.first_followup(iid)
    assert result.files and result.files[0].filename.endswith(".gif") and not result.ephemeral
    iid = await fake.inject(fake.slash("kittens", {"cats": "Luna Tom"}))
    litter = await fake.first_followup(iid)
    assert litter.files and litter.files[0].filename.endswith(".png")

    iid = await fake.inject(fake.slash("mix", {"cats": "Luna Tom"}, guild=False))  # a DM has no Luna
    first = await fake.first_callback(iid)
    answer = first if first.type == 4 else await fake.first_followup(iid)
    assert answer.ephemeral and not getattr(answer, "files", None)
