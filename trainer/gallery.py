"""`kitten-mixer build-gallery`: pick the built-in cats, name them, and fit their map.

The gallery should span the latent space rather than repeat the commonest tabby, so the
training cats' encoder means are clustered with k-means and the real cat nearest each centre is
kept (a real cat decodes sharper than a centre, which is an average). Only the training split is
used: test cats stay unseen for the metrics. The 2-D map is t-SNE over the chosen cats, fitted
here once and shipped, so the bot never runs scikit-learn.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from trainer.data import load_images
from trainer.gallery_names import coat_kind, pick_names
from vae_core.checkpoint import load_checkpoint
from vae_core.gallery import Gallery, model_fingerprint, save_gallery
from vae_core.model import VAE

log = logging.getLogger(__name__)

DEFAULT_COUNT = 98  # the original app's gallery size
GRID_SLACK = 1.45  # map grid cells per cat: empty cells keep the gaps between groups visible


@torch.inference_mode()
def encode_all(model: VAE, images_u8: torch.Tensor, batch_size: int = 256, progress: bool = True) -> torch.Tensor:
    model.eval()
    out = []
    for i in tqdm(range(0, len(images_u8), batch_size), desc="encoding", unit="batch", disable=not progress):
        out.append(model.encode(images_u8[i:i + batch_size].float() / 255.0)[0])
    return torch.cat(out)


def pick_spanning(z: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """Indexes of `count` distinct rows of z, one nearest each k-means centre."""
    from sklearn.cluster import KMeans

    km = KMeans(n_clusters=count, n_init=3, random_state=seed).fit(z)
    d = ((z[:, None, :] - km.cluster_centers_[None]) ** 2).sum(-1) if len(z) * count < 4_000_000 else None
    chosen: list[int] = []
    taken: set[int] = set()
    for c in range(count):
        dist = d[:, c] if d is not None else ((z - km.cluster_centers_[c]) ** 2).sum(1)
        for i in np.argsort(dist):
            if int(i) not in taken:
                chosen.append(int(i))
                taken.add(int(i))
                break
    return np.array(chosen)


def fit_map(z: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(layout, tsne): t-SNE coordinates in [0, 1]^2, and the same cats snapped to a grid.

    Raw t-SNE piles look-alike cats on top of each other, unreadable at phone size. Assigning each
    cat to a cell of a grid a third larger than needed (an optimal assignment that moves cats as
    little as possible) keeps the neighbourhoods and the gaps between groups, and no two overlap.
    """
    from scipy.optimize import linear_sum_assignment
    from sklearn.manifold import TSNE

    perplexity = float(min(15, max(2, (len(z) - 1) // 3)))
    xy = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(z)
    xy = (xy - xy.min(0)) / np.maximum(np.ptp(xy, axis=0), 1e-9)  # each axis fills the picture
    side = int(np.ceil(np.sqrt(len(z) * GRID_SLACK)))
    cells = (np.stack(np.meshgrid(np.arange(side), np.arange(side)), -1).reshape(-1, 2) + 0.5) / side
    rows, cols = linear_sum_assignment(((xy[:, None, :] - cells[None]) ** 2).sum(-1))
    layout = np.empty_like(xy)
    layout[rows] = cells[cols]
    return layout, xy


def order_by_map(xy: np.ndarray) -> np.ndarray:
    """Number the cats going round the map, so a page of 16 holds neighbours that look alike."""
    angle = np.arctan2(xy[:, 1] - 0.5, xy[:, 0] - 0.5)
    return np.argsort(angle, kind="stable")


def build_gallery(weights: str | Path, data: str | Path, out: str | Path, count: int = DEFAULT_COUNT,
                  seed: int = 0, max_images: int = 0, progress: bool = True) -> Gallery:
    loaded = load_checkpoint(weights)
    model = loaded.model
    images = load_images(data, size=model.config.image_size)
    train = images.split("train")
    if len(train) < count:
        train = images  # a small image set without a usable split: take what there is
    if len(train) < count:
        raise ValueError(f"{data} has {len(train)} usable images; the gallery needs at least {count}")
    pool_images, pool_names = train.images, train.names
    if max_images and len(pool_images) > max_images:
        g = torch.Generator().manual_seed(seed)
        keep = torch.randperm(len(pool_images), generator=g)[:max_images].sort().values
        pool_images, pool_names = pool_images[keep], [pool_names[i] for i in keep.tolist()]
    steps = tqdm(total=4, desc="gallery", disable=not progress)
    z = encode_all(model, pool_images, progress=progress)
    steps.update()
    steps.set_postfix_str("k-means")
    idx = pick_spanning(z.numpy().astype(np.float64), count, seed)
    steps.update()
    steps.set_postfix_str("t-SNE")
    chosen = z[idx]
    xy, tsne = fit_map(chosen.numpy().astype(np.float64), seed)
    order = order_by_map(tsne)
    idx, chosen, xy, tsne = idx[order], chosen[order], xy[order], tsne[order]
    steps.update()
    steps.set_postfix_str("names")
    with torch.inference_mode():
        faces = model.decode(chosen).mul(255).round().clamp(0, 255).byte().permute(0, 2, 3, 1).numpy()
    names = pick_names([coat_kind(f) for f in faces])
    steps.update()
    steps.close()
    info = {"model_fingerprint": model_fingerprint(model), "model_file": Path(weights).name,
            "built_from": Path(data).name, "pool_size": int(len(pool_images)), "seed": seed,
            "selection": "nearest training cat to each k-means centre of the encoder means",
            "map": "t-SNE (scikit-learn), perplexity "
                   f"{min(15, max(2, (count - 1) // 3))}, PCA init, snapped to a grid; new cats placed by k-NN "
                   "in latent space",
            "tsne": [[round(float(a), 4), round(float(b), 4)] for a, b in tsne],
            "sources": [pool_names[i] for i in idx.tolist()],
            "coverage": coverage(z, chosen)}
    gallery = Gallery(chosen.float().clone(), torch.from_numpy(xy).float(), names, info)
    save_gallery(out, gallery)
    return gallery


def coverage(pool: torch.Tensor, chosen: torch.Tensor, sample: int = 3000, seed: int = 0) -> dict[str, float]:
    """How well the chosen cats span the pool: mean distance from a pool cat to its nearest gallery
    cat, against the same for as many cats picked at random (lower is better spanned)."""
    g = torch.Generator().manual_seed(seed)
    probe = pool[torch.randperm(len(pool), generator=g)[:sample]]
    rand = pool[torch.randperm(len(pool), generator=g)[:len(chosen)]]
    near_chosen = torch.cdist(probe, chosen).min(1).values.mean().item()
    near_random = torch.cdist(probe, rand).min(1).values.mean().item()
    return {"mean_nn_distance": round(near_chosen, 3), "mean_nn_distance_random_pick": round(near_random, 3),
            "latent_norm_mean": round(pool.norm(dim=1).mean().item(), 3)}


def describe(g: Gallery) -> str:
    cov = g.info.get("coverage", {})
    near, rand = cov.get("mean_nn_distance", math.nan), cov.get("mean_nn_distance_random_pick", math.nan)
    return (f"{len(g)} cats, {g.latent_dim}-d latents, {g.pages} pages; mean distance from a training cat to "
            f"its nearest gallery cat {near} (for {len(g)} cats picked at random: {rand})")
