"""Train a VAE preset with Adam: progress bars, periodic checkpoints, exact resume, Ctrl-C safety.

Resume is exact (same numbers as an uninterrupted run on the same machine and thread count):
each epoch's batch order and flips come from a generator seeded by (seed, epoch), and the
global RNG that draws the reparameterisation noise is saved with every checkpoint, along with
the position inside the epoch when Ctrl-C interrupts one.
"""

from __future__ import annotations

import copy
import csv
import logging
import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
from tqdm import tqdm

from trainer.data import ImageSet, load_images
from vae_core.checkpoint import save_checkpoint
from vae_core.model import VAE, BetaLoss
from vae_core.presets import get_preset

log = logging.getLogger(__name__)
STATE_FILE = "state.pt"
MODEL_FILE = "model.safetensors"
HISTORY_FILE = "history.csv"
HISTORY_FIELDS = ["epoch", "train_loss", "train_recon", "train_kl", "val_loss", "val_recon", "val_kl", "seconds"]


@dataclass
class TrainOptions:
    preset: str
    data: str
    out: str
    epochs: int = 10
    batch_size: int | None = None  # None: the preset's
    lr: float | None = None  # None: the preset's
    seed: int = 0
    threads: int = 0  # 0: leave torch's default
    kl_warmup_epochs: float | None = None  # None: the preset's
    checkpoint_every: int = 1
    resume: bool = False
    max_steps: int = 0  # >0: stop after this many steps in total (tests, smoke runs)
    init_from: str | None = None  # start from this checkpoint's weights (a warm restart / fine-tune)
    progress: bool = True


def _batch(images: torch.Tensor, idx: torch.Tensor, flips: torch.Tensor | None) -> torch.Tensor:
    x = images[idx].float().div_(255.0)
    if flips is not None:
        x = torch.where(flips.view(-1, 1, 1, 1), x.flip(-1), x)
    return x


def _epoch_plan(n: int, batch_size: int, seed: int, epoch: int, hflip: bool):
    g = torch.Generator().manual_seed(seed * 100_003 + epoch)
    perm = torch.randperm(n, generator=g)
    flips = torch.rand(n, generator=g) < 0.5 if hflip else None
    steps = math.ceil(n / batch_size)
    return perm, flips, steps


@torch.no_grad()
def evaluate_loss(model: VAE, loss_fn: BetaLoss, images: torch.Tensor, batch_size: int = 256) -> dict[str, float]:
    """Loss on the posterior mean (deterministic, so val curves are not noisy)."""
    model.eval()
    tot = {"loss": 0.0, "recon": 0.0, "kl": 0.0}
    for i in range(0, len(images), batch_size):
        x = images[i:i + batch_size].float() / 255.0
        mean, log_var = model.encode(x)
        parts = loss_fn(model.decode_logits(mean), x, mean, log_var)
        for k in tot:
            tot[k] += parts[k].item() * len(x)
    return {k: v / max(1, len(images)) for k, v in tot.items()}


def _save_state(out: Path, state: dict) -> None:
    tmp = out / (STATE_FILE + ".tmp")
    torch.save(state, tmp)
    tmp.replace(out / STATE_FILE)


def export_model(out: Path, model: VAE, info: dict, train: ImageSet | None, prior_components: int) -> Path:
    prior = None
    if prior_components > 0 and train is not None:
        from vae_core.prior import fit_gaussian_mixture, latent_means

        prior = fit_gaussian_mixture(latent_means(model, train.images), prior_components, seed=0)
    return save_checkpoint(out / MODEL_FILE, model, info=info, prior=prior)


def train(opts: TrainOptions, data: ImageSet | None = None) -> Path:
    preset = get_preset(opts.preset)
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    if opts.threads:
        torch.set_num_threads(opts.threads)
    data = data if data is not None else load_images(opts.data, size=preset.model.image_size)
    train_set, val_set = data.split("train"), data.split("val")
    if len(train_set) == 0:
        raise ValueError("the training split is empty: need more images")
    log.info("data: %d train, %d val, %d test images", len(train_set), len(val_set), len(data.split("test")))

    lr = opts.lr if opts.lr is not None else preset.lr
    if opts.batch_size is None:
        opts = replace(opts, batch_size=preset.batch_size)
    warmup = opts.kl_warmup_epochs if opts.kl_warmup_epochs is not None else preset.kl_warmup_epochs
    torch.manual_seed(opts.seed)
    model = VAE(preset.model)
    earlier = {"epochs": 0, "train_seconds": 0.0}
    if opts.init_from and not (opts.resume and (out / STATE_FILE).exists()):
        from vae_core.checkpoint import load_checkpoint

        start = load_checkpoint(opts.init_from)
        if start.model.config != preset.model:
            raise ValueError(f"{opts.init_from} has a different architecture than preset {opts.preset!r}")
        model.load_state_dict(start.model.state_dict())
        earlier = {"epochs": start.info.get("epochs", 0), "train_seconds": start.info.get("train_seconds", 0.0)}
    ema = copy.deepcopy(model).eval() if preset.ema > 0 else None
    optim = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = BetaLoss(preset.beta, preset.recon)
    n = len(train_set)
    start_epoch, start_step, global_step, elapsed = 0, 0, 0, 0.0

    state_path = out / STATE_FILE
    if opts.resume and state_path.exists():
        st = torch.load(state_path, map_location="cpu", weights_only=True)
        earlier = st.get("earlier", earlier)
        if st["preset"] != opts.preset:
            raise ValueError(f"{state_path} was trained with preset {st['preset']!r}, not {opts.preset!r}")
        model.load_state_dict(st["model"])
        optim.load_state_dict(st["optim"])
        if ema is not None:
            ema.load_state_dict(st["ema"])
        torch.set_rng_state(st["rng"])
        start_epoch, start_step = st["epoch"], st["step_in_epoch"]
        global_step, elapsed = st["global_step"], st["seconds"]
        log.info("resuming from epoch %d step %d", start_epoch + 1, start_step)
    elif opts.resume:
        log.warning("--resume: no %s in %s, starting fresh", STATE_FILE, out)
    if start_epoch == 0 and start_step == 0:
        with open(out / HISTORY_FILE, "w", newline="") as f:
            csv.writer(f).writerow(HISTORY_FIELDS)

    steps_per_epoch = math.ceil(n / opts.batch_size)
    warmup_steps = warmup * steps_per_epoch
    total_steps = opts.epochs * steps_per_epoch

    def lr_at(step: int) -> float:
        if preset.lr_schedule != "cosine":
            return lr
        frac = min(1.0, step / max(1, total_steps))
        return lr * (preset.min_lr_frac + (1 - preset.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * frac)))

    def snapshot(epoch: int, step_in_epoch: int) -> dict:
        return {
            "preset": opts.preset, "options": asdict(opts), "model": model.state_dict(),
            "optim": optim.state_dict(), "ema": ema.state_dict() if ema is not None else {},
            "rng": torch.get_rng_state(), "epoch": epoch, "step_in_epoch": step_in_epoch,
            "global_step": global_step, "seconds": elapsed, "earlier": earlier,
        }

    def info(epochs_done: int) -> dict:
        return {"preset": opts.preset, "beta": preset.beta, "recon": preset.recon,
                "epochs": epochs_done + earlier["epochs"],
                "train_seconds": round(elapsed + earlier["train_seconds"], 1), "train_images": n,
                "batch_size": opts.batch_size, "lr": lr, "seed": opts.seed, "notes": preset.notes,
                **({"init_from": str(opts.init_from), "warm_restart_epochs": epochs_done} if opts.init_from else {})}

    epoch = start_epoch
    try:
        for epoch in range(start_epoch, opts.epochs):
            model.train()
            perm, flips, steps = _epoch_plan(n, opts.batch_size, opts.seed, epoch, preset.hflip)
            first = start_step if epoch == start_epoch else 0
            sums = {"loss": 0.0, "recon": 0.0, "kl": 0.0}
            seen = 0
            t0 = time.time()
            bar = tqdm(range(first, steps), desc=f"epoch {epoch + 1}/{opts.epochs}", unit="batch",
                       disable=not opts.progress, leave=True, dynamic_ncols=True)
            for step in bar:
                idx = perm[step * opts.batch_size:(step + 1) * opts.batch_size]
                x = _batch(train_set.images, idx, flips[idx] if flips is not None else None)
                logits, mean, log_var = model(x)
                beta = preset.beta * min(1.0, (global_step + 1) / warmup_steps) if warmup_steps else preset.beta
                parts = loss_fn(logits, x, mean, log_var, beta=beta)
                if not torch.isfinite(parts["loss"]):
                    raise FloatingPointError(
                        f"the loss became {parts['loss'].item()} at epoch {epoch + 1} step {step + 1}; "
                        f"the last checkpoint in {out} is intact. Try a lower --lr.")
                optim.zero_grad(set_to_none=True)
                for group in optim.param_groups:
                    group["lr"] = lr_at(global_step)
                parts["loss"].backward()
                optim.step()
                if ema is not None:
                    with torch.no_grad():
                        for pe, pm in zip(ema.parameters(), model.parameters()):
                            pe.lerp_(pm, 1 - preset.ema)
                        for be, bm in zip(ema.buffers(), model.buffers()):
                            be.copy_(bm)
                global_step += 1
                for k in sums:
                    sums[k] += parts[k].item() * len(idx)
                seen += len(idx)
                bar.set_postfix(loss=f"{sums['loss'] / seen:.1f}", recon=f"{sums['recon'] / seen:.1f}",
                                kl=f"{sums['kl'] / seen:.1f}")
                if opts.max_steps and global_step >= opts.max_steps:
                    elapsed += time.time() - t0
                    _save_state(out, snapshot(epoch, step + 1))
                    log.info("stopped after max_steps=%d", opts.max_steps)
                    return export_model(out, ema or model, info(epoch), train_set, 0)
            elapsed += time.time() - t0
            bar.close()
            val = evaluate_loss(ema or model, loss_fn, val_set.images) if len(val_set) else {}
            row = [epoch + 1, sums["loss"] / max(1, seen), sums["recon"] / max(1, seen), sums["kl"] / max(1, seen),
                   val.get("loss", ""), val.get("recon", ""), val.get("kl", ""), round(time.time() - t0, 2)]
            with open(out / HISTORY_FILE, "a", newline="") as f:
                csv.writer(f).writerow(row)
            log.info("epoch %d: train %.2f  val %s", epoch + 1, row[1], f"{val['loss']:.2f}" if val else "-")
            if (epoch + 1) % opts.checkpoint_every == 0 or epoch + 1 == opts.epochs:
                _save_state(out, snapshot(epoch + 1, 0))
                last = epoch + 1 == opts.epochs
                export_model(out, ema or model, info(epoch + 1), train_set, preset.prior_components if last else 0)
    except KeyboardInterrupt:
        # `step` of the interrupted batch has not been applied if the interrupt landed mid-step;
        # save the last completed position so --resume carries on from there.
        log.warning("interrupted: saving a checkpoint before exiting")
        done = global_step - epoch * steps_per_epoch
        _save_state(out, snapshot(epoch, max(0, done)))
        export_model(out, ema or model, info(epoch), None, 0)
        raise
    return out / MODEL_FILE
