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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    def store(v: torch.Tensor) -> torch.Tensor:
        v = v.detach().cpu()
        return (v.half() if half and v.is_floating_point() else v).contiguous()

    tensors = {f"model.{k}": store(v) for k, v in model.state_dict().items()}
    tensors.update({f"prior.{k}": store(v.float()) for k, v in (prior or {}).items()})
    meta = {"format": FORMAT, "config": json.dumps(model.config.to_dict()), "info": json.dumps(info or {})}
    tmp = path.with_suffix(path.suffix + ".tmp")
    save_file(tensors, str(tmp), metadata=meta)
    tmp.replace(path)  # atomic: a crash mid-write never leaves a half checkpoint
    return path


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
