"""Kitten Mixer core: the VAE, its checkpoint format and the inference engine."""

from vae_core.checkpoint import CheckpointError, LoadedModel, load_checkpoint, save_checkpoint
from vae_core.model import VAE, BetaLoss, VAEConfig
from vae_core.presets import PRESETS, Preset, get_preset

__all__ = [
    "VAE", "BetaLoss", "VAEConfig", "PRESETS", "Preset", "get_preset",
    "CheckpointError", "LoadedModel", "load_checkpoint", "save_checkpoint",
]
