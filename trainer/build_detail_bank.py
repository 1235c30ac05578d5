"""Build the drawing stage's detail bank (vae_core/detail_bank.py) from sharp cat faces.

Faces in the evaluation bucket (trainer/train_refiner.held_out) never enter the bank, so
evaluate-realism's real faces stay outside it. The bank ships in weights/ and must stay under 10 MB:
faces are stored as JPEG, so the count sets the size (about 11 KB a face at quality 85).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from trainer.data import load_images
from trainer.train_refiner import held_out
from vae_core.checkpoint import load_checkpoint
from vae_core.detail_bank import save_bank

MAX_BYTES = 10 * 1000 * 1000


@torch.no_grad()
def build_detail_bank(data: str, vae: str, out: str | Path, count: int = 800, seed: int = 0,
                      quality: int = 85, progress: bool = True, max_bytes: int = MAX_BYTES) -> Path:
    model = load_checkpoint(vae).model
    scale = 3
    images = load_images(data, size=model.config.image_size * scale)
    pool = [i for i, d in enumerate(images.digests) if not held_out(d)]
    if len(pool) < count:
        raise ValueError(f"{data} has {len(pool)} faces outside the evaluation bucket, fewer than {count}")
    g = torch.Generator().manual_seed(seed)
    pick = [pool[i] for i in torch.randperm(len(pool), generator=g)[:count].tolist()]
    faces = images.images[pick]
    latents = []
    for i in tqdm(range(0, count, 128), desc="encoding the bank", unit="x128", disable=not progress):
        x = F.avg_pool2d(faces[i:i + 128].float() / 255.0, scale)  # the exact area filter to 64 px
        latents.append(model.encode_mean(x))
    info = {"faces": count, "source": Path(data).name, "names": [images.names[i] for i in pick],
            "vae": Path(vae).name, "quality": quality, "seed": seed,
            "licence": "CC BY-NC 4.0 (AFHQ): non-commercial use only"}
    path = save_bank(out, faces.permute(0, 2, 3, 1).numpy(), torch.cat(latents), info, quality)
    size = path.stat().st_size
    if size > max_bytes:
        path.unlink()
        raise ValueError(f"the bank would be {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB a shipped bank "
                         "may have: use fewer faces (--count)")
    return path
