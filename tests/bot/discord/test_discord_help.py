"""/help in the user's client language."""

from __future__ import annotations

import pytest

from bot.common.texts import t


@pytest.mark.parametrize(("locale", "lang"), [("es-ES", "es"), ("es-419", "es"), ("en-US", "en"), ("fr", "en")])
async def test_help_speaks_the_users_language(fake, start_bot, locale, lang):
    await start_bot()
    iid = await fake.inject(fake.slash("help", locale=locale))
    answer = await fake.first_callback(iid)
    assert answer.type == 4 and answer.ephemeral
    assert answer.content.startswith(t("help", lang, mix_how="", example="")[:20])
    assert t("mix_how_discord", lang) in answer.content
    assert "/mix cat1:" in answer.content  # the example
    if lang == "es":
        assert "gatos" in answer.content
