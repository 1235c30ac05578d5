"""The "where's the face?" question both bots send: the picture, the words and the buttons.

The platforms only lay the buttons out (Telegram inline keyboard, Discord buttons) and route the
taps back; what is asked, in which words, and what each button means is decided once here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.common.texts import t
from vae_core.hint_overlay import grid_overlay_jpeg
from vae_core.hints import CELLS, GRID, FaceHint
from vae_core.intake import CropReport, IntakeLimits, decode_image

QUESTION_FILENAME = "where-is-the-face.jpg"


@dataclass(frozen=True)
class Button:
    label: str
    hint: FaceHint


@dataclass(frozen=True)
class FaceQuestion:
    picture: bytes  # JPEG: the photo with the numbered grid
    text: str
    rows: list[list[Button]]  # three rows of three numbered squares, then "use the whole photo"


def which_photo(index: int, count: int, lang: str) -> str:
    """'the first photo', 'the second photo', 'photo 3'... ('the photo' when there is only one)."""
    if count == 1:
        return t("the_photo", lang)
    if index < 2:
        return t(("first_photo", "second_photo")[index], lang)
    return t("photo_n", lang, n=index + 1)


def buttons(lang: str, dog: bool = False) -> list[list[Button]]:
    """The numbered squares and "use the whole photo"; for a dog, "mix it anyway" first (the dog's
    own face square, as the finder saw it)."""
    rows = [[Button(t("face_mix_anyway", lang), FaceHint.mix_anyway())]] if dog else []
    rows += [[Button(str(r * GRID + c + 1), FaceHint.at(r * GRID + c)) for c in range(GRID)]
             for r in range(CELLS // GRID)]
    rows.append([Button(t("face_whole", lang), FaceHint.whole_photo())])
    return rows


def question_text(index: int, count: int, lang: str, minutes: int, dog: bool = False) -> str:
    which = which_photo(index, count, lang)
    if dog:  # said, never mixed as a cat without the user's word
        return t("face_dog", lang, which=which[:1].upper() + which[1:], minutes=minutes)
    return t("face_where", lang, which=which, minutes=minutes)


def render_picture(photo: bytes, limits: IntakeLimits = IntakeLimits()) -> bytes:
    """The photo, upright as intake sees it, with the numbered grid (so square 5 is where the user
    sees square 5, EXIF rotation included)."""
    img, _ = decode_image(photo, limits)
    return grid_overlay_jpeg(img)


async def make_question(images: list[bytes], index: int, lang: str, wait_s: float,
                        limits: IntakeLimits = IntakeLimits(), dog: bool = False) -> FaceQuestion:
    """The question about photo `index` (`dog`: it looks like a dog); the picture is drawn off the event loop."""
    picture = await asyncio.to_thread(render_picture, images[index], limits)
    minutes = max(1, round(wait_s / 60))
    return FaceQuestion(picture, question_text(index, len(images), lang, minutes, dog), buttons(lang, dog))


def face_notes(report: CropReport | None, which: str, lang: str) -> list[str]:
    """Caption lines about how a photo's face was chosen: several cats -> the clearest was used."""
    if report is not None and report.cats > 1:
        return [t("several_cats", lang, count=report.cats, which=which)]
    return []
