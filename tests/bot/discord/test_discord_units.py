"""Small pure pieces: byte sniffing, caption safety, the description translator."""

from __future__ import annotations

import io

import numpy as np
import pytest
from discord import Locale
from discord.app_commands import TranslationContext, TranslationContextLocation
from PIL import Image

from bot.common.texts import t
from bot.discord.attachments import sniff
from bot.discord.i18n import CatalogueTranslator, text
from bot.discord.replies import clean_name


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "jpeg"), ("PNG", "png"), ("GIF", "gif"), ("WEBP", "webp"),
                                           ("BMP", "bmp")])
def test_sniff_knows_what_intake_decodes(fmt, name):
    buf = io.BytesIO()
    Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(buf, format=fmt)
    assert sniff(buf.getvalue()) == name


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7", b"RIFF\x00\x00\x00\x00WAVEfmt ", b"BM", b"<svg></svg>"])
def test_sniff_refuses_the_rest(data):
    assert sniff(data) is None


def test_file_names_cannot_ping_or_format():
    shown = clean_name("@everyone **bold** " + "x" * 100 + ".png")
    assert "@everyone" not in shown and "\\*\\*" in shown and len(shown) < 90


async def test_translator_gives_spanish_descriptions_only():
    translator = CatalogueTranslator()
    ctx = TranslationContext(TranslationContextLocation.command_description, None)
    assert await translator.translate(text("cmd_mix"), Locale.spain_spanish, ctx) == t("cmd_mix", "es")
    assert await translator.translate(text("cmd_mix"), Locale.latin_american_spanish, ctx) == t("cmd_mix", "es")
    assert await translator.translate(text("cmd_mix"), Locale.french, ctx) is None
    assert await translator.translate(text("dc_menu_mix"), Locale.spain_spanish, ctx) is None  # same text
