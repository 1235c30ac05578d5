"""`kitten-mixer`: the command line for people and for training."""

from __future__ import annotations

import argparse
import logging
import sys


def _add_train(sub) -> None:
    p = sub.add_parser("train", help="train a VAE preset on a zip/folder/npz of cat faces")
    p.add_argument("--preset", default="v6")
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--out", required=True, help="run folder (checkpoints, history.csv, model.safetensors)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: default)")
    p.add_argument("--kl-warmup", type=float, default=None, help="epochs of linear KL warm-up")
    p.add_argument("--checkpoint-every", type=int, default=1)
    p.add_argument("--resume", action="store_true", help="continue from the run folder's newest checkpoint")
    p.add_argument("--max-steps", type=int, default=0, help=argparse.SUPPRESS)


def _run_train(a: argparse.Namespace) -> int:
    from trainer.train import TrainOptions, train

    path = train(TrainOptions(preset=a.preset, data=a.data, out=a.out, epochs=a.epochs, batch_size=a.batch_size,
                              lr=a.lr, seed=a.seed, threads=a.threads, kl_warmup_epochs=a.kl_warmup,
                              checkpoint_every=a.checkpoint_every, resume=a.resume, max_steps=a.max_steps))
    print(f"model written to {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kitten-mixer", description="Mix cats with a VAE.")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_train(sub)
    a = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if a.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return {"train": _run_train}[a.command](a)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
