"""/start and /help, in English and Spanish, and the start-up calls a real bot makes."""

from __future__ import annotations

from tg_fake_api import private_chat, user

from bot.common.texts import t


async def test_help_in_english(tg_api, tg_start):
    await tg_start()
    tg_api.message(user(1), private_chat(1), text="/help")
    (reply,) = await tg_api.wait_replies(1)
    assert reply.method == "sendMessage" and reply.chat_id == 1
    assert t("mix_how_telegram", "en") in reply.text and "/mix 16 grid" in reply.text


async def test_start_in_spanish(tg_api, tg_start):
    await tg_start()
    tg_api.message(user(2, language_code="es-AR"), private_chat(2), text="/start")
    (reply,) = await tg_api.wait_replies(1)
    assert "¡Kitten Mixer transforma un gato en otro!" in reply.text
    assert t("mix_how_telegram", "es") in reply.text


async def test_startup_publishes_commands_in_both_languages(tg_api, tg_start):
    await tg_start()
    menus = tg_api.sent("setMyCommands")
    assert [m.params.get("language_code") for m in menus] == [None, "es"]
    assert {c["command"] for c in menus[0].params["commands"]} == {"mix", "cats", "kittens", "blend", "map", "cat",
                                                                   "random", "adopt", "forget", "help"}
    assert "gatitos" in {c["command"] for c in menus[1].params["commands"]}  # the Spanish menu's name
    assert tg_api.sent("getMe") and tg_api.sent("deleteWebhook")


async def test_help_and_handlers_come_from_the_one_command_list(tg_api, tg_start):
    """Every command in bot/common/commands/help.py is listed in /help and answered by a handler,
    and every command a handler answers is in the list: a command can't miss its help line."""
    from telegram.ext import MessageHandler

    from bot.common.commands.help import TELEGRAM, commands_on
    from bot.telegram.commands import CommandFilter

    app = await tg_start()
    tg_api.message(user(3), private_chat(3), text="/help")
    (reply,) = await tg_api.wait_replies(1)
    listed = commands_on(TELEGRAM)
    for c in listed:
        assert f"/{c.name} — {t('cmd_' + c.key, 'en')}" in reply.text

    def filters_in(f):  # CommandFilter inside the handler's combined filter (_NEW & CommandFilter(...))
        if isinstance(f, CommandFilter):
            yield f
        for part in ("base_filter", "and_filter", "or_filter"):
            if hasattr(f, part):
                yield from filters_in(getattr(f, part))

    handled = {name for group in app.handlers.values() for h in group if isinstance(h, MessageHandler)
               for f in filters_in(h.filters) for name in f.names}
    assert handled == {word for c in listed for word in c.words()}
