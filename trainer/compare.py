"""`kitten-mixer compare`: the seed's two figures for several checkpoints side by side.

- reconstruction grid: rows = test cats, columns = the original then each model's reconstruction;
- interpolation grid: rows = models, first/last columns = two real cats, between = decoded steps
  (slerp around each model's latent mean, as the engine mixes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from trainer.data import load_images
from trainer.metrics import decode_all, encode_all, to_float
from vae_core.checkpoint import load_checkpoint
from vae_core.latent import interpolate
from vae_core.prior import latent_center, sample_latents
from vae_core.render import grid_png

CELL, LABEL_W, HEADER_H = 96, 110, 22


def _u8(x: torch.Tensor) -> np.ndarray:
    return (x.clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 1).numpy()


def _sheet(rows: list[list[np.ndarray]], row_labels: list[str], col_labels: list[str]) -> Image.Image:
    n_cols = max(len(r) for r in rows)
    img = Image.new("RGB", (LABEL_W + n_cols * CELL, HEADER_H + len(rows) * CELL), "white")
    draw = ImageDraw.Draw(img)
    for c, label in enumerate(col_labels):
        draw.text((LABEL_W + c * CELL + 4, 5), label, fill="black")
    for r, (row, label) in enumerate(zip(rows, row_labels)):
        draw.text((4, HEADER_H + r * CELL + CELL // 2 - 6), label, fill="black")
        for c, cell in enumerate(row):
            tile = Image.fromarray(cell).resize((CELL, CELL), Image.Resampling.LANCZOS)
            img.paste(tile, (LABEL_W + c * CELL, HEADER_H + r * CELL))
    return img


def _name(info: dict, path: str) -> str:
    return str(info.get("preset") or Path(path).parent.name or Path(path).stem)


@torch.no_grad()
def run_compare(checkpoints: list[str], data_path: str, out: str, n_images: int = 8, steps: int = 10,
                seed: int = 0) -> list[Path]:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    test = load_images(data_path).split("test")
    g = torch.Generator().manual_seed(seed)
    pick = torch.randperm(len(test), generator=g)[:n_images]
    originals = test.images[pick]
    pair = test.images[torch.randperm(len(test), generator=g)[:2]]
    models = [(load_checkpoint(c), c) for c in checkpoints]
    names = [_name(m.info, c) for m, c in models]

    recon_cols = [_u8(to_float(originals))]
    interp_rows = []
    for loaded, _ in models:
        m = loaded.model
        recon_cols.append(_u8(decode_all(m, encode_all(m, originals)[0])))
        za, zb = encode_all(m, pair)[0]
        center = latent_center(loaded.prior, m.config.latent_dim)
        frames = _u8(m.decode(interpolate(za, zb, steps, "slerp", center)))  # the engine's default path
        interp_rows.append([_u8(to_float(pair[:1]))[0], *frames[1:-1], _u8(to_float(pair[1:]))[0]])
    recon_rows = [[col[i] for col in recon_cols] for i in range(len(originals))]
    paths = [out_dir / "reconstructions.png", out_dir / "interpolations.png"]
    _sheet(recon_rows, [f"test {i + 1}" for i in range(len(originals))], ["original", *names]).save(paths[0])
    _sheet(interp_rows, names, ["cat A"] + [""] * (steps - 2) + ["cat B"]).save(paths[1])
    for (loaded, _), name in zip(models, names):
        z = sample_latents(16, loaded.model.config.latent_dim, loaded.prior, seed=seed)
        p = out_dir / f"random-{name}.png"
        p.write_bytes(grid_png(_u8(loaded.model.decode(z)), cell=96, columns=8))
        paths.append(p)
    for p in paths:
        print(f"wrote {p}")
    return paths
