"""How the mix pictures look: `evaluate-mix` (endpoint fidelity, in-between detail, ghosting)."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("evaluate-mix", help="endpoint PSNR, middle-frame detail and ghosting of the mix GIF "
                                            "over pairs of photos, for the shipped compositing and baselines")
    p.add_argument("--photos", default=None, help="a folder of cat photos (.jpg/.png), paired up")
    p.add_argument("--split", choices=["tune", "held", "all"], default="held",
                   help="which half of the photos (sorted by name): tune = first, held = second (default)")
    p.add_argument("--pairs", type=int, default=40, help="photo pairs per set (default 40)")
    p.add_argument("--scenes", default=None, help="scenes manifest.json: head crops cut at the labelled boxes")
    p.add_argument("--scene-count", type=int, default=60, help="scene photos to use (default 60)")
    p.add_argument("--weights", default=None, help="a Kitten Mixer checkpoint (default: the shipped model)")
    p.add_argument("--out", default="mix-eval.json", help="JSON file for the results")
    p.add_argument("--figure", default=None, help="PNG: middle frames of five pairs, per variant")
    p.add_argument("--before-after", default=None, help="PNG: one pair's 12 frames before issue 11 and now")
    p.set_defaults(func=_run)


def _run(a: argparse.Namespace) -> int:
    from trainer.evaluate_mix import run_evaluate_mix

    if a.photos is None and a.scenes is None:
        raise ValueError("give --photos DIR and/or --scenes MANIFEST")
    run_evaluate_mix(a.photos, a.out, a.weights, a.split, a.pairs, a.scenes, a.scene_count, a.figure,
                     before_after=a.before_after)
    print(f"wrote {a.out}")
    return 0
