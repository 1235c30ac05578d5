"""Discord's /mix uses the same defaults as Telegram, the CLI and the engine (issue 12)."""

from __future__ import annotations

import logging
import re

from vae_core.engine import MixOptions


async def test_mix_without_options_is_the_engines_default_mix(fake, start_bot, face_jpegs, engine):
    await start_bot()
    cats = {k: fake.attachment_payload(f"{k}.jpg", d, "image/jpeg") for k, d in zip(("cat1", "cat2"), face_jpegs,
                                                                                     strict=True)}
    iid = await fake.inject(fake.slash("mix", {}, attachments=cats))
    result = await fake.first_followup(iid)
    expected = await engine.mix(face_jpegs, MixOptions())
    assert MixOptions().path == "slerp" and MixOptions().frames == 12
    assert result.files[0].data == expected.data
    assert result.files[0].data != (await engine.mix(face_jpegs, MixOptions(path="linear"))).data


async def test_mix_caption_says_frames_path_and_format(fake, start_bot, face_jpegs):
    await start_bot()
    cats = {k: fake.attachment_payload(f"{k}.jpg", d, "image/jpeg") for k, d in zip(("cat1", "cat2"), face_jpegs,
                                                                                     strict=True)}
    iid = await fake.inject(fake.slash("mix", {"frames": 5, "format": "grid"}, attachments=cats))
    result = await fake.first_followup(iid)
    assert result.content.splitlines()[-1] == "5 frames · slerp path · grid"


async def test_random_shows_a_seed_that_draws_the_same_cats(fake, start_bot):
    await start_bot()
    first = await fake.first_followup(await fake.inject(fake.slash("random", {"count": 2})))
    seed = int(first.content.splitlines()[1].split()[1].rstrip(":"))
    again = await fake.first_followup(await fake.inject(fake.slash("random", {"count": 2, "seed": seed})))
    assert again.files[0].data == first.files[0].data


async def test_one_log_line_per_request_with_stages_and_reasons(fake, start_bot, face_jpegs, caplog):
    await start_bot()
    cats = {k: fake.attachment_payload(f"secret-{k}.jpg", d, "image/jpeg") for k, d in
            zip(("cat1", "cat2"), face_jpegs, strict=True)}
    with caplog.at_level(logging.INFO):
        await fake.first_followup(await fake.inject(fake.slash("mix", {"frames": 3}, attachments=cats)))
        bad = {"cat1": fake.attachment_payload("a.jpg", b"not an image at all", "image/jpeg"),
               "cat2": cats["cat2"]}
        iid = await fake.inject(fake.slash("mix", {"frames": 3}, attachments=bad))
        await fake.first_callback(iid)
        await fake.wait_for(lambda: len([r for r in caplog.records if r.name == "kitten_mixer.requests"]) >= 2)
    lines = [r.getMessage() for r in caplog.records if r.name == "kitten_mixer.requests"]
    assert re.fullmatch(r"request discord/guild mix: ok in \d+ ms \(wait=\d+ download=\d+ engine=\d+ send=\d+ "
                        r"\[.*\]\)", lines[0]), lines[0]
    assert lines[1].startswith("request discord/guild mix: refused (err_corrupt)"), lines[1]
    assert "secret-cat" not in caplog.text
