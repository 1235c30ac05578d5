"""Does cutting the crop upright (by the finder's head roll) help the VAE? Measured, not assumed.

For every held-out scene whose head the finder finds tilted by at least `facecrop.MIN_ANGLE`, the 64 px
crop is cut both ways, axis-aligned and upright, and each is reconstructed by the shipped VAE; the
mean reconstruction PSNR of the two is compared (both through the same warp, so that only the rotation
differs, not the resampling). Run: `python -m trainer.upright_check`.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from trainer.finder_data import load_scenes
from vae_core import facecrop, resample
from vae_core.checkpoint import load_checkpoint
from vae_core.engine import DEFAULT_WEIGHTS
from vae_core.finder import load_finder


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(10 * torch.log10(1 / torch.mean((a - b) ** 2)))


@torch.inference_mode()
def upright_check(scenes_dir: str, split: str = "test", weights: str | None = None,
                  finder_weights: str | None = None) -> dict:
    model = load_checkpoint(weights or DEFAULT_WEIGHTS).model.eval()
    finder = load_finder(finder_weights) if finder_weights else load_finder()
    rows = []
    for _, scene in tqdm(load_scenes(scenes_dir, split, max_side=1024), desc="upright check", unit="photo"):
        img = Image.fromarray(scene.image)
        where = facecrop.locate(img, finder)
        if not where.found or abs(where.angle) < facecrop.MIN_ANGLE:
            continue
        scores = []
        for rotate in (False, True):
            # the same resampling path both ways, so only the rotation differs
            crop = resample.resize(facecrop._warp(img, where.square, 64, where.angle if rotate else 0.0), (64, 64),
                                   exact=True)
            x = torch.from_numpy(crop).permute(2, 0, 1)[None].float() / 255
            scores.append(_psnr(x, model.decode(model.encode(x)[0])))
        rows.append((abs(where.angle), *scores))
    r = np.array(rows)
    return {"split": split, "tilted_heads": len(rows), "min_angle": facecrop.MIN_ANGLE,
            "psnr_axis_aligned": round(float(r[:, 1].mean()), 2), "psnr_upright": round(float(r[:, 2].mean()), 2),
            "upright_better_share": round(float(np.mean(r[:, 2] > r[:, 1])), 3)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="../shared/data/scenes")
    p.add_argument("--split", default="test", choices=["test", "train", "all"])
    args = p.parse_args()
    torch.set_num_threads(1)
    print(json.dumps(upright_check(args.data, None if args.split == "all" else args.split), indent=1))


if __name__ == "__main__":
    main()
