"""Train the drawing stage (vae_core/refiner.py): blurry 64 px decode -> sharp 192 px face.

Pairs come from real faces: each sharp face (afhq192) is shrunk to the model's 64 px, encoded and
decoded by the shipped VAE, so the refiner sees exactly the kind of picture it will be given at run
time and learns the detail the VAE lost. Losses: L1 to the real face, a two-scale conditional hinge
critic, and feature matching on the critic's layers (a stand-in for a perceptual loss: no pretrained
network can be fetched here).

CPU-friendly: training runs on random 96 px windows (the nets are fully convolutional), one thread,
with a resumable state every `checkpoint_minutes` and the EMA of the refiner exported each time.
Faces whose digest falls in the evaluation bucket never train: evaluate-realism tests on them.
"""

from __future__ import annotations

import copy
import csv
import logging
import signal
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from trainer.data import ImageSet, load_images
from trainer.refiner_critic import MultiScaleCritic
from vae_core.checkpoint import load_checkpoint, save_refiner
from vae_core.model import VAE
from vae_core.refiner import Refiner, RefinerConfig

log = logging.getLogger(__name__)
STATE_FILE = "refiner-state.pt"
MODEL_FILE = "refiner.safetensors"
LOG_FILE = "refiner-log.csv"
LOG_FIELDS = ["step", "seconds", "l1", "fm", "g_adv", "d_real", "d_fake"]
EVAL_PCT = 35  # share of faces kept out of refiner training, for evaluate-realism


def held_out(digest: str) -> bool:
    """Evaluation faces, by content hash (a different slice of the digest than the VAE's split)."""
    return int(digest[8:16], 16) % 100 < EVAL_PCT


@dataclass
class RefinerTrainOptions:
    data: str
    out: str
    vae: str
    steps: int = 20_000
    batch_size: int = 16
    window: int = 96  # training window at the output size (a multiple of the scale)
    lr: float = 1e-4  # the refiner's; the critic's is d_lr_mult times it (two time-scale updates)
    d_lr_mult: float = 4.0
    l1_weight: float = 10.0
    fm_weight: float = 10.0
    adv_weight: float = 0.5
    ema: float = 0.999
    seed: int = 0
    threads: int = 1
    checkpoint_minutes: float = 10.0
    sample_every: int = 1000  # steps between sample sheets (0: none)
    log_every: int = 50  # steps averaged into one row of the log
    resume: bool = False
    config: dict | None = None  # RefinerConfig fields
    init_from: str | None = None  # warm start: another run's state file (its EMA refiner and its critic)
    progress: bool = True


@torch.no_grad()
def make_pairs(vae: VAE, faces_u8: torch.Tensor, scale: int, batch: int = 256) -> torch.Tensor:
    """Sharp faces (N x 3 x S x S uint8) -> the VAE's decodes of their S/scale crops (uint8, as served)."""
    vae.eval()
    out = []
    for i in range(0, len(faces_u8), batch):
        x = F.avg_pool2d(faces_u8[i:i + batch].float() / 255.0, scale)  # the exact area filter
        y = vae.decode(vae.encode_mean(x))
        out.append(y.mul(255).round().clamp(0, 255).byte())
    return torch.cat(out)


def _windows(faces: torch.Tensor, decodes: torch.Tensor, idx: torch.Tensor, window: int, scale: int,
             g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    n, small = len(idx), window // scale
    room = decodes.shape[-1] - small
    offs = torch.randint(0, room + 1, (n, 2), generator=g)
    flips = torch.rand(n, generator=g) < 0.5
    xs, ys = [], []
    for k, i in enumerate(idx.tolist()):
        oy, ox = offs[k].tolist()
        x = decodes[i, :, oy:oy + small, ox:ox + small]
        y = faces[i, :, oy * scale:(oy + small) * scale, ox * scale:(ox + small) * scale]
        if flips[k]:
            x, y = x.flip(-1), y.flip(-1)
        xs.append(x)
        ys.append(y)
    return torch.stack(xs).float() / 255.0, torch.stack(ys).float() / 255.0


def _hinge_d(outs_real, outs_fake) -> tuple[torch.Tensor, float, float]:
    loss = sum(F.relu(1 - r[0]).mean() + F.relu(1 + f[0]).mean() for r, f in zip(outs_real, outs_fake))
    real = float(np.mean([r[0].mean().item() for r in outs_real]))
    fake = float(np.mean([f[0].mean().item() for f in outs_fake]))
    return loss, real, fake


def _save_sheet(path: Path, refiner: Refiner, decodes: torch.Tensor) -> None:
    with torch.no_grad():
        g = torch.Generator().manual_seed(0)
        noise = torch.randn(len(decodes), refiner.config.noise, *decodes.shape[2:], generator=g)
        y = refiner(decodes.float() / 255.0, noise)
    up = F.interpolate(decodes.float() / 255.0, scale_factor=refiner.config.scale, mode="bicubic").clamp(0, 1)
    rows = torch.cat([torch.cat(list(up), -1), torch.cat(list(y), -1)], -2)
    Image.fromarray(rows.mul(255).round().byte().permute(1, 2, 0).numpy()).save(path)


def _stop_on_sigterm() -> None:
    """`kill PID` saves the state like Ctrl-C does: a job started with `nohup ... &` ignores SIGINT."""
    if threading.current_thread() is threading.main_thread():
        def stop(signum, frame):
            raise KeyboardInterrupt
        signal.signal(signal.SIGTERM, stop)


def _warm_start(path: str, g_net: Refiner, d_net: MultiScaleCritic) -> None:
    """Start from another run's EMA refiner and critic. Noise channels it had and this one lacks are
    dropped from its first layer (a refiner whose fur followed the noise learned spots, not fur)."""
    st = torch.load(path, map_location="cpu", weights_only=True)
    g = dict(st["ema"])
    want = g_net.head.weight.shape[1]
    g["head.weight"] = g["head.weight"][:, :want]
    g_net.load_state_dict(g)
    d_net.load_state_dict(st["d"])
    log.info("warm start from %s (step %d)", path, st["step"])


def train_refiner(opts: RefinerTrainOptions, data: ImageSet | None = None) -> Path:
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(opts.threads)
    state_path = out / STATE_FILE
    if opts.config is None and opts.resume and state_path.exists():  # resume the saved net, whatever its shape
        cfg = RefinerConfig.from_dict(torch.load(state_path, map_location="cpu", weights_only=True)["config"])
    else:
        cfg = RefinerConfig.from_dict(opts.config or {})
    vae = load_checkpoint(opts.vae).model
    side = vae.config.image_size * cfg.scale
    data = data if data is not None else load_images(opts.data, size=side)
    keep = [i for i, d in enumerate(data.digests) if not held_out(d)]
    if not keep:
        raise ValueError("every face is in the evaluation bucket: need more images")
    faces = data.images[keep]
    log.info("refiner: %d training faces (%d held out for evaluation)", len(faces), len(data) - len(faces))
    decodes = make_pairs(vae, faces, cfg.scale)
    window = min(opts.window, side)

    torch.manual_seed(opts.seed)
    g_net, d_net = Refiner(cfg), MultiScaleCritic()
    ema = copy.deepcopy(g_net).eval()
    opt_g = torch.optim.Adam(g_net.parameters(), lr=opts.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d_net.parameters(), lr=opts.lr * opts.d_lr_mult, betas=(0.5, 0.999))
    step, seconds = 0, 0.0
    if opts.resume and state_path.exists():
        st = torch.load(state_path, map_location="cpu", weights_only=True)
        if st["config"] != cfg.to_dict():
            raise ValueError(f"{state_path} holds a refiner with config {st['config']}, not {cfg.to_dict()}")
        g_net.load_state_dict(st["g"])
        d_net.load_state_dict(st["d"])
        ema.load_state_dict(st["ema"])
        opt_g.load_state_dict(st["opt_g"])
        opt_d.load_state_dict(st["opt_d"])
        step, seconds = st["step"], st["seconds"]
        log.info("resuming the refiner at step %d", step)
    else:
        if opts.resume:
            log.warning("--resume: no %s in %s, starting fresh", STATE_FILE, out)
        if opts.init_from:
            _warm_start(opts.init_from, g_net, d_net)
            ema.load_state_dict(g_net.state_dict())
    if step == 0 or not (out / LOG_FILE).exists():
        with open(out / LOG_FILE, "w", newline="") as f:
            csv.writer(f).writerow(LOG_FIELDS)

    def save(done: int) -> Path:
        st = {"config": cfg.to_dict(), "g": g_net.state_dict(), "d": d_net.state_dict(), "ema": ema.state_dict(),
              "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(), "step": done, "seconds": seconds,
              "options": asdict(opts)}
        tmp = state_path.with_suffix(".tmp")
        torch.save(st, tmp)
        tmp.replace(state_path)
        info = {"steps": done, "train_seconds": round(seconds, 1), "train_faces": len(faces),
                "vae": Path(opts.vae).name, "l1_weight": opts.l1_weight, "fm_weight": opts.fm_weight, "window": window}
        return save_refiner(out / MODEL_FILE, ema, info)

    g = torch.Generator().manual_seed(opts.seed * 7919 + step)  # a resumed run draws fresh windows
    sheet_decodes = decodes[:8]
    sums = dict.fromkeys(LOG_FIELDS[2:], 0.0)
    seen, last_save, t_start = 0, time.time(), time.time()
    _stop_on_sigterm()
    bar = tqdm(range(step, opts.steps), desc="refiner", unit="step", initial=step, total=opts.steps,
               disable=not opts.progress, dynamic_ncols=True, mininterval=5)
    try:
        for step in bar:  # noqa: B007 - `step` is saved with the state
            idx = torch.randint(0, len(faces), (opts.batch_size,), generator=g)
            x, y = _windows(faces, decodes, idx, window, cfg.scale, g)
            cond = F.interpolate(x, scale_factor=cfg.scale, mode="bicubic", align_corners=False).clamp(0, 1)
            fake = g_net(x)

            d_real, d_fake = d_net(y, cond), d_net(fake.detach(), cond)
            loss_d, real_score, fake_score = _hinge_d(d_real, d_fake)
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()

            outs = d_net(fake, cond)
            adv = -sum(o[0].mean() for o in outs)
            with torch.no_grad():
                real_feats = [[f.detach() for f in r[1]] for r in d_net(y, cond)]
            fm = sum(F.l1_loss(f, rf) for o, rfs in zip(outs, real_feats) for f, rf in zip(o[1], rfs))
            l1 = F.l1_loss(fake, y)
            loss_g = opts.adv_weight * adv + opts.fm_weight * fm + opts.l1_weight * l1
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            with torch.no_grad():
                for pe, pm in zip(ema.parameters(), g_net.parameters()):
                    pe.lerp_(pm, 1 - opts.ema)

            for k, v in (("l1", l1.item()), ("fm", fm.item()), ("g_adv", adv.item()), ("d_real", real_score),
                         ("d_fake", fake_score)):
                sums[k] += v
            seen += 1
            if seen == opts.log_every:
                now = time.time()
                seconds += now - t_start
                t_start = now
                with open(out / LOG_FILE, "a", newline="") as f:
                    csv.writer(f).writerow([step + 1, round(seconds, 1), *(round(sums[k] / seen, 4) for k in sums)])
                bar.set_postfix(l1=f"{sums['l1'] / seen:.4f}", adv=f"{sums['g_adv'] / seen:.2f}",
                                d=f"{sums['d_real'] / seen:.2f}/{sums['d_fake'] / seen:.2f}")
                sums, seen = dict.fromkeys(sums, 0.0), 0
            if opts.sample_every and (step + 1) % opts.sample_every == 0:
                _save_sheet(out / "samples.png", ema, sheet_decodes)
            if time.time() - last_save > opts.checkpoint_minutes * 60:
                seconds += time.time() - t_start
                t_start = time.time()
                save(step + 1)
                last_save = time.time()
    except KeyboardInterrupt:
        log.warning("interrupted: saving the refiner's state before exiting")
        seconds += time.time() - t_start
        save(step)
        raise
    seconds += time.time() - t_start
    return save(max(step + 1, opts.steps) if opts.steps > 0 else step)
