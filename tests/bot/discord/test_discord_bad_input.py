"""Files the bot can't use: each gets the right private sentence, and the next request still works."""

from __future__ import annotations

import os

from dc_fake_discord import FakeDiscord

from bot.common.texts import mb, t


def cats(fake: FakeDiscord, first: dict, jpeg: bytes) -> dict:
    return {"cat1": first, "cat2": fake.attachment_payload("good.jpg", jpeg, "image/jpeg")}


async def assert_next_request_works(fake: FakeDiscord, face_jpegs: list[bytes]) -> None:
    good = {"cat1": fake.attachment_payload("a.jpg", face_jpegs[0], "image/jpeg"),
            "cat2": fake.attachment_payload("b.jpg", face_jpegs[1], "image/jpeg")}
    iid = await fake.inject(fake.slash("mix", {"frames": 2}, attachments=good))
    result = await fake.first_followup(iid)
    assert result.files and result.files[0].data[:6] == b"GIF89a"


async def test_pdf_is_refused_privately_without_downloading(fake, start_bot, face_jpegs):
    await start_bot()
    pdf = fake.attachment_payload("cat.pdf", b"%PDF-1.7\n" + os.urandom(500), "application/pdf")
    iid = await fake.inject(fake.slash("mix", attachments=cats(fake, pdf, face_jpegs[0])))
    answer = await fake.first_callback(iid)
    assert (answer.type, answer.ephemeral) == (4, True)
    assert answer.content == t("not_photo")
    assert fake.downloads == [] and fake.followups_for(iid) == []
    await assert_next_request_works(fake, face_jpegs)


async def test_oversized_attachment_is_refused_before_download(fake, start_bot, face_jpegs):
    await start_bot(max_upload_mb=1.0)
    big = fake.attachment_payload("huge.jpg", face_jpegs[0], "image/jpeg", size=5 * 1024 * 1024)
    iid = await fake.inject(fake.slash("mix", attachments=cats(fake, big, face_jpegs[1])))
    answer = await fake.first_callback(iid)
    assert (answer.type, answer.ephemeral) == (4, True)
    assert answer.content == t("file_too_big", size_mb=mb(5 * 1024 * 1024), limit_mb=mb(1024 * 1024))
    assert fake.downloads == []
    await assert_next_request_works(fake, face_jpegs)


async def test_body_bigger_than_its_size_field_is_cut_off(fake, start_bot, face_jpegs):
    await start_bot(max_upload_mb=0.5)
    liar = fake.attachment_payload("liar.png", b"\x89PNG\r\n\x1a\n" + os.urandom(600_000), "image/png", size=1000)
    iid = await fake.inject(fake.slash("mix", attachments=cats(fake, liar, face_jpegs[1])))
    answer = await fake.first_callback(iid)
    assert (answer.type, answer.ephemeral) == (4, True)
    assert answer.content == t("file_too_big", size_mb=mb(600_008), limit_mb=mb(512 * 1024))


async def test_bytes_that_are_no_image_are_refused_before_deferring(fake, start_bot, face_jpegs):
    await start_bot()
    junk = fake.attachment_payload("cat.png", os.urandom(4000), "image/png")
    iid = await fake.inject(fake.slash("mix", attachments=cats(fake, junk, face_jpegs[0])))
    answer = await fake.first_callback(iid)
    assert (answer.type, answer.ephemeral) == (4, True)
    assert answer.content == t("err_corrupt")
    await assert_next_request_works(fake, face_jpegs)


async def test_untyped_file_that_is_no_image_is_not_a_photo(fake, start_bot, face_jpegs):
    await start_bot()
    text = fake.attachment_payload("notes", b"just some text, no cat here\n" * 10, None, width=None, height=None)
    iid = await fake.inject(fake.slash("mix", attachments=cats(fake, text, face_jpegs[0])))
    answer = await fake.first_callback(iid)
    assert (answer.type, answer.ephemeral, answer.content) == (4, True, t("not_photo"))


async def test_truncated_jpeg_found_by_the_engine_is_answered_privately(fake, start_bot, face_jpegs):
    """The damage only shows when decoding, after the public deferral: the "thinking..." message
    is deleted and the sentence sent as an ephemeral follow-up, not into the channel."""
    await start_bot()
    broken = fake.attachment_payload("broken.jpg", face_jpegs[0][: len(face_jpegs[0]) // 2], "image/jpeg")
    iid = await fake.inject(fake.slash("mix", attachments=cats(fake, broken, face_jpegs[1])))
    assert (await fake.first_callback(iid)).type == 5
    answer = await fake.first_followup(iid)
    assert answer.ephemeral and not answer.files
    assert answer.content == t("err_corrupt")
    assert fake.deletes == [f"token-{iid}"]
    await assert_next_request_works(fake, face_jpegs)


async def test_failed_download_is_explained(fake, start_bot, face_jpegs):
    await start_bot()
    gone = fake.attachment_payload("gone.jpg", b"", "image/jpeg", size=1000, url=f"{fake.base}/files/nope?ex=1")
    iid = await fake.inject(fake.slash("mix", attachments=cats(fake, gone, face_jpegs[0])))
    answer = await fake.first_callback(iid)
    assert (answer.type, answer.ephemeral, answer.content) == (4, True, t("download_failed"))
    await assert_next_request_works(fake, face_jpegs)


async def test_slow_download_defers_in_time_and_the_next_request_waits_in_line(fake, start_bot, face_jpegs):
    await start_bot(queue_running=1)
    slow = fake.attachment_payload("slow.jpg", face_jpegs[0], "image/jpeg", hold=True)
    iid = await fake.inject(fake.slash("mix", {"frames": 2}, attachments=cats(fake, slow, face_jpegs[1])))
    first = await fake.first_callback(iid)
    assert first.type == 5 and first.at - fake.injected_at[iid] < 3.0

    # Meanwhile the only job slot is taken: another member waits in line (acknowledged in time,
    # told their place), and their "You're #1 in line" message becomes the result.
    other = await fake.inject(fake.slash("random", {"count": 1}, user_id=123))
    waiting = await fake.first_callback(other)
    assert waiting.type == 5 and waiting.at - fake.injected_at[other] < 3.0
    await fake.wait_for(lambda: [e for e in fake.edits if e[0] == f"token-{other}"])
    assert fake.edits[-1] == (f"token-{other}", {**fake.edits[-1][1], "content": t("queue_place", place=1)})

    fake.release(fake.hosted_name(slow))
    result = await fake.first_followup(iid)
    assert result.files and not result.ephemeral
    files = await fake.wait_for(lambda: fake.edited_files.get(f"token-{other}"))
    assert files[0].data[:8] == b"\x89PNG\r\n\x1a\n"
    last_edit = [e for e in fake.edits if e[0] == f"token-{other}"][-1][1]
    assert last_edit["content"].splitlines()[0] == t("random_done", count=1)
    assert not fake.followups_for(other)
    await assert_next_request_works(fake, face_jpegs)


async def test_download_timeout_is_answered_privately(fake, start_bot, face_jpegs):
    await start_bot(download_timeout_s=0.3)
    stuck = fake.attachment_payload("stuck.jpg", face_jpegs[0], "image/jpeg", hold=True)
    iid = await fake.inject(fake.slash("mix", attachments=cats(fake, stuck, face_jpegs[1])))
    answer = await fake.first_callback(iid)
    assert (answer.type, answer.ephemeral, answer.content) == (4, True, t("download_failed"))
    await assert_next_request_works(fake, face_jpegs)
