"""Which latents draw a malformed cat? A tiny MLP that answers before anything is drawn.

About one cat in five that the VAE draws from its prior has a melted eye, a doubled face or no face
at all. The cat-face finder spots them (its score on the drawn face sorts a sheet of random cats from
mush to good cats almost exactly as an eye would), but its padded look costs ~40 ms a face, too slow
to judge 30 candidates for one `/random`. So the finder's score is learned once, offline, as a
function of the latent (trainer/train_latent_critic.py), and this net predicts it in microseconds:
draw several candidates per cat, keep the best.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn as nn
from PIL import Image


@dataclass(frozen=True)
class LatentCriticConfig:
    latent_dim: int = 500
    hidden: int = 128

    def to_dict(self) -> dict:
        return asdict(self)


class LatentCritic(nn.Module):
    def __init__(self, config: LatentCriticConfig):
        super().__init__()
        self.config = c = config
        self.register_buffer("center", torch.zeros(c.latent_dim))  # the training latents' mean and spread
        self.register_buffer("scale", torch.ones(c.latent_dim))
        self.net = nn.Sequential(nn.Linear(c.latent_dim, c.hidden), nn.GELU(), nn.Linear(c.hidden, c.hidden),
                                 nn.GELU(), nn.Linear(c.hidden, 1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Latents (N x D) -> predicted finder score logit (N): higher is a better-formed cat."""
        return self.net((z - self.center) / self.scale).squeeze(1)


def face_score(finder, face: np.ndarray) -> float:
    """The finder's confidence that a drawn face (uint8 H x W x 3, framed like the training faces)
    is a cat head: its best detection on the face with a border, as a user's tight crop gets."""
    img = Image.fromarray(face)
    if not hasattr(finder, "framed"):  # the Haar fallback: its plain look
        return max((d.score for d in finder.find(img)), default=0.0)
    framed, _ = finder.framed(img)
    with torch.inference_mode():
        dets = finder._verified(framed, finder.candidates(framed), 0.0)
    return float(dets[0].score) if dets else 0.0


def best_of(scores: torch.Tensor, n: int, per_cat: int) -> torch.Tensor:
    """Indexes of the n candidates to keep out of n * per_cat: the best of each consecutive group of
    per_cat, so a seed's cats stay in order and one lucky group cannot take every place."""
    groups = scores.reshape(n, per_cat)
    return torch.arange(n) * per_cat + groups.argmax(1)
