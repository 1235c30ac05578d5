"""What people run: mix, random, demo and the bots."""

from __future__ import annotations

import argparse
import sys

from kitten_mixer.argtypes import DefaultsHelpFormatter, bounded_int
from kitten_mixer.outputs import (
    OutputError,
    cells_target,
    check_writable,
    mix_target,
    png_target,
    write,
    write_cells,
)

WEIGHTS_HELP = "a Kitten Mixer checkpoint (default: the shipped model)"


def _add_people(sub) -> None:
    from vae_core.engine import MAX_FRAMES, MAX_RANDOM, MIN_FRAMES, MixOptions
    from vae_core.seeds import MAX_SEED

    defaults = MixOptions()  # the one definition of the defaults, shared with both bots
    fmt = DefaultsHelpFormatter
    p = sub.add_parser("mix", help="mix two cat photos into a GIF or a grid (3-4: one loop)", formatter_class=fmt,
                       description="Morph one cat photo into another through the model's latent space; with 3 or 4 "
                                   "cats, one loop A->B->C(->D)->A. '#12' is gallery cat 12 (kitten-mixer gallery).")
    p.add_argument("cats", nargs="+", metavar="CAT",
                   help="2-4 cat photos (JPEG, PNG, WebP, GIF or BMP), or '#12' for a gallery cat")
    p.add_argument("-o", "--out", default=None,
                   help="output file: .gif for an animation, .png for a grid (default: mix.gif, or mix.png "
                        "with --format grid)")
    p.add_argument("--frames", type=bounded_int(MIN_FRAMES, MAX_FRAMES, "frames"), default=defaults.frames,
                   help=f"pictures from the first cat to the second, {MIN_FRAMES}-{MAX_FRAMES}")
    p.add_argument("--format", choices=["gif", "grid"], default=None,
                   help="gif: an animation; grid: every step side by side (default: from the -o extension)")
    p.add_argument("--path", choices=["linear", "slerp"], default=defaults.path,
                   help="slerp curves around the latent mean and keeps the in-between cats sharp; "
                        "linear is the straight line (blurrier middle frames)")
    p.add_argument("--boomerang", action="store_true", help="play the GIF forward, then back")
    p.add_argument("--size", type=int, choices=[256, 384], default=defaults.size,
                   help="picture side in pixels (grid cells are half)")
    p.add_argument("--anyway", action="store_true",
                   help="mix a photo that looks like a dog, not a cat (its face is used); without it such a "
                        "photo is refused")
    p.add_argument("--weights", default=None, help=WEIGHTS_HELP)

    p = sub.add_parser("random", help="a grid of cats that never existed", formatter_class=fmt,
                       description="Draw cats from the model's latent density; the same seed draws the same cats.")
    p.add_argument("-n", type=bounded_int(1, MAX_RANDOM, "cats"), default=16, help=f"how many cats, 1-{MAX_RANDOM}")
    p.add_argument("-o", "--out", default="cats.png", help="output PNG file")
    p.add_argument("--seed", type=_seed, default=None,
                   help=f"0-{MAX_SEED}; the same seed gives the same cats (default: a fresh one, printed)")
    p.add_argument("--cells", default=None, metavar="DIR",
                   help="also write each cat as its own PNG at full size into this folder (cat-01.png, ...)")
    p.add_argument("--weights", default=None, help=WEIGHTS_HELP)

    p = sub.add_parser("demo", help="the main job: run the bot if a token is configured, else an offline demo",
                       formatter_class=fmt)
    p.add_argument("--out", default="out", help="folder for the offline demo's files")
    p.add_argument("--weights", default=None, help=WEIGHTS_HELP)

    p = sub.add_parser("bot", help="run a chat bot (settings from the environment / .env)", formatter_class=fmt)
    p.add_argument("platform", choices=["telegram", "discord"], help="which chat platform to serve")


def _seed(text: str) -> int:
    """Read like the bots read a seed (bot/common/numbers.py: any script's digits, no `1_6`)."""
    from bot.common.numbers import is_negative_number, whole_number
    from vae_core.seeds import MAX_SEED, SeedError, check_seed

    value = whole_number(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is negative; a seed is 0 to {MAX_SEED}"
                                         if is_negative_number(text) else f"{text!r} is not a whole number")
    try:
        return check_seed(value)
    except SeedError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _engine(weights: str | None, mix_dogs: bool = False):
    from vae_core.engine import Engine, EngineSettings

    # One request: use both cores. No chat to ask "where's the face?": the middle, with a note on stderr.
    # A dog photo is refused (DogFound) unless --anyway.
    return Engine(weights, EngineSettings(workers=1, threads_per_worker=2, middle_without_face=True,
                                          mix_dogs=mix_dogs))


def _run_mix(a: argparse.Namespace) -> int:
    """The chat bots' /mix (bot/common/commands/mix.py) with the flags as its options."""
    import asyncio

    from bot.common.commands import Refusal
    from bot.common.commands.mix import MixPlan
    from kitten_mixer.sources import read_sources
    from vae_core.engine import MixOptions
    from vae_core.errors import DogFound

    out, fmt = mix_target(a.out, a.format, MixOptions().format)
    asked = MixPlan(MixOptions(frames=a.frames, format=fmt, path=a.path, boomerang=a.boomerang, size=a.size))
    # The CLI's arguments are photos and gallery numbers alike: "2 to 4 cats", never "two photos".
    verdict = asked.check(len(a.cats)) if len(a.cats) >= 2 else Refusal("need_mix_cats", {"count": len(a.cats)})
    if isinstance(verdict, Refusal):
        raise OutputError(verdict.text("en"))
    check_writable(out)  # before loading the model: a bad -o should cost a second, not a mix
    eng = _engine(a.weights, mix_dogs=a.anyway)
    try:
        reply = asyncio.run(asked.make(eng, read_sources(a.cats, eng), "en")).reply
    except DogFound as e:  # a photo that looks like a dog: said, and mixed only with --anyway
        for i in e.dogs:
            print(f"{a.cats[i]} looks like a dog, not a cat; add --anyway to mix it anyway", file=sys.stderr)
        return 1
    finally:
        eng.close()
    write(out, reply.data)
    photos = [c for c in a.cats if not c.startswith("#")]
    for i, report in enumerate(reply.reports):
        if report.dog:
            print(f"note: {photos[i]} looks like a dog; mixed anyway (its face)", file=sys.stderr)
    for i in reply.faces_missing:
        if not reply.reports[i].dog:
            print(f"note: no cat face found in {photos[i]}; used the middle of the photo", file=sys.stderr)
    print(f"wrote {out} ({fmt}, {reply.frames} frames, {a.path} path, {len(reply.data) // 1024} KB)")
    return 0


def _run_random(a: argparse.Namespace) -> int:
    """The chat bots' /random (bot/common/commands/random.py): the same limits, the seed printed."""
    import asyncio

    from bot.common.commands import Refusal
    from bot.common.commands.random import plan_numbers

    out = png_target(a.out)
    if isinstance(asked := plan_numbers(a.n, a.seed), Refusal):
        raise OutputError(asked.text("en"))
    check_writable(out)
    cells = cells_target(a.cells) if a.cells else None
    asked = asked.seeded()  # picked here so it can be printed and the same cats drawn again
    eng = _engine(a.weights)
    try:
        reply = asyncio.run(asked.make(eng, "en", lambda n, seed: f"kitten-mixer random -n {n} --seed {seed}")).reply
    finally:
        eng.close()
    write(out, reply.data)
    print(f"wrote {out} ({asked.count} cats, seed {asked.seed})")
    if cells is not None:
        paths = write_cells(cells, reply.pictures, "cat")
        print(f"wrote {len(paths)} cats of {reply.pictures[0].shape[1]} px into {cells}")
    return 0


def _run_bot(a: argparse.Namespace) -> int:
    from bot.common.settings import ConfigError, Settings

    settings = Settings.from_env()
    if a.platform == "telegram":
        from bot.telegram.app import run
    else:
        from bot.discord.app import run
    try:
        run(settings)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def _run_demo(a: argparse.Namespace) -> int:
    """With a token in the environment/.env, run that bot; otherwise mix two bundled cats offline."""
    import asyncio
    from pathlib import Path

    from bot.common.settings import Settings
    from vae_core.engine import MixOptions
    from vae_core.samples import sample_photos

    settings = Settings.from_env()
    if settings.telegram_bot_token.reveal():
        from bot.telegram.app import run

        run(settings)
        return 0
    if settings.discord_bot_token.reveal():
        from bot.discord.app import run

        run(settings)
        return 0
    print("No TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN configured (see .env.example): running the offline demo.")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    eng = _engine(a.weights)
    cats = sample_photos(eng)
    try:
        gif = asyncio.run(eng.mix(cats, MixOptions(frames=12, boomerang=True)))
        grid = asyncio.run(eng.mix(cats, MixOptions(frames=10, format="grid")))
        rnd = asyncio.run(eng.random(16, seed=0))
    finally:
        eng.close()
    for name, reply in (("mix.gif", gif), ("mix-grid.png", grid), ("random.png", rnd)):
        (out / name).write_bytes(reply.data)
        print(f"wrote {(out / name).resolve()}")
    return 0


def register(sub) -> None:
    _add_people(sub)
    sub.choices['mix'].set_defaults(func=_run_mix)
    sub.choices['random'].set_defaults(func=_run_random)
    sub.choices['bot'].set_defaults(func=_run_bot)
    sub.choices['demo'].set_defaults(func=_run_demo)
