"""Teach vae_core/latent_critic.py the finder's opinion of the cats the VAE draws.

1. Draw `samples` latents from the model's prior, decode them, and score each drawn face with the
   finder (slow: ~40 ms a face). Scores are saved every 500 faces, so an interrupted run resumes.
2. Fit the MLP to predict the score from the latent (BCE against the score as a soft label) on 85% of
   them, and report on the other 15% how well it ranks: Spearman correlation, and how many of the
   finder's worst fifth the critic's worst fifth catches.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from vae_core.checkpoint import load_checkpoint, save_latent_critic
from vae_core.finder import load_finder
from vae_core.latent_critic import LatentCritic, LatentCriticConfig, face_score
from vae_core.prior import sample_latents

log = logging.getLogger(__name__)
SCORES_FILE = "latent-critic-scores.npz"


@dataclass
class LatentCriticOptions:
    vae: str
    out: str  # the critic's .safetensors; scores are cached beside it
    samples: int = 6000
    seed: int = 1_000_003  # away from the seeds users pick for /random
    epochs: int = 200
    hidden: int = 128
    finder: str | None = None
    progress: bool = True


def score_samples(opts: LatentCriticOptions) -> tuple[torch.Tensor, np.ndarray]:
    loaded = load_checkpoint(opts.vae)
    z = sample_latents(opts.samples, loaded.model.config.latent_dim, loaded.prior, opts.seed)
    cache = Path(opts.out).with_name(SCORES_FILE)
    scores = np.full(opts.samples, np.nan, np.float32)
    if cache.exists():
        old = np.load(cache)["scores"]
        scores[: min(len(old), opts.samples)] = old[: opts.samples]
    finder = load_finder(opts.finder)
    todo = np.flatnonzero(np.isnan(scores))
    for k, start in enumerate(tqdm(range(0, len(todo), 50), desc="scoring drawn cats", unit="x50",
                                   disable=not opts.progress)):
        idx = todo[start:start + 50]
        with torch.inference_mode():
            faces = loaded.model.decode(z[idx]).mul(255).round().byte().permute(0, 2, 3, 1).numpy()
        scores[idx] = [face_score(finder, f) for f in faces]
        if k % 10 == 9 or start + 50 >= len(todo):
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache, scores=scores)
    return z, scores


def fit(z: torch.Tensor, scores: np.ndarray, opts: LatentCriticOptions) -> tuple[LatentCritic, dict]:
    n = len(z)
    g = torch.Generator().manual_seed(0)
    perm = torch.randperm(n, generator=g)
    cut = int(n * 0.85)
    tr, te = perm[:cut], perm[cut:]
    y = torch.from_numpy(scores).float().clamp(0, 1)
    critic = LatentCritic(LatentCriticConfig(z.shape[1], opts.hidden))
    critic.center.copy_(z[tr].mean(0))
    critic.scale.copy_(z[tr].std(0) + 1e-6)
    optim = torch.optim.AdamW(critic.parameters(), lr=1e-3, weight_decay=1e-2)
    for _ in tqdm(range(opts.epochs), desc="fitting the latent critic", unit="epoch", disable=not opts.progress):
        critic.train()
        for b in torch.randperm(len(tr), generator=g).split(256):
            i = tr[b]
            loss = F.binary_cross_entropy_with_logits(critic(z[i]), y[i])
            optim.zero_grad(set_to_none=True)
            loss.backward()
            optim.step()
    critic.eval()
    with torch.no_grad():
        pred = critic(z[te]).numpy()
    return critic, ranking_report(pred, scores[te.numpy()])


def ranking_report(pred: np.ndarray, truth: np.ndarray) -> dict:
    """How well `pred` ranks like `truth`: Spearman, and the overlap of their worst fifths."""
    def ranks(a: np.ndarray) -> np.ndarray:
        r = np.empty(len(a))
        r[np.argsort(a, kind="stable")] = np.arange(len(a))
        return r

    spearman = float(np.corrcoef(ranks(pred), ranks(truth))[0, 1])
    k = max(1, len(truth) // 5)
    worst = set(np.argsort(truth)[:k].tolist())
    caught = len(worst & set(np.argsort(pred)[:k].tolist())) / k
    return {"held_out": len(truth), "spearman": round(spearman, 3), "worst_fifth_caught": round(caught, 3)}


def train_latent_critic(opts: LatentCriticOptions) -> tuple[Path, dict]:
    z, scores = score_samples(opts)
    critic, report = fit(z, scores, opts)
    report.update({"samples": opts.samples, "vae": Path(opts.vae).name,
                   "finder_score_below_0.6": round(float((scores < 0.6).mean()), 3)})
    log.info("latent critic: %s", report)
    return save_latent_critic(opts.out, critic, report), report
