"""`kitten-mixer`: the command line for people and for training."""

from __future__ import annotations

import argparse
import logging
import sys

from vae_core.checkpoint import CheckpointError
from vae_core.errors import KittenError


def _add_train(sub) -> None:
    p = sub.add_parser("train", help="train a VAE preset on a zip/folder/npz of cat faces")
    p.add_argument("--preset", default="v6")
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--out", default=None, help="run folder (state.pt, history.csv, model.safetensors); "
                   "default runs/PRESET")
    p.add_argument("--batch-size", type=int, default=None, help="default: the preset's")
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: default)")
    p.add_argument("--kl-warmup", type=float, default=None, help="epochs of linear KL warm-up")
    p.add_argument("--checkpoint-every", type=int, default=1)
    p.add_argument("--resume", action="store_true", help="continue from the run folder's newest checkpoint")
    p.add_argument("--max-steps", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--init-from", default=None, help="start from this checkpoint's weights (warm restart)")


def _run_train(a: argparse.Namespace) -> int:
    from trainer.train import TrainOptions, train

    path = train(TrainOptions(preset=a.preset, data=a.data, out=a.out or f"runs/{a.preset}", epochs=a.epochs,
                              batch_size=a.batch_size, lr=a.lr, seed=a.seed, threads=a.threads,
                              kl_warmup_epochs=a.kl_warmup,
                              checkpoint_every=a.checkpoint_every, resume=a.resume, max_steps=a.max_steps,
                              init_from=a.init_from))
    print(f"model written to {path}")
    return 0


def _add_eval(sub) -> None:
    p = sub.add_parser("evaluate", help="PSNR, SSIM, KL, active units, C2ST and smoothness on the test split")
    p.add_argument("checkpoints", nargs="+")
    p.add_argument("--data", required=True)
    p.add_argument("--out", default="eval.json", help="JSON file for the results")
    p.add_argument("--quick", action="store_true", help="reconstruction metrics only")

    p = sub.add_parser("compare", help="reconstruction and interpolation figures for several checkpoints")
    p.add_argument("checkpoints", nargs="+")
    p.add_argument("--data", required=True)
    p.add_argument("--out", default="fig")

    p = sub.add_parser("export", help="copy a checkpoint for shipping (float16 halves its size)")
    p.add_argument("checkpoint")
    p.add_argument("out")
    p.add_argument("--half", action="store_true")

    p = sub.add_parser("fit-prior", help="fit the Gaussian-mixture latent prior and store it in the checkpoint")
    p.add_argument("checkpoint")
    p.add_argument("--data", required=True)
    p.add_argument("--components", type=int, default=8)


def _run_evaluate(a: argparse.Namespace) -> int:
    from trainer.evaluate import run_evaluate

    run_evaluate(a.checkpoints, a.data, a.out, full=not a.quick)
    return 0


def _run_compare(a: argparse.Namespace) -> int:
    from trainer.compare import run_compare

    run_compare(a.checkpoints, a.data, a.out)
    return 0


def _run_export(a: argparse.Namespace) -> int:
    from pathlib import Path

    from vae_core.checkpoint import load_checkpoint, save_checkpoint

    loaded = load_checkpoint(a.checkpoint)
    save_checkpoint(a.out, loaded.model, info=loaded.info, prior=loaded.prior, half=a.half)
    print(f"wrote {a.out} ({Path(a.out).stat().st_size / 2**20:.1f} MB)")
    return 0


def _run_fit_prior(a: argparse.Namespace) -> int:
    from trainer.data import load_images
    from vae_core.checkpoint import load_checkpoint, save_checkpoint
    from vae_core.prior import fit_gaussian_mixture, latent_means

    loaded = load_checkpoint(a.checkpoint)
    train = load_images(a.data, size=loaded.model.config.image_size).split("train")
    prior = fit_gaussian_mixture(latent_means(loaded.model, train.images), a.components)
    save_checkpoint(a.checkpoint, loaded.model, info={**loaded.info, "prior_components": a.components}, prior=prior)
    print(f"stored a {a.components}-component latent prior in {a.checkpoint}")
    return 0


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kitten-mixer", description="Mix cats with a VAE.")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_train(sub)
    _add_people(sub)
    _add_eval(sub)
    a = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if a.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return COMMANDS[a.command](a)
    except (KittenError, CheckpointError, FileNotFoundError, FloatingPointError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


COMMANDS = {"train": _run_train, "mix": _run_mix, "random": _run_random, "bot": _run_bot, "demo": _run_demo,
            "evaluate": _run_evaluate, "compare": _run_compare, "fit-prior": _run_fit_prior,
            "export": _run_export}

if __name__ == "__main__":
    sys.exit(main())
