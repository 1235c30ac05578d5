"""The built-in cats and what grows from them: build-gallery, gallery, map, kittens, blend."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kitten_mixer.argtypes import DefaultsHelpFormatter, bounded_int
from kitten_mixer.outputs import OutputError, cells_target, check_writable, write, write_cells

CAT_HELP = "a cat photo, or '#12' for gallery cat 12 (see `kitten-mixer gallery`)"
MODEL_HELP = "a Kitten Mixer checkpoint (default: the shipped model)"
GALLERY_HELP = "the gallery file (default: weights/gallery.safetensors)"


def _png(out: str, what: str) -> Path:
    path = Path(out)
    if path.suffix.lower() != ".png":
        raise OutputError(f"{out}: {what} is a PNG picture, so the file name must end in .png")
    check_writable(path)  # before loading the model: a bad -o should cost a second
    return path


def _engine(weights: str | None):
    from vae_core.engine import Engine, EngineSettings

    # One request: both cores. No chat to ask "where's the face?": the middle, with a note on stderr.
    return Engine(weights, EngineSettings(workers=1, threads_per_worker=2, middle_without_face=True))


def _plan(make_plan, cats: list[str], **options):
    """The bots' plan for these arguments (bot/common/commands/gallery.py): the same checks and
    words, without the chat's usage line. Gallery cats are `#12`; anything else is a photo."""
    from bot.common.commands import Refusal
    from bot.common.sources import hash_number
    from bot.common.texts import t

    picks = [c for c in cats if hash_number(c) is not None]
    plan = make_plan(picks, len(cats) - len(picks), **options)
    if isinstance(plan, Refusal):
        raise OutputError(t(plan.key, "en", **plan.params))
    return plan


def _notes(reply, args: list[str]) -> None:
    photos = [a for a in args if not a.startswith("#")]
    for i in reply.faces_missing:
        if i < len(photos):
            print(f"note: no cat face found in {photos[i]}; used the middle of the photo", file=sys.stderr)


def _add(sub) -> None:
    from bot.common.commands.gallery import MAX_SEED
    from vae_core.litter import LITTER_SIZE, MAX_LITTER

    fmt = DefaultsHelpFormatter
    p = sub.add_parser("build-gallery", formatter_class=fmt,
                       help="pick and name the built-in cats for a model, and fit their map",
                       description="Encode the training cats, keep the one nearest each k-means centre, name "
                                   "them (es/en) and fit a t-SNE map; writes GALLERY.safetensors and .json.")
    p.add_argument("--data", required=True, help="a zip or folder of cat-face images (the model's training set)")
    p.add_argument("--weights", default=None, help=MODEL_HELP)
    p.add_argument("-o", "--out", default=None,
                   help="gallery file (default: weights/gallery.safetensors for the shipped model, else "
                        "gallery.safetensors beside the checkpoint)")
    p.add_argument("--count", type=bounded_int(16, 400, "cats"), default=98, help="how many cats")
    p.add_argument("--seed", type=int, default=0, help="k-means and t-SNE seed")

    p = sub.add_parser("litter-metrics", formatter_class=fmt,
                       help="measure that litters look like cats (C2ST) and like their parents",
                       description="On held-out cats: C2ST of kittens against real cats, and each kitten's "
                                   "distance to its parents against random cats (latent and pixels).")
    p.add_argument("--data", required=True, help="the training image set (its test split is used)")
    p.add_argument("--weights", default=None, help=MODEL_HELP)
    p.add_argument("--out", default="docs/metrics/litter.json", help="JSON results")
    p.add_argument("--figure", default="docs/litter-metrics.png", help="PNG figure")
    p.add_argument("--pairs", type=bounded_int(10, 5000, "pairs"), default=300, help="parent pairs (6 kittens each)")

    p = sub.add_parser("gallery", formatter_class=fmt, help="a numbered sheet of 16 built-in cats",
                       description="One page of the gallery; mix two with `kitten-mixer mix '#12' '#47'`.")
    p.add_argument("-o", "--out", default="cats.png", help="output PNG file")
    p.add_argument("--page", type=int, default=1, help="which page of 16")
    p.add_argument("--lang", choices=["en", "es"], default="en", help="language of the names")
    p.add_argument("--weights", default=None, help=MODEL_HELP)
    p.add_argument("--gallery", default=None, help=GALLERY_HELP)

    p = sub.add_parser("map", formatter_class=fmt, help="the gallery on a 2-D map of the latent space",
                       description="Look-alike cats are neighbours. Given 2-4 cats, draws their mix's path.")
    p.add_argument("cats", nargs="*", metavar="CAT", help=f"none, or 2-4 cats: {CAT_HELP}")
    p.add_argument("-o", "--out", default="map.png", help="output PNG file")
    p.add_argument("--weights", default=None, help=MODEL_HELP)
    p.add_argument("--gallery", default=None, help=GALLERY_HELP)

    p = sub.add_parser("kittens", formatter_class=fmt, help="a litter: kittens two cats might have",
                       description=f"{LITTER_SIZE} kittens drawn near the middle of the two cats' mix, with "
                                   "variety shaped by the latent prior. The same seed gives the same litter.")
    p.add_argument("a", help=CAT_HELP)
    p.add_argument("b", help="the other parent")
    p.add_argument("-o", "--out", default="litter.png", help="output PNG file")
    p.add_argument("--seed", type=bounded_int(0, MAX_SEED, "seed"), default=None,
                   help="the same seed gives the same litter (default: a fresh one, printed)")
    p.add_argument("-n", type=bounded_int(1, MAX_LITTER, "kittens"), default=LITTER_SIZE, help="how many kittens")
    p.add_argument("--cells", default=None, metavar="DIR",
                   help="also write each kitten as its own PNG at full size into this folder (kitten-01.png, ...)")
    p.add_argument("--weights", default=None, help=MODEL_HELP)
    p.add_argument("--gallery", default=None, help=GALLERY_HELP)

    p = sub.add_parser("blend", formatter_class=fmt, help="one cat blended from 2-4 cats by weight",
                       description="Weighted average of the cats' latents, decoded: "
                                   "`kitten-mixer blend a.jpg '#12' --shares 70 30 -o b.png`.")
    p.add_argument("cats", nargs="+", metavar="CAT", help=f"2-4 cats: {CAT_HELP}")
    p.add_argument("--shares", nargs="+", default=None, metavar="W",
                   help="one weight per cat, as in the bots: 70 30, 70/30, 70%% 30%% or 70,5 29,5 (default: equal)")
    p.add_argument("-o", "--out", default="blend.png", help="output PNG file")
    p.add_argument("--weights", "--checkpoint", dest="weights", default=None, help=MODEL_HELP)
    p.add_argument("--gallery", default=None, help=GALLERY_HELP)


def _run_build(a: argparse.Namespace) -> int:
    from trainer.gallery import build_gallery, describe
    from vae_core.engine import DEFAULT_WEIGHTS
    from vae_core.gallery import DEFAULT_GALLERY

    weights = Path(a.weights) if a.weights else DEFAULT_WEIGHTS
    out = Path(a.out) if a.out else (DEFAULT_GALLERY if not a.weights else weights.parent / "gallery.safetensors")
    if out.suffix != ".safetensors":
        raise OutputError(f"{out}: the gallery file must end in .safetensors (its names go in a .json beside it)")
    check_writable(out)
    gallery = build_gallery(weights, a.data, out, count=a.count, seed=a.seed)
    print(f"wrote {out} and {out.with_suffix('.json').name}: {describe(gallery)}")
    return 0


def _run_litter_metrics(a: argparse.Namespace) -> int:
    from trainer.litter_metrics import run_litter_metrics
    from vae_core.engine import DEFAULT_WEIGHTS

    r = run_litter_metrics(a.weights or DEFAULT_WEIGHTS, a.data, a.out, a.figure, pairs=a.pairs)
    print(f"C2ST kittens {r['c2st_kittens']:.1%} (slerp midpoints {r['c2st_slerp_midpoints']:.1%}; 50% = chance)")
    print(f"nearer both parents than the median random cat: latent {r['lat_both_nearer']:.1%}, "
          f"pixels {r['pix_both_nearer']:.1%}; wrote {a.out} and {a.figure}")
    return 0


def _run_gallery(a: argparse.Namespace) -> int:
    import asyncio

    from kitten_mixer.sources import open_gallery
    from vae_core.gallery_views import gallery_page

    out = _png(a.out, "a gallery page")
    eng = _engine(a.weights)
    try:
        gallery = open_gallery(eng, a.gallery)
        if not 1 <= a.page <= gallery.pages:
            raise OutputError(f"--page {a.page}: the gallery has pages 1 to {gallery.pages}")
        numbers = gallery.page_numbers(a.page)
        title = (f"Gatos {numbers[0]}-{numbers[-1]} de {len(gallery)}" if a.lang == "es"
                 else f"Cats {numbers[0]}-{numbers[-1]} of {len(gallery)}")
        reply = asyncio.run(gallery_page(eng, gallery, a.page, a.lang, title))
    finally:
        eng.close()
    write(out, reply.data)
    print(f"wrote {out} (page {a.page} of {gallery.pages}: cats {numbers[0]}-{numbers[-1]})")
    return 0


def _run_map(a: argparse.Namespace) -> int:
    import asyncio

    from bot.common.commands.gallery import plan_map
    from kitten_mixer.sources import open_gallery, read_sources
    from vae_core.gallery_views import gallery_map

    _plan(plan_map, a.cats)
    out = _png(a.out, "the map")
    eng = _engine(a.weights)
    try:
        gallery = open_gallery(eng, a.gallery)
        sources = read_sources(a.cats, eng, a.gallery)
        reply = asyncio.run(gallery_map(eng, gallery, sources))
    finally:
        eng.close()
    write(out, reply.data)
    _notes(reply, a.cats)
    path = f", with the path {' -> '.join(c.label or a.cats[i] for i, c in enumerate(reply.cats))}" if a.cats else ""
    print(f"wrote {out} ({len(gallery)} cats{path})")
    return 0


def _run_kittens(a: argparse.Namespace) -> int:
    import asyncio

    from bot.common.commands.gallery import plan_kittens
    from kitten_mixer.sources import read_sources
    from vae_core.litter import litter

    _plan(plan_kittens, [a.a, a.b], cats_only=True, seed=a.seed)
    out = _png(a.out, "a litter")
    cells = cells_target(a.cells) if a.cells else None
    eng = _engine(a.weights)
    try:
        sources = read_sources([a.a, a.b], eng, a.gallery)
        labels = ["" if x.startswith("#") else Path(x).name for x in (a.a, a.b)]  # gallery cats: "#12 Name"
        reply, seed = asyncio.run(litter(eng, sources, a.seed, a.n, labels=labels))
    finally:
        eng.close()
    write(out, reply.data)
    _notes(reply, [a.a, a.b])
    print(f"wrote {out} ({a.n} kittens of {a.a} and {a.b}, seed {seed})")
    if cells is not None:
        paths = write_cells(cells, reply.pictures, "kitten")
        print(f"wrote {len(paths)} kittens of {reply.pictures[0].shape[1]} px into {cells}")
    return 0


def _run_blend(a: argparse.Namespace) -> int:
    import asyncio

    from bot.common.commands.gallery import percent, plan_blend
    from kitten_mixer.sources import read_sources
    from vae_core.gallery_views import blend

    plan = _plan(plan_blend, a.cats, weights=a.shares or ["1"] * len(a.cats))
    out = _png(a.out, "a blend")
    eng = _engine(a.weights)
    try:
        reply = asyncio.run(blend(eng, read_sources(a.cats, eng, a.gallery), plan.shares))
    finally:
        eng.close()
    write(out, reply.data)
    _notes(reply, a.cats)
    parts = " + ".join(f"{c} {percent(s)}" for c, s in zip(a.cats, plan.shares, strict=True))
    print(f"wrote {out} ({parts})")
    return 0


def register(sub) -> None:
    _add(sub)
    sub.choices["build-gallery"].set_defaults(func=_run_build)
    sub.choices["litter-metrics"].set_defaults(func=_run_litter_metrics)
    sub.choices["gallery"].set_defaults(func=_run_gallery)
    sub.choices["map"].set_defaults(func=_run_map)
    sub.choices["kittens"].set_defaults(func=_run_kittens)
    sub.choices["blend"].set_defaults(func=_run_blend)
