"""Training the VAE: `kitten-mixer train`."""

from __future__ import annotations

import argparse


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


def register(sub) -> None:
    _add_train(sub)
    sub.choices['train'].set_defaults(func=_run_train)
