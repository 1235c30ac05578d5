"""`kitten-mixer litter-metrics`: do kittens look like cats, and like *their* parents?

Two questions, on held-out (test) cats so nothing was seen in training:

1. Do kittens pass as cats? The project's fixed C2ST (trainer/metrics.py) is trained to tell
   kittens from reconstructions of real cats; 50% is chance (indistinguishable). The same test on
   plain slerp midpoints and on prior samples gives the bars to compare with.
2. Does each kitten resemble both parents more than random cats? For every kitten, the distance
   to each parent against the distance to random other test cats, in latent space and in pixels
   (decoded 64 px images, RMSE). Reported: the share of kittens nearer to *both* parents than to
   the median random cat, and the parents' percentile among the random cats (0 = nearest).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from tqdm import tqdm

from trainer import metrics as M
from trainer.data import load_images
from vae_core.checkpoint import load_checkpoint
from vae_core.latent import interpolate
from vae_core.litter import LITTER_SIZE, SPREAD, litter_latents
from vae_core.prior import latent_center


def _pairs(n_images: int, pairs: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    i = torch.randint(n_images, (pairs,), generator=g)
    j = (i + 1 + torch.randint(n_images - 1, (pairs,), generator=g)) % n_images  # never a cat with itself
    return torch.stack([i, j], 1)


@torch.no_grad()
def kittens_for(z: torch.Tensor, pairs: torch.Tensor, prior, center, seed: int,
                spread: float = SPREAD) -> torch.Tensor:
    out = [litter_latents(z[a], z[b], LITTER_SIZE, seed + k, prior, center, spread=spread)[0]
           for k, (a, b) in enumerate(pairs.tolist())]
    return torch.stack(out)  # pairs x LITTER_SIZE x D


def resemblance(kz: torch.Tensor, z: torch.Tensor, pairs: torch.Tensor, k_img: torch.Tensor,
                recon: torch.Tensor, randoms: int = 64, seed: int = 0) -> dict[str, float]:
    """Kitten-to-parent distances against kitten-to-random-cat distances (latent and pixel)."""
    g = torch.Generator().manual_seed(seed)
    p, n, _ = kz.shape
    out: dict[str, list[float]] = {k: [] for k in ("lat_a", "lat_b", "lat_rand_median", "lat_both_nearer",
                                                    "lat_pct_a", "lat_pct_b", "pix_a", "pix_b",
                                                    "pix_rand_median", "pix_both_nearer", "pix_pct_a", "pix_pct_b")}
    flat_recon = recon.flatten(1).float()
    for pi in range(p):
        a, b = pairs[pi].tolist()
        others = torch.randint(len(z), (randoms * 2,), generator=g)
        others = others[(others != a) & (others != b)][:randoms]
        for ki in range(n):
            kl = kz[pi, ki]
            da, db = (kl - z[a]).norm().item(), (kl - z[b]).norm().item()
            dr = (z[others] - kl).norm(dim=1)
            med = dr.median().item()
            out["lat_a"].append(da)
            out["lat_b"].append(db)
            out["lat_rand_median"].append(med)
            out["lat_both_nearer"].append(float(max(da, db) < med))
            out["lat_pct_a"].append((dr < da).float().mean().item())
            out["lat_pct_b"].append((dr < db).float().mean().item())
            kp = k_img[pi * n + ki].flatten().float()
            pa = ((kp - flat_recon[a]) ** 2).mean().sqrt().item()
            pb = ((kp - flat_recon[b]) ** 2).mean().sqrt().item()
            pr = ((flat_recon[others] - kp) ** 2).mean(1).sqrt()
            pmed = pr.median().item()
            out["pix_a"].append(pa)
            out["pix_b"].append(pb)
            out["pix_rand_median"].append(pmed)
            out["pix_both_nearer"].append(float(max(pa, pb) < pmed))
            out["pix_pct_a"].append((pr < pa).float().mean().item())
            out["pix_pct_b"].append((pr < pb).float().mean().item())
    return {k: float(np.mean(v)) for k, v in out.items()} | {"_raw": out}  # type: ignore[dict-item]


def run_litter_metrics(checkpoint: str | Path, data: str | Path, out: str | Path, figure: str | Path | None = None,
                       pairs: int = 300, n_train: int = 2000, seed: int = 0, progress: bool = True) -> dict:
    t0 = time.time()
    loaded = load_checkpoint(checkpoint)
    model, prior = loaded.model, loaded.prior
    center = latent_center(prior, model.config.latent_dim)
    images = load_images(data, size=model.config.image_size)
    test, train = images.split("test"), images.split("train")
    steps = tqdm(total=5, desc="litter metrics", disable=not progress)
    z_test = M.encode_all(model, test.images)[0]
    recon_test = M.decode_all(model, z_test)
    steps.update()
    test_pairs = _pairs(len(test), pairs, seed)
    kz = kittens_for(z_test, test_pairs, prior, center, seed=1000 + seed)
    k_img = M.decode_all(model, kz.reshape(-1, kz.shape[-1]))
    steps.update()
    res = resemblance(kz, z_test, test_pairs, k_img, recon_test, seed=seed)
    raw = res.pop("_raw")
    steps.update()
    # C2ST: kittens vs reconstructions of real cats (classifier fitted on train, scored on test)
    z_train = M.encode_all(model, train.images[:max(n_train, 2 * n_train // LITTER_SIZE)])[0]
    train_pairs = _pairs(len(z_train), n_train // LITTER_SIZE + 1, seed + 1)
    k_train = M.decode_all(model, kittens_for(z_train, train_pairs, prior, center, seed=5000).reshape(
        -1, z_train.shape[1])[:n_train])
    nt = min(len(k_img), len(test))
    c2st_kittens = M.c2st_accuracy(k_train, M.reconstructions(model, train.images, n_train, 2), k_img[:nt],
                                   M.reconstructions(model, test.images, nt, 4), progress=progress,
                                   desc="c2st kittens")
    steps.update()
    # the same test for plain mix midpoints (t = 0.5, no variation), for comparison
    mid_train = M.midpoints(model, train.images, n_train, 11, "slerp", center)
    mid_test = M.midpoints(model, test.images, nt, 12, "slerp", center)
    c2st_mid = M.c2st_accuracy(mid_train, M.reconstructions(model, train.images, n_train, 2), mid_test,
                               M.reconstructions(model, test.images, nt, 4), progress=progress, desc="c2st mid")
    steps.update()
    steps.close()
    result = {
        "checkpoint": str(checkpoint), "test_images": len(test), "pairs": pairs, "kittens": int(len(k_img)),
        "litter_size": LITTER_SIZE, "spread": SPREAD, "t_range": [0.3, 0.7],
        "c2st_kittens": c2st_kittens, "c2st_slerp_midpoints": c2st_mid,
        **{k: round(v, 4) for k, v in res.items()},
        "seconds": round(time.time() - t0, 1),
    }
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(result, indent=1) + "\n")
    if figure is not None:
        draw_figure(raw, result, figure, _example_litters(model, z_test, test_pairs[:3], prior, center, recon_test))
    return result


@torch.no_grad()
def _example_litters(model, z, pairs, prior, center, recon) -> list[np.ndarray]:
    rows = []
    for k, (a, b) in enumerate(pairs.tolist()):
        kz, _ = litter_latents(z[a], z[b], LITTER_SIZE, 77 + k, prior, center)
        mid = interpolate(z[a], z[b], 3, "slerp", center)[1:2]
        faces = M.decode_all(model, torch.cat([kz, mid]))
        rows.append(torch.cat([recon[a:a + 1], faces, recon[b:b + 1]]))
    return [(r.permute(0, 2, 3, 1).numpy() * 255).round().clip(0, 255).astype(np.uint8) for r in rows]


def _hist(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], series: list[tuple[str, list[float], tuple]],
          title: str, font) -> None:
    x0, y0, x1, y1 = box
    allv = np.concatenate([np.asarray(v) for _, v, _ in series])
    lo, hi = np.percentile(allv, 1), np.percentile(allv, 99)
    bins = np.linspace(lo, hi, 31)
    hists = [np.histogram(np.clip(v, lo, hi), bins)[0] / len(v) for _, v, _ in series]
    top = max(h.max() for h in hists)
    draw.text((x0, y0), title, fill=(30, 30, 30), font=font)
    px0, py0, px1, py1 = x0 + 10, y0 + 30, x1 - 10, y1 - 40
    draw.line((px0, py1, px1, py1), fill=(90, 90, 90), width=2)
    w = (px1 - px0) / (len(bins) - 1)
    for (_name, _, colour), h in zip(series, hists, strict=True):
        pts = [(px0 + (i + 0.5) * w, py1 - (py1 - py0) * c / top) for i, c in enumerate(h)]
        draw.line(pts, fill=colour, width=3)
    for i, (name, _, colour) in enumerate(series):
        draw.text((px0 + 10, py0 + 4 + 22 * i), name, fill=colour, font=font)
    draw.text((px0, py1 + 6), f"{lo:.2f}", fill=(90, 90, 90), font=font)
    draw.text((px1 - 50, py1 + 6), f"{hi:.2f}", fill=(90, 90, 90), font=font)


def draw_figure(raw: dict, result: dict, path: str | Path, examples: list[np.ndarray]) -> None:
    font = ImageFont.load_default(size=18)
    cell, gap = 72, 4
    width = 1200
    ex_h = len(examples) * (cell + gap) + 40
    img = Image.new("RGB", (width, 380 + ex_h + 60), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.text((20, 10), f"Litters of held-out cats ({result['kittens']} kittens): distance from each kitten to its "
                     "parents vs to random cats", fill=(0, 0, 0), font=font)
    parent = (200, 60, 50)
    rand = (120, 120, 120)
    _hist(d, (20, 40, 600, 370), [("to its parents", raw["lat_a"] + raw["lat_b"], parent),
                                  ("to random cats (median)", raw["lat_rand_median"], rand)], "latent distance", font)
    _hist(d, (600, 40, 1180, 370), [("to its parents", raw["pix_a"] + raw["pix_b"], parent),
                                    ("to random cats (median)", raw["pix_rand_median"], rand)],
          "pixel RMSE (64 px)", font)
    y = 390
    d.text((20, y), "examples: parent A, six kittens, the plain slerp midpoint, parent B", fill=(0, 0, 0), font=font)
    y += 30
    for row in examples:
        for i, face in enumerate(row):
            x = 20 + i * (cell + gap) + (12 if i == len(row) - 1 else 0) + (12 if i > 0 else 0)
            img.paste(Image.fromarray(face).resize((cell, cell), Image.Resampling.LANCZOS), (x, y))
        y += cell + gap
    d.text((20, y + 10), f"C2ST (50% = indistinguishable from real cats): kittens {result['c2st_kittens']:.1%}, "
                         f"slerp midpoints {result['c2st_slerp_midpoints']:.1%}.  Kittens nearer both parents than "
                         f"the median random cat: latent {result['lat_both_nearer']:.0%}, pixels "
                         f"{result['pix_both_nearer']:.0%}", fill=(0, 0, 0), font=ImageFont.load_default(size=15))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
