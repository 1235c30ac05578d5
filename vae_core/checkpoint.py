"""The shipped model format: one safetensors file holding config, weights and extras.

safetensors cannot execute code on load (unlike pickle), and its metadata carries the
config as JSON, so a checkpoint is loadable with no other knowledge.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from vae_core.model import VAE, VAEConfig

FORMAT = "kitten-mixer-vae/1"


class CheckpointError(ValueError):
    """The file is missing, corrupt, or not a Kitten Mixer checkpoint."""


@dataclass
class LoadedModel:
    model: VAE
    info: dict = field(default_factory=dict)  # preset, beta, epochs, metrics...
    prior: dict[str, torch.Tensor] = field(default_factory=dict)  # e.g. GMM weights/means/chol


def save_checkpoint(path: str | Path, model: VAE, info: dict | None = None,
                    prior: dict[str, torch.Tensor] | None = None, half: bool = False) -> Path:
    """`half` stores floats as float16 (half the size, for shipping in git); they load as float32."""

    def store(v: torch.Tensor) -> torch.Tensor:
        v = v.detach().cpu()
        return (v.half() if half and v.is_floating_point() else v).contiguous()

    tensors = {f"model.{k}": store(v) for k, v in model.state_dict().items()}
    tensors.update({f"prior.{k}": store(v.float()) for k, v in (prior or {}).items()})
    return write_typed(path, tensors, FORMAT, config=json.dumps(model.config.to_dict()), info=json.dumps(info or {}))


def load_checkpoint(path: str | Path, map_location: str = "cpu") -> LoadedModel:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        tensors = load_file(str(path), device=map_location)
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        raise CheckpointError(f"{path} is not a readable Kitten Mixer checkpoint ({e})") from e
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a Kitten Mixer checkpoint (format {meta.get('format')!r})")
    try:
        config = VAEConfig.from_dict(json.loads(meta["config"]))
        info = json.loads(meta.get("info", "{}"))
        model = VAE(config)
        state = {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
        model.load_state_dict(state)
    except (KeyError, ValueError, TypeError, RuntimeError) as e:
        raise CheckpointError(f"{path} has a broken config or weights ({e})") from e
    prior = {k[6:]: v.float() for k, v in tensors.items() if k.startswith("prior.")}
    model.eval()
    return LoadedModel(model=model, info=info, prior=prior)



REFINER_FORMAT = "kitten-mixer-refiner/1"
LATENT_CRITIC_FORMAT = "kitten-mixer-latent-critic/1"


def write_typed(path: str | Path, tensors: dict[str, torch.Tensor], fmt: str, **meta: str) -> Path:
    """A safetensors file whose metadata says what it is (`format`), written atomically: a crash mid-write
    never leaves half a file where the bots look for one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    save_file(tensors, str(tmp), metadata={"format": fmt, **meta})
    tmp.replace(path)
    return path


def read_typed(path: str | Path, fmt: str, what: str) -> tuple[dict[str, str], dict[str, torch.Tensor]]:
    """(metadata, tensors) of a file written by `write_typed` with format `fmt`; CheckpointError, naming
    it as `what`, if it is missing, unreadable or of another kind."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{what} not found: {path}")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        if meta.get("format") != fmt:
            raise CheckpointError(f"{path} is not a {what} (format {meta.get('format')!r})")
        return meta, load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        if isinstance(e, CheckpointError):
            raise
        raise CheckpointError(f"{path} is not a readable {what} ({e})") from e


def save_net(path: str | Path, net: torch.nn.Module, fmt: str, info: dict | None = None) -> Path:
    """A small net's file (the drawing stage, the latent critic): float16 weights and its config
    (`net.config.to_dict()`) as metadata."""
    tensors = {k: v.detach().cpu().half().contiguous() for k, v in net.state_dict().items()}
    return write_typed(path, tensors, fmt, config=json.dumps(net.config.to_dict()), info=json.dumps(info or {}))


def load_net(path: str | Path, fmt: str, build) -> tuple[torch.nn.Module, dict]:
    """-> (net in eval mode, info); `build(config_dict)` makes the empty net. CheckpointError for
    anything missing, unreadable or of another kind."""
    meta, tensors = read_typed(path, fmt, f"{fmt} file")
    try:
        net = build(json.loads(meta["config"]))
        net.load_state_dict({k: v.float() for k, v in tensors.items()})
    except (KeyError, ValueError, TypeError, RuntimeError) as e:
        raise CheckpointError(f"{path} is not a readable {fmt} file ({e})") from e
    return net.eval(), json.loads(meta.get("info", "{}"))


def save_refiner(path: str | Path, refiner, info: dict | None = None) -> Path:
    return save_net(path, refiner, REFINER_FORMAT, info)


def load_refiner(path: str | Path):
    """-> (Refiner in eval mode, info)."""
    from vae_core.refiner import Refiner, RefinerConfig

    return load_net(path, REFINER_FORMAT, lambda c: Refiner(RefinerConfig.from_dict(c)))


def save_latent_critic(path: str | Path, critic, info: dict | None = None) -> Path:
    return save_net(path, critic, LATENT_CRITIC_FORMAT, info)


def load_latent_critic(path: str | Path):
    """-> (LatentCritic in eval mode, info)."""
    from vae_core.latent_critic import LatentCritic, LatentCriticConfig

    return load_net(path, LATENT_CRITIC_FORMAT, lambda c: LatentCritic(LatentCriticConfig(**c)))
