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


async def test_help_lists_exactly_the_slash_commands_the_bot_registers(fake, start_bot):
    """/help is built from bot/common/commands/help.py; the list must match what Discord is given
    (apart from the owner's /resync, which is not for users, and the right-click menu)."""
    from bot.common.commands.help import DISCORD, commands_on

    await start_bot()
    await fake.wait_for(lambda: fake.syncs)
    _, payload = fake.syncs[0]
    slash = {c["name"] for c in payload if c["type"] == 1} - {"resync"}
    listed = commands_on(DISCORD)
    assert {c.name for c in listed} == slash
    answer = await fake.first_callback(await fake.inject(fake.slash("help", locale="es-ES")))
    for c in listed:
        assert f"/{c.name} — {t('cmd_' + c.key, 'es')}" in answer.content
