"""What a result is, in words, for both bots: frames, path and format of a mix; a random grid's seed.

A caption that says "12 frames · slerp path · GIF" lets people tell two results apart in a busy
chat and ask for the same again; a seed shown under `/random` is the only way to get those
cats back, so a request without one is given one before it runs (vae_core.seeds).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.common.face_question import face_notes
from bot.common.texts import t
from vae_core.engine import Cat, MixOptions, Reply


def about_mix(options: MixOptions, lang: str) -> str:
    """e.g. "12 frames · slerp path · GIF" (a boomerang GIF shows its forward frames)."""
    fmt = "format_grid" if options.format == "grid" else "format_boomerang_gif" if options.boomerang \
        else "format_gif"
    return t("about_mix", lang, frames=options.frames, path=t(f"path_{options.path}", lang), format=t(fmt, lang))


def source_labels(cats: Sequence[Cat], files: Sequence[str], lang: str) -> list[str]:
    """Each source as a caption names it: a gallery or adopted cat's own label ("#12 Luna"), else
    the next photo's file name (`files`, already made safe by the platform; Telegram has none),
    else "photo 2" (texts.py `source_photo`, counted among all the sources)."""
    names: list[str] = []
    photos = iter(files)
    for cat in cats:
        names.append(cat.label or next(photos, None) or t("source_photo", lang, n=len(names) + 1))
    return names


def mix_done(count: int, lang: str) -> str:
    """"Here's your kitten mix!", or for 3-4 cats "Here's your loop through 3 cats!"."""
    return t("mix_done_loop", lang, count=count) if count > 2 else t("mix_done", lang)


def _which(i: int, files: Sequence[str], lang: str) -> str:
    """Photo `i` in a note: "the first photo", "the first photo (tom.jpg)" where it has a name."""
    which = t(("first_photo", "second_photo")[i], lang) if i < 2 else t("photo_n", lang, n=i + 1)
    return f"{which} ({files[i]})" if i < len(files) and files[i] else which


def mix_caption(reply: Reply, options: MixOptions, lang: str, files: Sequence[str] = (),
                animated: Sequence[bool] = (), strong: Callable[[str], str] = str) -> str:
    """Every mix's caption, on both bots: the sources by name when any has one ("tom.jpg → #12 Luna";
    photos alone are not worth a line of "photo 1 → photo 2"), "here's your mix/loop", a kind word
    for each photo where intake had to improvise, and what the result is ("12 frames · slerp · GIF").

    `files`: the photos' names (Discord's file names, made safe; Telegram has none). `animated`:
    which photos were animations whose first frame the platform decoded itself. `strong`: how this
    platform sets a name in bold (Discord's markdown; Telegram sends plain text)."""
    cats = reply.cats
    lines = []
    if any(c.label for c in cats) or any(files):
        lines.append(" → ".join(strong(n) for n in source_labels(cats, files, lang)))
    lines.append(mix_done(len(cats), lang))
    for i, report in enumerate(reply.reports):  # one per photo; the photos come first among the sources
        which = _which(i, files, lang)
        if not report.face_found and report.hint is None:
            lines.append(t("no_face", lang, which=which))
        lines += face_notes(report, which, lang)
        if report.animated or (i < len(animated) and animated[i]):
            note = t("first_frame", lang, which=which)
            lines.append(note[:1].upper() + note[1:])
    lines.append(about_mix(options, lang))
    return "\n".join(lines)


def random_caption(count: int, seed: int, lang: str, again: str) -> str:
    """`again` is how this platform's users type the same request (`/random 4 42` on Telegram)."""
    return f"{t('random_done', lang, count=count)}\n{t('random_seed', lang, seed=seed, again=again)}"
