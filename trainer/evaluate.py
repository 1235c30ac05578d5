"""`kitten-mixer evaluate`: every metric for one or more checkpoints, as a table and JSON."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from tqdm import tqdm

from trainer import metrics as M
from trainer.data import ImageSet, load_images
from vae_core.checkpoint import load_checkpoint
from vae_core.prior import latent_center

log = logging.getLogger(__name__)

COLUMNS = [("psnr", "PSNR dB", "{:.2f}"), ("ssim", "SSIM", "{:.4f}"), ("kl_per_dim", "KL/dim", "{:.3f}"),
           ("active_units", "active", "{}"), ("c2st_random", "C2ST random", "{:.1%}"),
           ("c2st_mix", "C2ST mix lerp", "{:.1%}"), ("c2st_mix_slerp", "C2ST mix slerp", "{:.1%}"),
           ("path_ratio", "path ratio", "{:.3f}"), ("max_over_mean_step", "max/mean step", "{:.3f}"),
           ("path_ratio_slerp", "path ratio slerp", "{:.3f}"),
           ("max_over_mean_step_slerp", "max/mean slerp", "{:.3f}")]


def evaluate_checkpoint(path: str | Path, data: ImageSet, full: bool = True, progress: bool = True,
                        n_train: int = 2000, n_test: int = 1000, pairs: int = 200) -> dict:
    loaded = load_checkpoint(path)
    model, prior = loaded.model, loaded.prior
    test, train = data.split("test"), data.split("train")
    if len(test) == 0:
        test = data  # a plain image set with no test split: evaluate on all of it
    result: dict = {"checkpoint": str(path), "preset": loaded.info.get("preset"), "epochs": loaded.info.get("epochs"),
                    "test_images": len(test), "prior": "gmm" if prior else "N(0,I)"}
    steps = ["reconstruction", "c2st random", "c2st mix", "c2st mix slerp", "smoothness"] if full else [
        "reconstruction"]
    center = latent_center(prior, model.config.latent_dim)  # the engine slerps around it
    bar = tqdm(steps, desc=Path(path).parent.name or str(path), disable=not progress)
    t0 = time.time()
    for step in bar:
        bar.set_postfix_str(step)
        if step == "reconstruction":
            result.update(M.reconstruction_metrics(model, test.images))
        elif step == "c2st random":
            nt = min(n_test, len(test))
            result["c2st_random"] = M.c2st_accuracy(
                M.random_samples(model, prior, n_train, seed=1), M.reconstructions(model, train.images, n_train, 2),
                M.random_samples(model, prior, nt, seed=3), M.reconstructions(model, test.images, nt, 4))
        elif step.startswith("c2st mix"):
            nt = min(n_test, len(test))
            path = "slerp" if step.endswith("slerp") else "linear"
            result["c2st_mix_slerp" if path == "slerp" else "c2st_mix"] = M.c2st_accuracy(
                M.midpoints(model, train.images, n_train, 5, path, center),
                M.reconstructions(model, train.images, n_train, 6),
                M.midpoints(model, test.images, nt, 7, path, center), M.reconstructions(model, test.images, nt, 8))
        else:
            result.update(M.smoothness(model, test.images, pairs=pairs))
            slerp = M.smoothness(model, test.images, pairs=pairs, path="slerp", center=center)
            result.update({f"{k}_slerp": v for k, v in slerp.items()})
    result["seconds"] = round(time.time() - t0, 1)
    return result


def format_table(rows: list[dict]) -> str:
    head = ["model"] + [c[1] for c in COLUMNS]
    body = [[f"{r.get('preset') or Path(r['checkpoint']).stem}"] +
            [fmt.format(r[k]) if k in r else "-" for k, _, fmt in COLUMNS] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(b) for b in body])


def run_evaluate(checkpoints: list[str], data_path: str, out: str | None, full: bool = True) -> list[dict]:
    data = load_images(data_path)
    rows = [evaluate_checkpoint(c, data, full=full) for c in checkpoints]
    print(format_table(rows))
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(rows, indent=2))
        print(f"wrote {out}")
    return rows
