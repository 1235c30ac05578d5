"""What people run: mix, random, demo and the bots."""

from __future__ import annotations

import argparse
import sys


def _add_people(sub) -> None:
    p = sub.add_parser("mix", help="mix two cat photos into a GIF or a grid")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("-o", "--out", default="mix.gif")
    p.add_argument("--frames", type=int, default=12)
    p.add_argument("--format", choices=["gif", "grid"], default=None, help="default: from the -o suffix")
    p.add_argument("--path", choices=["linear", "slerp"], default="linear")
    p.add_argument("--boomerang", action="store_true")
    p.add_argument("--weights", default=None)

    p = sub.add_parser("random", help="a grid of cats that never existed")
    p.add_argument("-n", type=int, default=16)
    p.add_argument("-o", "--out", default="cats.png")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--weights", default=None)

    p = sub.add_parser("demo", help="the main job: run the bot if a token is configured, else an offline demo")
    p.add_argument("--out", default="out")
    p.add_argument("--weights", default=None)

    p = sub.add_parser("bot", help="run a chat bot (settings from the environment / .env)")
    p.add_argument("platform", choices=["telegram", "discord"])


def _engine(weights: str | None):
    from vae_core.engine import Engine, EngineSettings

    return Engine(weights, EngineSettings(workers=1, threads_per_worker=2))  # one request: use both cores


def _run_mix(a: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    from vae_core.engine import MixOptions

    fmt = a.format or ("grid" if Path(a.out).suffix.lower() == ".png" else "gif")
    eng = _engine(a.weights)
    try:
        reply = asyncio.run(eng.mix([Path(a.a).read_bytes(), Path(a.b).read_bytes()],
                                    MixOptions(frames=a.frames, format=fmt, path=a.path, boomerang=a.boomerang)))
    finally:
        eng.close()
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_bytes(reply.data)
    for i in reply.faces_missing:
        print(f"note: no cat face found in {(a.a, a.b)[i]}; used the middle of the photo")
    print(f"wrote {a.out} ({fmt}, {reply.frames} frames, {len(reply.data) // 1024} KB)")
    return 0


def _run_random(a: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    eng = _engine(a.weights)
    try:
        reply = asyncio.run(eng.random(a.n, a.seed))
    finally:
        eng.close()
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_bytes(reply.data)
    print(f"wrote {a.out} ({a.n} cats)")
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
