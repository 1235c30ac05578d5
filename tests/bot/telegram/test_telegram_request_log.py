"""One log line per request, with ms per stage and the outcome; a reason on every refusal (issue 12)."""

from __future__ import annotations

import logging
import re

from tg_fake_api import TOKEN, group_chat, private_chat, user

ANA = user(70, "Ana Secretname")
GROUP = group_chat(-100700)


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "kitten_mixer.requests"]


async def test_a_served_mix_is_one_line_with_stages_and_no_user_content(tg_api, tg_start, face_jpegs, caplog):
    await tg_start()
    with caplog.at_level(logging.INFO):
        target = tg_api.message(ANA, GROUP, document=face_jpegs[0], mime_type="image/jpeg",
                                file_name="my-private-cat-name.jpg", send=False)
        tg_api.message(ANA, GROUP, photo=face_jpegs[1], caption="/mix 3", reply_to=target)
        await tg_api.wait_replies(1)
        await tg_api.wait_for(lambda: _lines(caplog))
    (line,) = _lines(caplog)
    assert re.fullmatch(r"request telegram/supergroup mix: ok in \d+ ms \(wait=\d+ download=\d+ engine=\d+ "
                        r"send=\d+ \[.*\]\)", line), line
    text = caplog.text
    for secret in ("my-private-cat-name", "Secretname", TOKEN, TOKEN.split(":")[1]):
        assert secret not in text


async def test_refusals_and_failures_say_why(tg_api, tg_start, face_jpegs, caplog):
    await tg_start()
    chat = private_chat(70)
    with caplog.at_level(logging.INFO):
        tg_api.message(ANA, chat, text="/mix 33")
        await tg_api.wait_replies(1)
        tg_api.message(ANA, chat, text="/random gird")
        await tg_api.wait_replies(2)
        target = tg_api.message(ANA, chat, document=b"not a picture", mime_type="text/plain", send=False)
        tg_api.message(ANA, chat, photo=face_jpegs[0], caption="/mix", reply_to=target)
        await tg_api.wait_replies(3)
        broken = tg_api.message(ANA, chat, photo=face_jpegs[0][:300], send=False)
        tg_api.message(ANA, chat, photo=face_jpegs[1], caption="/mix", reply_to=broken)
        await tg_api.wait_replies(4)
        await tg_api.wait_for(lambda: len(_lines(caplog)) >= 4)
    lines = _lines(caplog)
    assert lines[0] == "request telegram/private mix: refused (opt_too_many_frames) in 0 ms ()"
    assert lines[1].startswith("request telegram/private random: refused (opt_not_number)")
    assert lines[2].startswith("request telegram/private mix: refused (not_photo)")
    assert re.match(r"request telegram/private request: refused \(corrupt\) in \d+ ms \(wait=\d+ download=\d+ "
                    r"engine=\d+\)", lines[3]), lines[3]
