"""Command and option descriptions from the texts catalogue, localised for Spanish clients.

Discord shows each user the description for their client language (`description_localizations`),
so the catalogue's Spanish entries are handed to discord.py's translator at sync time.
"""

from __future__ import annotations

from discord import Locale, app_commands

from bot.common.texts import TEXTS, lang_for, t


def text(key: str) -> app_commands.locale_str:
    """The English catalogue text, tagged with its key so the translator can find the others."""
    return app_commands.locale_str(t(key, "en"), key=key)


class CatalogueTranslator(app_commands.Translator):
    async def translate(self, string: app_commands.locale_str, locale: Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        key = string.extras.get("key")
        lang = lang_for(locale.value)
        if key is None or lang == "en":
            return None
        translated = TEXTS.get(lang, {}).get(key)
        return translated if translated != string.message else None
