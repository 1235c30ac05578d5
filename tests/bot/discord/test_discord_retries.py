"""Attachment downloads on Discord meet the CDN's bad moments: 5xx answers are retried with the
shared backoff (one WARNING line each, no signature from the URL), within the download timeout."""

from __future__ import annotations

import logging

from bot.common.texts import t


async def test_two_503s_on_a_download_are_retried_and_the_mix_arrives(fake, start_bot, face_jpegs, caplog):
    await start_bot()
    caplog.set_level(logging.WARNING)
    cat1 = fake.attachment_payload("tom.jpg", face_jpegs[0], "image/jpeg")
    cat2 = fake.attachment_payload("felix.jpg", face_jpegs[1], "image/jpeg")
    fake.file_failures[fake.hosted_name(cat2)] = [503, 502]
    iid = await fake.inject(fake.slash("mix", {"frames": 4}, attachments={"cat1": cat1, "cat2": cat2}))
    result = await fake.first_followup(iid)
    assert result.files and result.files[0].filename.endswith(".gif")
    assert fake.downloads.count(fake.hosted_name(cat2)) == 3
    retries = [r.getMessage() for r in caplog.records if r.name == "bot.common.backoff"]
    assert len(retries) == 2 and all("felix.jpg failed (ServerError: HTTP 50" in m for m in retries)
    assert not any("hm=" in m or "?ex=" in m for m in retries)  # the URL's signature stays out of logs


async def test_a_download_that_keeps_failing_is_answered_within_its_timeout(fake, start_bot, face_jpegs, caplog):
    import time

    await start_bot(download_timeout_s=2.0)
    caplog.set_level(logging.WARNING)
    cat1 = fake.attachment_payload("tom.jpg", face_jpegs[0], "image/jpeg")
    cat2 = fake.attachment_payload("felix.jpg", face_jpegs[1], "image/jpeg")
    fake.file_failures[fake.hosted_name(cat2)] = [500] * 50
    start = time.monotonic()
    iid = await fake.inject(fake.slash("mix", {"frames": 4}, attachments={"cat1": cat1, "cat2": cat2}))
    await fake.wait_for(lambda: [f for f in fake.followups_for(iid) if f.ephemeral]
                        or [c for c in fake.callbacks_for(iid) if c.type == 4])
    said = [f.content for f in fake.followups_for(iid)] + [c.content for c in fake.callbacks_for(iid)]
    assert t("download_failed", "en") in said
    assert time.monotonic() - start < 2.0 + 3.0  # the timeout, plus slack for a busy 2-core machine
    assert any("felix.jpg failed: ServerError: HTTP 500" in r.getMessage() for r in caplog.records)


async def test_a_500_and_a_502_on_the_follow_up_are_retried_by_discord_py(fake, start_bot, face_jpegs):
    await start_bot()
    fake.followup_failures = [500, 502]
    iid = await fake.inject(fake.slash("random", {"count": 2}))
    result = await fake.first_followup(iid, timeout=30)
    assert result.files and result.files[0].filename.endswith(".png")
    assert fake.failed_followups == [f"token-{iid}"] * 2 and len(fake.followups_for(iid)) == 1
