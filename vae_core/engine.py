"""The inference engine the bots and the CLI share: load the model once, serve many requests.

CPU work runs in a thread pool so an asyncio bot never blocks. On 2 cores one torch thread per
worker measured best under load (see benchmarks/): intra-op threads only help a single request,
and fight each other when requests overlap. Admission is bounded (EngineBusy instead of an
unbounded queue) and every request has a timeout.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from vae_core import compose, render
from vae_core.checkpoint import LoadedModel, load_checkpoint, load_latent_critic, load_refiner
from vae_core.detail_bank import DetailBank, load_bank
from vae_core.errors import BadRequest, DogFound, EngineBusy, EngineTimeout, FaceNotFound
from vae_core.finder import Finder, load_finder
from vae_core.hints import FaceHint
from vae_core.intake import HI_SIDE, CropReport, IntakeLimits, Prepared, prepare
from vae_core.latent import interpolate
from vae_core.latent_critic import LatentCritic, best_of
from vae_core.prior import latent_center, sample_latents
from vae_core.refiner import Refiner

log = logging.getLogger(__name__)

DEFAULT_WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "kitten-mixer.safetensors"
DEFAULT_REFINER = DEFAULT_WEIGHTS.with_name("refiner.safetensors")
DEFAULT_LATENT_CRITIC = DEFAULT_WEIGHTS.with_name("latent-critic.safetensors")
DEFAULT_DETAIL_BANK = DEFAULT_WEIGHTS.with_name("detail-bank.safetensors")
CANDIDATES_PER_CAT = 4  # latents drawn per shown cat; the latent critic keeps the best-formed
MIN_FRAMES, MAX_FRAMES, MAX_RANDOM = 2, 32, 16
MIN_SOURCES, MAX_SOURCES = 2, 4  # 3-4 cats make one loop A->B->C(->D)->A


@dataclass(frozen=True)
class EngineSettings:
    workers: int = 2
    threads_per_worker: int = 1
    max_pending: int = 16  # requests running or waiting; more -> EngineBusy
    timeout_s: float = 20.0
    limits: IntakeLimits = field(default_factory=IntakeLimits)
    # A photo without a confident cat head: False raises FaceNotFound (the bots ask the user to tap
    # the face); True mixes the middle of the photo and says so in Reply.faces_missing (the CLI).
    middle_without_face: bool = False
    # A photo whose only confident head is a dog's: False raises DogFound (the bots say it looks like a
    # dog and offer "mix it anyway", which sends FaceHint.mix_anyway()); True mixes the dog's face
    # (the CLI's --anyway).
    mix_dogs: bool = False


@dataclass(frozen=True)
class MixOptions:
    frames: int = 12
    format: str = "gif"  # gif | grid
    path: str = "slerp"  # slerp (around the latent mean: in-between cats stay sharp) | linear
    boomerang: bool = False
    frame_ms: int = 120
    size: int = 256  # GIF side in pixels

    def validate(self) -> None:
        if not MIN_FRAMES <= self.frames <= MAX_FRAMES:
            raise BadRequest(f"frames must be between {MIN_FRAMES} and {MAX_FRAMES}, not {self.frames}.",
                             frames=self.frames)
        if self.format not in ("gif", "grid"):
            raise BadRequest(f"format must be gif or grid, not {self.format!r}.")
        if self.path not in ("linear", "slerp"):
            raise BadRequest(f"path must be linear or slerp, not {self.path!r}.")
        if not 20 <= self.frame_ms <= 2000 or not 64 <= self.size <= 512:
            raise BadRequest("frame duration must be 20-2000 ms and size 64-512 px.")


@dataclass
class Cat:
    """One cat ready to mix: its latent, and the user's own face picture when it came from a photo.

    `photo` (uint8 HxWx3, cut from the full-size photo: at the mix's size, or HI_SIDE px for a Cat
    kept for later) lets the mix start and end on the real cat; gallery, adopted and random cats
    have none and show their decode instead.
    """

    z: torch.Tensor  # [latent_dim]
    photo: np.ndarray | None = None
    report: CropReport | None = None
    label: str = ""


@dataclass
class Reply:
    """A file to send back, plus what happened to each input (for the caption and logs)."""

    data: bytes
    mime: str
    filename: str
    frames: int = 1
    reports: list[CropReport] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    cats: list[Cat] = field(default_factory=list)  # the resolved sources, for callers to cache
    pictures: list[np.ndarray] = field(default_factory=list)  # drawn cats one by one (random, litters)

    @property
    def faces_missing(self) -> list[int]:
        """Indexes of inputs where no cat face was found and the middle of the photo was used
        (a photo placed by the user's hint is not missing anything)."""
        return [i for i, r in enumerate(self.reports) if not r.face_found and r.hint is None]


class Engine:
    def __init__(self, weights: str | Path | LoadedModel | None = None, settings: EngineSettings | None = None,
                 finder: Finder | None = None, refiner: str | Path | Refiner | bool = True,
                 latent_critic: str | Path | LatentCritic | bool = True,
                 detail_bank: str | Path | DetailBank | bool = True):
        """`refiner` / `latent_critic` / `detail_bank`: True loads the shipped file when there is one
        (and the model is the shipped one), a path or object uses that, False goes without. The
        drawing stage is the detail bank if there is one, else the refiner, else the 64 px decode."""
        self.settings = s = settings or EngineSettings()
        self.finder = finder or load_finder()
        loaded = weights if isinstance(weights, LoadedModel) else load_checkpoint(weights or DEFAULT_WEIGHTS)
        # channels-last weights: 12% off the decoder's convolutions on one core, the same numbers
        self.model = loaded.model.eval().to(memory_format=torch.channels_last)
        self.prior = loaded.prior
        self.center = latent_center(self.prior, self.model.config.latent_dim)
        self.info = loaded.info
        self.image_size = self.model.config.image_size
        self.compose_config = compose.DEFAULT
        shipped = weights is None or (not isinstance(weights, LoadedModel) and Path(weights) == DEFAULT_WEIGHTS)
        self.refiner = _optional(refiner, DEFAULT_REFINER if shipped else None, load_refiner)
        if self.refiner is not None:
            self.refiner = self.refiner.eval().to(memory_format=torch.channels_last)
            g = torch.Generator().manual_seed(0)  # one fixed noise: the same latent always draws the same cat
            n = self.image_size
            self._noise = torch.randn(1, self.refiner.config.noise, n, n, generator=g)
        self.latent_critic = _optional(latent_critic, DEFAULT_LATENT_CRITIC if shipped else None, load_latent_critic)
        self.detail_bank = _optional(detail_bank, DEFAULT_DETAIL_BANK if shipped else None,
                                     lambda p: (load_bank(p), None))
        self._pool = ThreadPoolExecutor(s.workers, thread_name_prefix="kitten-engine",
                                        initializer=_init_worker, initargs=(s.threads_per_worker,))
        self._pending = 0
        self._lock = threading.Lock()  # _pending is released from worker threads

    # ---- async API -------------------------------------------------------------------------
    async def mix(self, sources: Sequence[bytes | Cat], options: MixOptions | None = None) -> Reply:
        """2 photos or cats -> a morph from the first to the second; 3-4 -> one loop through all."""
        options = options or MixOptions()
        options.validate()
        if not MIN_SOURCES <= len(sources) <= MAX_SOURCES:
            raise BadRequest(f"mixing needs {MIN_SOURCES} to {MAX_SOURCES} cats, got {len(sources)}.",
                             count=len(sources))
        return await self._submit(self.mix_sync, list(sources), options)

    async def cats(self, images: Sequence[bytes], hints: Sequence[FaceHint | None] | None = None) -> list[Cat]:
        """Photos -> Cats (decode, find the face, crop, encode), e.g. to adopt a cat or cache latents.
        `hints` (one per photo, None for none) are passed to intake's face finding."""
        if hints is not None and len(hints) != len(images):
            raise BadRequest("one hint per photo (None for none).")
        return await self._submit(self.cats_sync, list(images), list(hints) if hints is not None else None)

    def cat_from_latent(self, z: torch.Tensor, label: str = "") -> Cat:
        """A cat known only by its latent (gallery, random): no photo, its picture is the decode."""
        return Cat(z.detach().reshape(-1).clone(), None, None, label)

    async def random(self, n: int = 16, seed: int | None = None) -> Reply:
        if not 1 <= n <= MAX_RANDOM:
            raise BadRequest(f"I can draw 1 to {MAX_RANDOM} cats, not {n}.", count=n)
        return await self._submit(self.random_sync, n, seed)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def run(self, fn, *args):
        """`fn(*args)` in the pool, under the same admission limit and timeout as a mix: for work
        built on the engine elsewhere in vae_core (gallery pages, maps, litters, blends of Cats)."""
        return await self._submit(fn, *args)

    def resolve(self, sources: Sequence[bytes | Cat], timings: dict[str, float] | None = None) -> list[Cat]:
        """Photos and Cats -> Cats, in order (synchronous: call it from a function given to `run`)."""
        return self._resolve(sources, {} if timings is None else timings)

    async def _submit(self, fn, *args):
        with self._lock:
            if self._pending >= self.settings.max_pending:
                raise EngineBusy("I'm mixing lots of cats right now; please try again in a moment.")
            self._pending += 1
        try:
            fut = self._pool.submit(fn, *args)
        except RuntimeError:
            self._release()
            raise
        fut.add_done_callback(lambda _: self._release())  # a timed-out job holds its slot until it ends
        try:
            return await asyncio.wait_for(asyncio.wrap_future(fut), self.settings.timeout_s)
        except TimeoutError:
            fut.cancel()
            raise EngineTimeout("That took too long, sorry; please try again.") from None

    def _release(self) -> None:
        with self._lock:
            self._pending -= 1

    @property
    def pending(self) -> int:
        return self._pending

    # ---- synchronous work (runs in the pool; also used by the CLI and benchmarks) -------------
    def prepare(self, data: bytes, timings: dict[str, float] | None = None,
                hint: FaceHint | None = None, hi_side: int = HI_SIDE) -> Prepared:
        return prepare(data, self.settings.limits, self.image_size, timings, hi_side, hint=hint, finder=self.finder)

    def prepare_all(self, images: Sequence[bytes], hints: Sequence[FaceHint | None] | None = None,
                    timings: dict[str, float] | None = None, hi_side: int = HI_SIDE) -> list[Prepared]:
        """Every photo, then one FaceNotFound naming all those without a confident head and
        without a hint (unless the settings allow the middle): the user answers them in one go."""
        hints = list(hints) if hints is not None else [None] * len(images)
        prepared = [self.prepare(b, timings, h, hi_side) for b, h in zip(images, hints, strict=True)]
        missing = [i for i, (p, h) in enumerate(zip(prepared, hints, strict=True))
                   if not p.report.face_found and h is None]
        dogs = [i for i in missing if prepared[i].report.dog]
        if dogs and not self.settings.mix_dogs:
            raise DogFound(missing, dogs)
        if missing and not self.settings.middle_without_face:
            raise FaceNotFound(missing)
        return prepared

    def cats_sync(self, images: Sequence[bytes], hints: Sequence[FaceHint | None] | None = None,
                  timings: dict[str, float] | None = None, hi_side: int = HI_SIDE) -> list[Cat]:
        """Photos -> Cats. `hi_side` is the side of the picture kept for the mix's end frames: a mix
        cuts it at its own output size (no second resize), a Cat kept for later at HI_SIDE."""
        prepared = self.prepare_all(images, hints, timings, hi_side)
        t1 = time.perf_counter()
        z = self.encode([p.crop for p in prepared])
        if timings is not None:
            timings["encode"] = timings.get("encode", 0.0) + time.perf_counter() - t1
        return [Cat(z[i].clone(), p.hi, p.report) for i, p in enumerate(prepared)]

    def _resolve(self, sources: Sequence[bytes | Cat], timings: dict[str, float],
                 hi_side: int = HI_SIDE) -> list[Cat]:
        """Bytes become Cats in one encode batch; Cats pass through; order is kept."""
        photos = [s for s in sources if not isinstance(s, Cat)]
        try:
            made = iter(self.cats_sync(photos, None, timings, hi_side) if photos else [])
        except FaceNotFound as e:  # name the photos by their place among all the sources
            at = [i for i, s in enumerate(sources) if not isinstance(s, Cat)]
            if isinstance(e, DogFound):
                raise DogFound([at[i] for i in e.photos], [at[i] for i in e.dogs]) from None
            raise FaceNotFound([at[i] for i in e.photos]) from None
        return [s if isinstance(s, Cat) else next(made) for s in sources]

    @torch.inference_mode()
    def encode(self, crops: Sequence[np.ndarray]) -> torch.Tensor:
        x = torch.from_numpy(np.stack(crops)).float().div_(255.0).permute(0, 3, 1, 2)  # NHWC: channels-last
        return self.model.encode_mean(x)  # the posterior mean: same photos, same mix

    @torch.inference_mode()
    def decode(self, z: torch.Tensor) -> np.ndarray:
        y = self.model.decode(z)  # one batched forward pass for all frames
        return y.mul_(255).round_().clamp_(0, 255).byte().permute(0, 2, 3, 1).contiguous().numpy()

    @torch.inference_mode()
    def draw(self, z: torch.Tensor) -> np.ndarray:
        """Latents -> the pictures of cats the model draws alone (random, gallery, litters, blends):
        the drawing stage's sharp faces (N x 192 x 192 x 3 uint8), or the 64 px decodes without one."""
        if self.detail_bank is not None:
            self.detail_bank.prepare(self.decode)  # once, on first use (about a second)
            return self.detail_bank.dress(self.decode(z), z)
        y = self.model.decode(z)
        if self.refiner is not None:
            y = self.refiner(y.contiguous(memory_format=torch.channels_last), self._noise.expand(len(z), -1, -1, -1))
        return y.mul_(255).round_().clamp_(0, 255).byte().permute(0, 2, 3, 1).contiguous().numpy()

    @torch.inference_mode()
    def sample(self, n: int, seed: int | None) -> torch.Tensor:
        """n latents from the prior for cats nobody photographed. With the latent critic, each is the
        best-formed of CANDIDATES_PER_CAT draws (melted or doubled faces are left out)."""
        dim = self.model.config.latent_dim
        if self.latent_critic is None:
            return sample_latents(n, dim, self.prior, seed)
        return self.keep_best(sample_latents(n * CANDIDATES_PER_CAT, dim, self.prior, seed), n)

    @torch.inference_mode()
    def keep_best(self, candidates: torch.Tensor, n: int) -> torch.Tensor:
        """The best-formed latent of each consecutive group of len(candidates) // n, by the latent critic."""
        if self.latent_critic is None:
            raise ValueError("no latent critic is loaded")
        return candidates[best_of(self.latent_critic(candidates), n, len(candidates) // n)]

    @property
    def draws_detail(self) -> bool:
        """Whether cats the model draws alone get a drawing stage (else they are 64 px decodes)."""
        return self.detail_bank is not None or self.refiner is not None

    def picture(self, cat: Cat) -> np.ndarray:
        """A cat's own picture: the user's crop, or the model's drawing of its latent."""
        return cat.photo if cat.photo is not None else self.draw(cat.z.unsqueeze(0))[0]

    def mix_sync(self, sources: Sequence[bytes | Cat], options: MixOptions) -> Reply:
        t: dict[str, float] = {}
        t0 = time.perf_counter()
        # the pictures are cut at the output size (no second resize), never under the default size:
        # the Cats are kept for the result's buttons, which may ask for a GIF after a grid
        cats = self._resolve(sources, t, max(options.size, MixOptions.size))
        grid = options.format == "grid"
        frames = self.frames_sync(cats, options, options.size // 2 if grid else options.size, t)
        t1 = time.perf_counter()
        if grid:
            data = render.grid_png(frames, cell=frames.shape[1], columns=grid_columns(len(frames)))
            mime, name, n = "image/png", "kitten-mix.png", len(frames)
        else:
            seq = list(frames)
            if options.boomerang and len(cats) == 2 and len(seq) > 2:
                seq = seq + seq[-2:0:-1]  # forward then back, without repeating the end frames
            keys = self.palette_keys(len(cats), options.frames, frames)
            while True:  # detailed cats at 512 px x 62 frames can pass 8 MB: shrink until it fits
                data = render.gif_shared(seq, options.frame_ms, keys)
                if len(data) <= render.MAX_REPLY_BYTES or len(seq[0]) <= 128:
                    break
                side = int(len(seq[0]) * 0.75)
                seq = [cv2.resize(f, (side, side), interpolation=cv2.INTER_AREA) for f in seq]
                keys = [cv2.resize(f, (side, side), interpolation=cv2.INTER_AREA) for f in keys]
            mime, name, n = "image/gif", "kitten-mix.gif", len(seq)
        t["render"] = time.perf_counter() - t1
        t["total"] = time.perf_counter() - t0
        return Reply(data, mime, name, n, [c.report for c in cats if c.report is not None], t, cats)

    def frames_sync(self, cats: Sequence[Cat], options: MixOptions, side: int,
                    timings: dict[str, float] | None = None) -> np.ndarray:
        """The mix's frames at `side` px: the model's in-between cats carrying the photos' detail,
        starting (and for two cats ending) on the user's own crops."""
        t1 = time.perf_counter()
        decodes = self.decode(self.path(cats, options))
        # cats without a photo (gallery, adopted, random) end on the drawing stage's sharp picture and
        # lend its detail to the middle frames, as a photo does
        ends = [c.photo if c.photo is not None or not self.draws_detail else self.picture(c) for c in cats]
        t2 = time.perf_counter()
        frames = compose.compose(decodes, compose.legs_for(len(cats), options.frames), ends,
                                 self.anchors(len(cats), options.frames), side, self.compose_config)
        if timings is not None:
            timings["decode_frames"] = t2 - t1
            timings["compose"] = time.perf_counter() - t2
        return frames

    @classmethod
    def palette_keys(cls, n_cats: int, frames_per_leg: int, frames: np.ndarray) -> list[np.ndarray]:
        """The frames the GIF's one palette is built from: every cat's own frame (their colours must
        come out exact) and the middle of every leg."""
        at = cls.anchors(n_cats, frames_per_leg)
        legs = list(zip(at, [*at[1:], len(frames)] if n_cats > 2 else at[1:], strict=False))
        return [frames[i] for i in at] + [frames[(i + j) // 2] for i, j in legs]

    @staticmethod
    def anchors(n_cats: int, frames: int) -> list[int]:
        """Frame index of each source cat in the sequence `path` gives."""
        if n_cats == 2:
            return [0, frames - 1]
        return [k * (frames - 1) for k in range(n_cats)]

    def path(self, cats: Sequence[Cat], options: MixOptions) -> torch.Tensor:
        """The latents of every frame: A->B for two cats; A->B->...->A for 3-4, each leg
        `options.frames` long, sharing its end frame with the next leg's start."""
        if len(cats) == 2:
            return interpolate(cats[0].z, cats[1].z, options.frames, options.path, self.center)
        legs = [interpolate(a.z, b.z, options.frames, options.path, self.center)[:-1]
                for a, b in zip(cats, [*cats[1:], cats[0]], strict=True)]
        return torch.cat(legs)

    def random_sync(self, n: int, seed: int | None) -> Reply:
        t0 = time.perf_counter()
        z = self.sample(n, seed)
        frames = self.draw(z)
        columns = grid_columns(n, aspect=1.0, one_row_up_to=0)
        data = render.grid_png(frames, cell=max(128, frames.shape[1]), columns=columns)
        return Reply(data, "image/png", "kitten-random.png", n, [], {"total": time.perf_counter() - t0},
                     [self.cat_from_latent(zi) for zi in z], list(frames))


def _optional(given, default: Path | None, load):
    """An optional net: given as True (the shipped file if there is one), False/None, a path, or the net."""
    if given is True:
        return load(default)[0] if default is not None and default.is_file() else None
    if given is False or given is None:
        return None
    return load(given)[0] if isinstance(given, (str, Path)) else given


def _init_worker(threads: int) -> None:
    """Each worker gets `threads` cores for torch and for OpenCV (compositing, flow): OpenCV's own
    pool would otherwise spread every resize over all cores and fight the other workers. Both
    settings are process-wide; every worker asks for the same."""
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)


def grid_columns(n: int, aspect: float = 2.0, one_row_up_to: int = 8, widest: int = 16) -> int:
    """Columns that fill every row of an n-cell grid (no half-empty last row). Up to `one_row_up_to`
    cells make one row (as mixes always had); beyond, the divisor of n closest to an `aspect`
    (columns/rows) sheet: a mix (2:1) of 12 -> 6x2, 9 -> 3x3, 32 -> 8x4; random cats (1:1, no single
    row) 16 -> 4x4. A prime such as 11 or 13 gets one row."""
    if n <= one_row_up_to:
        return n
    fits = [c for c in range(1, n + 1) if n % c == 0 and (c <= widest or c == n)]
    return min(fits, key=lambda c: (abs(np.log(c * c / n / aspect)), -c))
