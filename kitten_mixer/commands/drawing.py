"""The drawing stage: `build-detail-bank`, `train-latent-critic`, `evaluate-realism` and the refiner that
was measured against the bank (`train-refiner`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kitten_mixer.argtypes import DefaultsHelpFormatter, bounded_int

SHARED_AFHQ192 = Path(__file__).resolve().parents[3] / "shared" / "data" / "afhq192.zip"


def _add(sub) -> None:
    fmt = DefaultsHelpFormatter
    p = sub.add_parser("train-refiner", formatter_class=fmt,
                       help="train the drawing stage (64 px decode -> sharp 192 px face) on sharp cat faces")
    p.add_argument("--data", default=str(SHARED_AFHQ192), help="a zip or folder of sharp square cat faces")
    p.add_argument("--out", default="runs/refiner", help="run folder (refiner-state.pt, refiner-log.csv, "
                                                         "refiner.safetensors, samples.png)")
    p.add_argument("--weights", default=None, help="the VAE whose decodes it refines (default: the shipped one)")
    p.add_argument("--steps", type=bounded_int(1, 10_000_000, "steps"), default=40_000, help="total steps")
    p.add_argument("--batch-size", type=bounded_int(1, 1024, "batch size"), default=16,
                   help="96 px windows per step")
    p.add_argument("--critics", type=bounded_int(1, 20, "critics"), default=3,
                   help="critics trained per comparison (seeds): one swings by up to 17 points")
    p.add_argument("--threads", type=bounded_int(1, 256, "threads"), default=1, help="torch threads")
    p.add_argument("--checkpoint-minutes", type=float, default=10.0, help="minutes between resumable states")
    p.add_argument("--resume", action="store_true", help="continue from the run folder's state")
    p.set_defaults(func=_run_train_refiner)

    p = sub.add_parser("build-detail-bank", formatter_class=fmt,
                       help="the drawing stage's bank of sharp faces whose fur drawn cats borrow (< 10 MB)")
    p.add_argument("--data", default=str(SHARED_AFHQ192), help="a zip or folder of sharp square cat faces")
    p.add_argument("--weights", default=None, help="the VAE (default: the shipped one)")
    p.add_argument("--out", default="weights/detail-bank.safetensors", help="the bank's file")
    p.add_argument("--count", type=bounded_int(1, 100_000, "faces"), default=700, help="faces in the bank")
    p.set_defaults(func=_run_build_bank)

    p = sub.add_parser("train-latent-critic", formatter_class=fmt,
                       help="learn which latents draw malformed cats (from the finder's scores of drawn faces)")
    p.add_argument("--weights", default=None, help="the VAE (default: the shipped one)")
    p.add_argument("--out", default="runs/latent-critic/latent-critic.safetensors", help="the critic's file")
    p.add_argument("--samples", type=bounded_int(100, 1_000_000, "samples"), default=6000,
                   help="drawn cats scored by the finder (~40 ms each; scores are cached beside --out)")
    p.set_defaults(func=_run_train_latent_critic)

    p = sub.add_parser("evaluate-realism", formatter_class=fmt,
                       help="can a small CNN tell drawn cats from real AFHQ faces? (today's path and the "
                            "drawing stage, with the real-vs-real and blur controls)")
    p.add_argument("--data", default=str(SHARED_AFHQ192), help="afhq192.zip (held-out faces are used)")
    p.add_argument("--weights", default=None, help="the VAE (default: the shipped one)")
    p.add_argument("--refiner", default=None, help="also measure this refiner (train-refiner's output) as a path")
    p.add_argument("--latent-critic", default=None, help="the latent critic's file (default: the shipped one)")
    p.add_argument("--detail-bank", default=None, help="the detail bank's file (default: the shipped one)")
    p.add_argument("--out", default="docs/metrics/realism.json", help="JSON file for the results")
    p.add_argument("--critics", type=bounded_int(1, 20, "critics"), default=3,
                   help="critics trained per comparison (seeds): one swings by up to 17 points")
    p.add_argument("--threads", type=bounded_int(1, 256, "threads"), default=1,
                   help="torch threads (the critic's small convolutions gain nothing from more)")
    p.add_argument("--figures", default=None, metavar="DIR",
                   help="also write the comparison sheets, the 64-cat sheet and the nearest-real-face check here")
    p.set_defaults(func=_run_evaluate_realism)


def _run_train_refiner(a: argparse.Namespace) -> int:
    from trainer.train_refiner import RefinerTrainOptions, train_refiner
    from vae_core.engine import DEFAULT_WEIGHTS

    path = train_refiner(RefinerTrainOptions(data=a.data, out=a.out, vae=a.weights or str(DEFAULT_WEIGHTS),
                                             steps=a.steps, batch_size=a.batch_size, threads=a.threads,
                                             checkpoint_minutes=a.checkpoint_minutes, resume=a.resume))
    print(f"refiner written to {path}")
    return 0


def _run_build_bank(a: argparse.Namespace) -> int:
    from trainer.build_detail_bank import build_detail_bank
    from vae_core.engine import DEFAULT_WEIGHTS

    path = build_detail_bank(a.data, a.weights or str(DEFAULT_WEIGHTS), a.out, count=a.count)
    print(f"detail bank written to {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def _run_train_latent_critic(a: argparse.Namespace) -> int:
    from trainer.train_latent_critic import LatentCriticOptions, train_latent_critic
    from vae_core.engine import DEFAULT_WEIGHTS

    path, report = train_latent_critic(LatentCriticOptions(vae=a.weights or str(DEFAULT_WEIGHTS), out=a.out,
                                                           samples=a.samples))
    print(f"latent critic written to {path}: {report}")
    return 0


TODAY = "today (64 px decode)"
SHIPPED = "drawing stage (detail bank + latent critic)"


def realism_engines(weights: str | None, threads: int = 1, latent_critic: str | None = None,
                    detail_bank: str | None = None, refiner: str | None = None) -> dict:
    """The paths evaluate-realism compares, as engines: what /random drew before the drawing stage (no
    stage at all), the bank without the ranking, the shipped stage, and optionally a refiner."""
    from vae_core.engine import DEFAULT_DETAIL_BANK, DEFAULT_LATENT_CRITIC, Engine, EngineSettings

    settings = EngineSettings(workers=1, threads_per_worker=threads)
    critic, bank = latent_critic or DEFAULT_LATENT_CRITIC, detail_bank or DEFAULT_DETAIL_BANK
    engines = {TODAY: Engine(weights, settings, refiner=False, latent_critic=False, detail_bank=False),
               "detail bank, no latent critic": Engine(weights, settings, refiner=False, latent_critic=False,
                                                       detail_bank=bank),
               SHIPPED: Engine(weights, settings, refiner=False, latent_critic=critic, detail_bank=bank)}
    if refiner:
        engines["refiner + latent critic"] = Engine(weights, settings, refiner=refiner, latent_critic=critic,
                                                    detail_bank=False)
    return engines


def _run_evaluate_realism(a: argparse.Namespace) -> int:
    import torch

    from trainer.evaluate_realism import engine_path, evaluate_realism
    from trainer.realism_figures import write_figures

    torch.set_num_threads(a.threads)
    engines = realism_engines(a.weights, a.threads, a.latent_critic, a.detail_bank, a.refiner)
    paths = {name: engine_path(eng, desc=name.split(" (")[0]) for name, eng in engines.items()}
    result = evaluate_realism(a.data, paths, a.out, critics=a.critics)
    for name, r in {**result["controls"], **result["paths"]}.items():
        extra = f", fine detail {r['fine_detail_vs_real']:.2f} of real" if "fine_detail_vs_real" in r else ""
        spread = f"{r['test_accuracy_min']:.1%}-{r['test_accuracy_max']:.1%}"
        print(f"{name}: test {r['test_accuracy']:.1%} (seeds {spread}; train {r['train_accuracy']:.1%}){extra}")
    if a.figures:
        today, new = engines[TODAY], engines[SHIPPED]
        for path in write_figures(today, new, a.data, Path(a.figures)):
            print(f"wrote {path}")
    print(f"wrote {a.out}")
    return 0


def register(sub) -> None:
    _add(sub)
