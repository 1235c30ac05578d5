"""The cat-head finder: `crop` (see what the bot sees), `evaluate-finder`, `train-finder`,
`train-finder-verifier`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

CROP_PNG_SIDE = 256


def _add_finder(sub) -> None:
    p = sub.add_parser("crop", help="find the cat's head in photos and show the square the model sees",
                       description="For each photo: the head found and the crop square, in pixels of the upright "
                                   "full-size photo (after EXIF rotation). Without a confident head the bot asks "
                                   "the user where it is; here the middle of the photo is used, as `mix` does.")
    p.add_argument("photos", nargs="+", metavar="PHOTO", help="cat photos (JPEG, PNG, WebP, GIF or BMP)")
    p.add_argument("--json", action="store_true", help="one JSON line per photo: file, found, box, crop, score, ms")
    p.add_argument("-o", "--out", metavar="DIR", default=None, help=f"write the {CROP_PNG_SIDE} px crops as PNG here")
    p.add_argument("--weights", default=None, help="finder weights (default: weights/finder.safetensors)")
    p.add_argument("--haar", action="store_true", help="use the old Haar finder instead")
    p.add_argument("--anyway", action="store_true",
                   help="a photo that looks like a dog is cropped on the dog's face as if it were a cat's")

    p = sub.add_parser("evaluate-finder", help="recall by head size, false finds, AFHQ close-ups and speed")
    p.add_argument("--data", required=True, help="the scenes folder (manifest.json, photos/)")
    p.add_argument("--photos", default=None, help="AFHQ close-ups (default: DATA/../photos when present)")
    p.add_argument("--weights", default=None, help="finder weights (default: weights/finder.safetensors)")
    p.add_argument("--haar", action="store_true", help="evaluate the old Haar finder instead")
    p.add_argument("--split", choices=["test", "held-out", "test+held-out", "all"], default="test",
                   help="scenes never trained on are cut in two: test (thresholds are chosen on it; default) and "
                        "held-out (checked once); test+held-out is both, all every scene. Dog photos: the "
                        "same split of their own (test+held-out and all report both)")
    p.add_argument("--dogs", default=None, help="dog photos (default: DATA/../dogs when present)")
    p.add_argument("--people", default=None, metavar="DIR",
                   help="portraits for the people-and-cats composites (grace_hopper.jpg from matplotlib's "
                        "sample data, astronaut.png from scikit-image's); without it that set is skipped")
    p.add_argument("--no-strips", action="store_true", help="skip the cat-free strips")
    p.add_argument("--json", default=None, metavar="OUT", help="also write the figures to this JSON file")
    p.add_argument("--no-small", action="store_true", help="skip the made-up small-head canvases")
    p.add_argument("--draws", type=int, default=1,
                   help="random draws of cat-free regions and small-head canvases, pooled (5: a steadier "
                        "false-find rate; draw 1 is the standard one)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1: the bot's per-request budget)")
    p.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)

    from trainer.train_finder import FinderTrainOptions
    from trainer.train_verifier import VerifierTrainOptions

    p = sub.add_parser("train-finder", help="train the cat-head finder (scenes, cats64.zip, afhq192.zip)")
    _add_train_options(p, FinderTrainOptions)
    p = sub.add_parser("train-finder-verifier", help="train the finder's second stage on the heatmap net's "
                       "candidates; writes one finder file with both nets")
    _add_train_options(p, VerifierTrainOptions)


def _add_train_options(p: argparse.ArgumentParser, options: type) -> None:
    """One flag per field of the trainer's options, so the CLI never falls behind the trainer."""
    for f in dataclasses.fields(options):
        flag = f"--{f.name.replace('_', '-')}"
        default = f.default
        if isinstance(default, bool):
            p.add_argument(flag, action="store_true", help=f"(default {default})")
        else:
            p.add_argument(flag, type=type(default), default=default, help=f"default: {default}")


def _finder(a: argparse.Namespace):
    from vae_core.finder import HaarFinder, load_finder

    if a.haar:
        return HaarFinder()
    if a.weights and not Path(a.weights).exists():
        raise FileNotFoundError(f"no finder weights at {a.weights}")
    return load_finder(a.weights)


def upright_scale(decoded: tuple[int, int], source: tuple[int, int]) -> float:
    """Full-size pixels per decoded pixel. Intake shrinks photos to 1024 px after turning them
    upright, and `source_size` is the stored (pre-EXIF) size, so compare the longer sides."""
    return max(source) / max(decoded)


def crop_line(path: str, finder, anyway: bool = False) -> tuple[dict, object, object]:
    """The JSON contract for one photo, plus the decoded image and the location (for -o). `dog` is
    True when the head is a dog's (then `found` is False unless `anyway`)."""
    from vae_core.facecrop import locate
    from vae_core.hints import FaceHint
    from vae_core.intake import IntakeLimits, decode_image

    data = Path(path).read_bytes()
    t0 = time.perf_counter()
    img, facts = decode_image(data, IntakeLimits())
    where = locate(img, finder, FaceHint.mix_anyway() if anyway else None)
    ms = (time.perf_counter() - t0) * 1000
    k = upright_scale(img.size, facts["source_size"])

    def full(box):
        return [round(v * k, 1) for v in box]

    line = {"file": path, "found": where.found,
            "box": full(where.head) if (where.found or where.dog) and where.head else None,
            "crop": full(where.square), "score": round(float(where.score), 4), "dog": where.dog, "ms": round(ms, 1)}
    return line, img, where


def _run_crop(a: argparse.Namespace) -> int:
    from vae_core.errors import IntakeError
    from vae_core.facecrop import cut

    finder = _finder(a)
    out = Path(a.out) if a.out else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for path in a.photos:
        try:
            line, img, where = crop_line(path, finder, getattr(a, "anyway", False))
        except (IntakeError, OSError) as e:
            failed += 1
            print(f"{path}: {e}", file=sys.stderr)
            if a.json:
                print(json.dumps({"file": path, "error": str(e)}))
            continue
        if where.dog and not where.found:
            print(f"note: {path} looks like a dog, not a cat; cropped its face (--anyway uses it as a cat's)",
                  file=sys.stderr)
        elif not where.found:
            print(f"note: no cat face found in {path}; used the middle of the photo", file=sys.stderr)
        if a.json:
            print(json.dumps(line))
        else:
            what = (f"dog's head {line['box']} score {line['score']:.2f}" if where.dog
                    else f"head {line['box']} score {line['score']:.2f}" if line["found"] else "no head found")
            many = f", {where.cats} cats (used the most confident)" if where.cats > 1 else ""
            print(f"{path}: {what}{many}; crop {line['crop']} ({line['ms']:.0f} ms)")
        if out is not None:
            from PIL import Image

            png = cut(img, where.square, [CROP_PNG_SIDE], where.angle)[0]
            Image.fromarray(png).save(out / f"{Path(path).stem}.png")
    return 1 if failed else 0


def _run_evaluate_finder(a: argparse.Namespace) -> int:
    import torch

    from trainer.evaluate_finder import evaluate_finder, format_table

    torch.set_num_threads(max(1, a.threads))
    result = evaluate_finder(_finder(a), a.data, a.split, a.photos, small=not a.no_small, limit=a.limit,
                             draws=a.draws, strips=not a.no_strips, dogs=a.dogs, people=a.people)
    print(format_table(result))
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(result, indent=1))
        print(f"wrote {a.json}")
    return 0


def _run_train_finder(a: argparse.Namespace) -> int:
    from trainer.train_finder import FinderTrainOptions, train_finder

    names = {f.name for f in dataclasses.fields(FinderTrainOptions)}
    path = train_finder(FinderTrainOptions(**{k: v for k, v in vars(a).items() if k in names}))
    print(f"finder written to {path}")
    return 0


def _run_train_verifier(a: argparse.Namespace) -> int:
    from trainer.train_verifier import VerifierTrainOptions, train_verifier

    names = {f.name for f in dataclasses.fields(VerifierTrainOptions)}
    path = train_verifier(VerifierTrainOptions(**{k: v for k, v in vars(a).items() if k in names}))
    print(f"finder with its verifier written to {path}")
    return 0


def register(sub) -> None:
    _add_finder(sub)
    sub.choices["crop"].set_defaults(func=_run_crop)
    sub.choices["evaluate-finder"].set_defaults(func=_run_evaluate_finder)
    sub.choices["train-finder"].set_defaults(func=_run_train_finder)
    sub.choices["train-finder-verifier"].set_defaults(func=_run_train_verifier)
