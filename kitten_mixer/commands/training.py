"""Training the VAE: `kitten-mixer train`."""

from __future__ import annotations

import argparse

from kitten_mixer.argtypes import DefaultsHelpFormatter, bounded_int


def _add_train(sub) -> None:
    p = sub.add_parser("train", help="train a VAE preset on a zip/folder/npz of cat faces",
                       formatter_class=DefaultsHelpFormatter)
    p.add_argument("--preset", default="v6", help="architecture and recipe (vae_core/presets.py)")
    p.add_argument("--data", required=True, help="a zip, folder or .npz of square cat-face images")
    p.add_argument("--epochs", type=bounded_int(1, 10_000, "epochs"), default=10, help="passes over the data")
    p.add_argument("--out", default=None, help="run folder (state.pt, history.csv, model.safetensors); "
                   "default runs/PRESET")
    p.add_argument("--batch-size", type=int, default=None, help="default: the preset's")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: the preset's)")
    p.add_argument("--seed", type=bounded_int(0, 2**63 - 1, "seed"), default=0, help="for the split and the init")
    p.add_argument("--threads", type=int, default=0, help="torch intra-op threads; 0: torch's own choice")
    p.add_argument("--kl-warmup", type=float, default=None, help="epochs of linear KL warm-up")
    p.add_argument("--checkpoint-every", type=bounded_int(1, 10_000, "epochs"), default=1,
                   help="save state.pt every this many epochs")
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
