"""Could a small CNN tell the cats the model draws from real AFHQ faces? (`kitten-mixer evaluate-realism`)

The protocol is fixed (issue 19) so figures compare across sessions:
- every face resized to 128 px (Lanczos); a 4-block conv net (16, 32, 64, 64 channels, 3x3 stride 2,
  BatchNorm, ReLU), global average pool, one logit;
- 10 epochs of Adam (lr 2e-3, batch 32, random horizontal flips) on 1,500 real vs 1,500 generated faces;
- tested on 200 real faces held out from all training vs 200 freshly generated ones.
Real faces are afhq192 faces in the refiner's evaluation bucket (trainer/train_refiner.held_out), never
seen by the drawing stage. Two controls run in the same command: real vs real (~50%) and real vs real
blurred through 64 px (~100%); a critic that misses the blur proves nothing.

Fine detail is the spectral power above half the Nyquist radius at the output size, over real faces'.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from trainer.data import load_images
from trainer.mix_metrics import hf_power
from trainer.train_refiner import held_out

SIDE = 128
TRAIN_N, TEST_N = 1500, 200
Generator = Callable[[int, int], np.ndarray]  # (n, seed) -> n x S x S x 3 uint8


class RealismCritic(nn.Module):
    def __init__(self, widths: tuple[int, ...] = (16, 32, 64, 64)):
        super().__init__()
        layers, cin = [], 3
        for w in widths:
            layers += [nn.Conv2d(cin, w, 3, 2, 1), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            cin = w
        self.features = nn.Sequential(*layers)
        self.logit = nn.Linear(cin, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logit(self.features(x).mean((2, 3))).squeeze(1)


def to_side(faces: np.ndarray, side: int = SIDE) -> torch.Tensor:
    """uint8 N x H x W x 3 -> float N x 3 x side x side in [-1, 1], resized with Lanczos."""
    out = [np.asarray(Image.fromarray(f).resize((side, side), Image.Resampling.LANCZOS)) if f.shape[0] != side else f
           for f in faces]
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).float().div(127.5).sub(1)


def blurred(faces: np.ndarray, small: int = 64) -> np.ndarray:
    """Real faces through 64 px and back: what a bare VAE decode could at best look like."""
    return np.stack([np.asarray(Image.fromarray(f).resize((small, small), Image.Resampling.LANCZOS)
                                .resize(f.shape[:2][::-1], Image.Resampling.LANCZOS)) for f in faces])


def critic_accuracy(real_train: torch.Tensor, fake_train: torch.Tensor, real_test: torch.Tensor,
                    fake_test: torch.Tensor, seed: int = 0, epochs: int = 10, progress: bool = True,
                    desc: str = "critic") -> dict[str, float]:
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    x = torch.cat([real_train, fake_train])
    y = torch.cat([torch.zeros(len(real_train)), torch.ones(len(fake_train))])
    net = RealismCritic()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    for _ in tqdm(range(epochs), desc=desc, unit="epoch", disable=not progress, leave=False):
        net.train()
        for idx in torch.randperm(len(x), generator=g).split(32):
            xb = x[idx]
            flip = torch.rand(len(idx), generator=g) < 0.5
            xb = torch.where(flip.view(-1, 1, 1, 1), xb.flip(-1), xb)
            loss = F.binary_cross_entropy_with_logits(net(xb), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    net.eval()

    def acc(xs: torch.Tensor, ys: torch.Tensor) -> float:
        with torch.no_grad():
            pred = torch.cat([net(b) for b in xs.split(256)]) > 0
        return float((pred.float() == ys).float().mean())

    test_x = torch.cat([real_test, fake_test])
    test_y = torch.cat([torch.zeros(len(real_test)), torch.ones(len(fake_test))])
    return {"test_accuracy": round(acc(test_x, test_y), 4), "train_accuracy": round(acc(x, y), 4)}


def detail_ratio(faces: np.ndarray, real: np.ndarray, side: int) -> float:
    """Mean fine-detail power at `side` px, over the real faces' (1.0: as detailed as a photo)."""
    def mean_power(arr: np.ndarray) -> float:
        return float(np.mean([hf_power(np.asarray(Image.fromarray(f).resize((side, side), Image.Resampling.LANCZOS))
                                       if f.shape[0] != side else f) for f in arr]))

    return round(mean_power(faces) / mean_power(real), 3)


def real_faces(data: str, side: int = 192) -> tuple[np.ndarray, np.ndarray]:
    """(held-out faces, refiner-training faces) of afhq192, uint8 N x side x side x 3, in digest order."""
    images = load_images(data, size=side)
    order = np.argsort(images.digests)
    arr = images.images.permute(0, 2, 3, 1).numpy()
    held = np.array([held_out(images.digests[i]) for i in order])
    return arr[order[held]], arr[order[~held]]


def over_seeds(runs: list[dict[str, float]]) -> dict:
    """One critic's accuracy swings by up to 17 points with its initialisation alone (measured: 81.8% and
    98.8% on the same drawn cats): report every seed, their mean, and the worst case for the drawing."""
    test = [r["test_accuracy"] for r in runs]
    return {"test_accuracy": round(float(np.mean(test)), 4), "test_accuracy_max": max(test),
            "test_accuracy_min": min(test),
            "train_accuracy": round(float(np.mean([r["train_accuracy"] for r in runs])), 4),
            "per_seed": runs}


def evaluate_realism(data: str, paths: dict[str, Generator], out: str | Path | None = None,
                     progress: bool = True, seed: int = 0, critics: int = 3) -> dict:
    t0 = time.time()
    held, pool = real_faces(data)
    # afhq192's evaluation bucket holds 1,689 faces: the critic trains on all but the 200 test ones
    # (1,489 a side, 1% under the protocol's 1,500) rather than on faces the drawing stage learned from
    n_train = min(TRAIN_N, len(held) - TEST_N)
    if n_train < TEST_N:
        raise ValueError(f"need at least {2 * TEST_N} held-out faces, {data} has {len(held)}")
    real_test = to_side(held[:TEST_N])
    real_train = to_side(held[TEST_N:TEST_N + n_train])
    test_faces = held[:TEST_N]
    other = pool[:min(len(pool), n_train + TEST_N)]
    result: dict = {"protocol": {"side": SIDE, "train": [n_train, n_train], "test": [TEST_N, TEST_N],
                                 "epochs": 10, "lr": 2e-3, "batch": 32, "seed": seed, "critics": critics},
                    "paths": {}, "controls": {}}
    controls = {"real vs real": other, "real vs real blurred through 64 px": blurred(other)}
    for name, faces in controls.items():
        k = min(n_train, len(faces) - TEST_N)
        a, b = to_side(faces[:k]), to_side(faces[k:k + TEST_N])
        result["controls"][name] = over_seeds([critic_accuracy(real_train[:k], a, real_test, b, seed + c,
                                                               progress=progress, desc=f"{name} #{c + 1}")
                                               for c in range(critics)])
        if progress:
            tqdm.write(f"{name}: {result['controls'][name]}")
    for name, make in paths.items():
        fake_train, fake_test = make(n_train, seed + 1), make(TEST_N, seed + 2)
        a, b = to_side(fake_train), to_side(fake_test)
        r = over_seeds([critic_accuracy(real_train, a, real_test, b, seed + c, progress=progress,
                                        desc=f"{name} #{c + 1}") for c in range(critics)])
        r["side"] = int(fake_test.shape[1])
        r["fine_detail_vs_real"] = detail_ratio(fake_test, test_faces, 192)
        result["paths"][name] = r
        if progress:
            tqdm.write(f"{name}: {r}")
    result["seconds"] = round(time.time() - t0, 1)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(result, indent=2) + "\n")
    return result


def engine_path(engine, batch: int = 50, progress: bool = True, desc: str = "drawing") -> Generator:
    """A generator over an Engine: its sampling (with ranking if it has a latent critic) and drawing."""
    def make(n: int, seed: int) -> np.ndarray:
        out = []
        for k in tqdm(range(0, n, batch), desc=desc, unit=f"x{batch}", disable=not progress, leave=False):
            out.append(engine.draw(engine.sample(min(batch, n - k), seed * 1_000_003 + k)))
        return np.concatenate(out)

    return make


def nearest_real(drawn: np.ndarray, real: np.ndarray, side: int = 48) -> np.ndarray:
    """Index of each drawn face's nearest real face (pixel distance at `side` px, both mirror images)."""
    def small(arr: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(arr).permute(0, 3, 1, 2).float()
        return F.interpolate(t, size=(side, side), mode="area").flatten(1)

    d, r = small(drawn), small(real)
    r_flip = small(real[:, :, ::-1].copy())
    dist = torch.minimum(torch.cdist(d, r), torch.cdist(d, r_flip))
    return dist.argmin(1).numpy()
