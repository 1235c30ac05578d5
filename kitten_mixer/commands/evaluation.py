"""Measuring and shipping models: evaluate, compare, export, fit-prior."""

from __future__ import annotations

import argparse

from kitten_mixer.argtypes import DefaultsHelpFormatter, bounded_int

_FMT = {"formatter_class": DefaultsHelpFormatter}


def _add_eval(sub) -> None:
    p = sub.add_parser("evaluate", help="PSNR, SSIM, KL, active units, C2ST and smoothness on the test split", **_FMT)
    p.add_argument("checkpoints", nargs="+", help="checkpoint files (.safetensors) to measure")
    p.add_argument("--data", required=True, help="the dataset they were trained on (its test split is used)")
    p.add_argument("--out", default="eval.json", help="JSON file for the results")
    p.add_argument("--quick", action="store_true", help="reconstruction metrics only")

    p = sub.add_parser("compare", help="reconstruction and interpolation figures for several checkpoints", **_FMT)
    p.add_argument("checkpoints", nargs="+", help="checkpoint files (.safetensors) side by side")
    p.add_argument("--data", required=True, help="the dataset the test images come from")
    p.add_argument("--out", default="fig", help="folder for the PNG figures")

    p = sub.add_parser("export", help="copy a checkpoint for shipping (float16 halves its size)", **_FMT)
    p.add_argument("checkpoint", help="the checkpoint to copy")
    p.add_argument("out", help="where to write the copy")
    p.add_argument("--half", action="store_true", help="store the weights as float16")

    p = sub.add_parser("fit-prior", help="fit the Gaussian-mixture latent prior and store it in the checkpoint",
                       **_FMT)
    p.add_argument("checkpoint", help="the checkpoint to add the prior to (rewritten in place)")
    p.add_argument("--data", required=True, help="the training cats whose latents the mixture is fitted to")
    p.add_argument("--components", type=bounded_int(1, 64, "components"), default=8,
                   help="mixture components, 1-64")


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


def register(sub) -> None:
    _add_eval(sub)
    sub.choices['evaluate'].set_defaults(func=_run_evaluate)
    sub.choices['compare'].set_defaults(func=_run_compare)
    sub.choices['export'].set_defaults(func=_run_export)
    sub.choices['fit-prior'].set_defaults(func=_run_fit_prior)
