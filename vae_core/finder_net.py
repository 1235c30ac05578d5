"""The learned cat-head finder: a small fully convolutional heatmap-and-size network (CenterNet-style).

Why this shape: the photos people send show the whole cat in a room, with heads from 5% to 90% of the
width, turned and tilted. One pass over a 256 px copy gives, for every 8x8 cell, "is a head centred
here" (heatmap), where exactly (offset), how big (log side) and how tilted (sin/cos of the roll), so
small heads, several cats and boxes precise enough for the crop all come from the same forward pass,
and the cost does not grow with the number of scales tried.
"""

from __future__ import annotations

import copy
import math
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from vae_core import resample
from vae_core.detection import Detection

STRIDE = 8
MEAN, STD = 0.45, 0.25


@dataclass(frozen=True)
class FinderConfig:
    input_side: int = 256  # longest side of the copy the network sees
    # A second, larger look when the first finds no confident head, or only a small one: a head under
    # 12% of the width is a few cells of the 256 px heatmap, and its box is then a guess.
    zoom_side: int = 416
    zoom_below: float = 0.12
    # A third look with a border added, when still nothing is sure or the upload is a thumbnail: a face
    # cropped tight (the training faces' own framing) is bigger than any head the net was trained on.
    pad: float = 0.3  # border on each side, as a fraction of the longest side
    thumbnail: int = 200  # uploads this small always get the padded look too
    widths: tuple[int, ...] = (16, 32, 64, 128, 192)  # strides 2, 4, 8, 16, 32
    neck: int = 64  # channels of the stride-8 feature map the head reads
    threshold: float = 0.35  # final score needed to call it a cat head (chosen on held-out scenes)
    verify_top: int = 4  # candidates the verifier looks at (the heatmap's best peaks)
    verify_min: float = 0.08  # heatmap peaks below this are not worth verifying
    # Heads smaller than this are not reported: a 20 px head cut out and enlarged is mush for the VAE, and
    # most tiny peaks on held-out scenes were paws, toys and wall specks (measured: false finds 9.7% -> see
    # the model card).
    min_side_px: float = 24.0
    min_side_frac: float = 0.03  # of the photo's longest side
    # Heads mostly off the photo's edge are not reported either: they crop badly, and on held-out scenes
    # such peaks were mostly paws, bottles and furniture cut by the frame.
    max_outside: float = 0.25  # of the box's area
    # A confident head that OpenCV's human-face cascade calls a person's face loses this share of its
    # score (0: no check); at most `people_top` confident heads are checked (about 1 ms each).
    people_penalty: float = 0.0
    people_top: int = 2
    # A head the cascade calls a person's loses the larger share `people_penalty_unsure` when the kind
    # net's p(cat) is under `people_cat_min`. A person's face that scores as a cat gets a middling
    # p(cat) (0.54-0.59 on the test composites); the real cats' heads the cascade misreads mostly keep
    # a high one (0.77-0.93 on the AFHQ close-ups), so they lose only `people_penalty`. A flat larger
    # penalty for every flagged head lost real cats (model card).
    people_cat_min: float = 0.0
    people_penalty_unsure: float = 0.0
    # Calibration of every reported box (after all decisions: it moves no score): the side times
    # `box_scale`, the centre moved `box_shift` of the side down the head (along its roll). Measured on
    # the train scenes, where the boxes came out 2% larger than the labelled heads (model card); 1 and 0
    # (older files): the boxes as the verifier left them.
    box_scale: float = 1.0
    box_shift: float = 0.0
    # Skip the human-face cascade on heads whose outcome it cannot change (`NetFinder._people_checked`).
    people_skip_sure: bool = True
    # A second look, only where every look above found neither a cat's nor a dog's head that clears the
    # threshold (so most photos and every dog photo the kind net already recognised cost nothing more):
    # the photo turned by each of `second_turns` (degrees, multiples of 90; 0 = as it is), looked at by
    # the heatmap, the verifier and the kind net in the turned view, the boxes mapped back and the roll
    # turned with them (a cat lying on its side is a head rolled 90 degrees, past the ~45 degrees the
    # heatmap's roll learned). A candidate whose heatmap peak is at least `second_mirror_peak` gets the
    # verifier's p of the crop or of its mirror image, whichever is larger: the verifier is unsteady on
    # some frontal heads the heatmap is sure of (p 0.03 one way, 0.5 the other; a weaker peak, such as a
    # man's face at 0.61, is not given the second chance). A head found only here must also have p(cat)
    # >= `second_cat_min` (a turned dog can look like a cat), and one found in a turned view a final
    # score >= `second_turn_min` (turned, a cat's spotted flank or a bulldog's face looks like a cat's
    # head to all three nets, though less surely than a real head does). Empty (older files): no second
    # look.
    second_turns: tuple[int, ...] = ()
    second_mirror_peak: float = 2.0
    second_cat_min: float = 0.0
    second_turn_min: float = 0.0


@dataclass(frozen=True)
class VerifierConfig:
    crop: int = 48  # pixels of the candidate's context square the verifier sees
    context: float = 1.6  # context square side / head side: a tail tip looks like a head only up close
    widths: tuple[int, ...] = (16, 32, 48, 64)


def conv_bn(cin: int, cout: int, stride: int = 1, k: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


def conv_trunk(widths: tuple[int, ...]) -> tuple[nn.Sequential, int]:
    """Each width halves the side (a strided conv, then a plain one): the crop classifiers' body,
    and its output channels for the linear head on the pooled features."""
    layers, cin = [], 3
    for w in widths:
        layers += [conv_bn(cin, w, 2), conv_bn(w, w)]
        cin = w
    return nn.Sequential(*layers), cin


class FinderNet(nn.Module):
    """Backbone down to stride 32, a small top-down path back to stride 8, then 6 output maps:
    heatmap logit, offset x/y (cells), log side (cells), sin and cos of the head's roll."""

    def __init__(self, config: FinderConfig = FinderConfig()):
        super().__init__()
        self.config = c = config
        w = c.widths
        self.s2 = conv_bn(3, w[0], 2)
        self.s4 = conv_bn(w[0], w[1], 2)
        self.s8 = nn.Sequential(conv_bn(w[1], w[2], 2), conv_bn(w[2], w[2]))
        self.s16 = nn.Sequential(conv_bn(w[2], w[3], 2), conv_bn(w[3], w[3]))
        self.s32 = nn.Sequential(conv_bn(w[3], w[4], 2), conv_bn(w[4], w[4]), conv_bn(w[4], w[4]))
        self.lat8, self.lat16, self.lat32 = (nn.Conv2d(w[i], c.neck, 1) for i in (2, 3, 4))
        self.fuse = conv_bn(c.neck, c.neck)
        self.out = nn.Conv2d(c.neck, 6, 1)
        nn.init.constant_(self.out.bias, 0.0)
        with torch.no_grad():
            self.out.bias[0] = -4.0  # start from "no head anywhere": focal loss is stable from here

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f8 = self.s8(self.s4(self.s2(x)))
        f16 = self.s16(f8)
        f32 = self.s32(f16)
        p = self.lat32(f32)
        p = self.lat16(f16) + F.interpolate(p, size=f16.shape[-2:], mode="nearest")
        p = self.lat8(f8) + F.interpolate(p, size=f8.shape[-2:], mode="nearest")
        return self.out(self.fuse(p))


class VerifierNet(nn.Module):
    """Second look at one candidate, at the head's own scale: is it a cat head (logit), and how should
    the box move (dx, dy in head sides, log of the side's correction)? The heatmap sees a small head as
    a few pixels of a 256 px copy; this net sees it at 48 px with its surroundings, which is what tells a
    head from a paw, a tail tip or a patch of spotted fur, and what makes the box tight."""

    def __init__(self, config: VerifierConfig = VerifierConfig()):
        super().__init__()
        self.config = c = config
        self.features, cin = conv_trunk(c.widths)
        self.head = nn.Linear(cin, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean((2, 3)))


KINDS = ("cat", "dog", "none")  # what KindNet tells apart, in its output order


@dataclass(frozen=True)
class KindConfig:
    """The third look: what kind of head a verified candidate is (a cat's, a dog's, or none: an eye,
    a muzzle, a spotted cushion). It sees a larger crop than the verifier (64 px of 1.6x the head): a
    bulldog's muzzle and ears are what tell it from a cat, and they are a few pixels at 48."""

    crop: int = 64
    context: float = 1.6
    widths: tuple[int, ...] = (16, 32, 48, 64)
    top: int = 3  # candidates looked at (best first, those that can still clear the floor)
    dog_min: float = 0.5  # p(dog) at which a head is reported as a dog's (when above p(cat))
    cat_min: float = 0.2  # p(cat) under which a head is dropped (not a cat's head)
    # A dog's head needs p(dog) at least this many times p(cat) (1: just above it): a cat the kind net
    # is torn about stays a cat rather than being answered "a dog".
    dog_over_cat: float = 1.0
    # Where the heatmap and the verifier are very sure (final score >= keep_score), the kind net must be
    # surer to overrule them: the head is dropped or called a dog only under p(cat) < keep_cat_min.
    # (keep_score > 1: the rule is off.) The kind net learned dogs from one breed, and a confident cat
    # that looks unlike its training cats is what it gets wrong.
    keep_score: float = 1.01
    keep_cat_min: float = 0.1


class KindNet(nn.Module):
    """Cat head / dog head / not a head, for one candidate crop (logits in `KINDS` order)."""

    def __init__(self, config: KindConfig = KindConfig()):
        super().__init__()
        self.config = c = config
        self.features, cin = conv_trunk(c.widths)
        self.head = nn.Linear(cin, len(KINDS))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean((2, 3)))


def kind_verdict(kc: KindConfig, score: float, p_cat: float, p_dog: float) -> str | None:
    """"cat", "dog" or None (not a head) for a head of final score `score` and the kind net's p(cat)
    and p(dog). A very sure head (score >= keep_score) is overruled only under p(cat) < keep_cat_min."""
    sure = score >= kc.keep_score
    cat_min = kc.keep_cat_min if sure else kc.cat_min
    dog = p_dog >= kc.dog_min and p_dog > p_cat and p_dog >= kc.dog_over_cat * p_cat
    if dog and (not sure or p_cat < cat_min):
        return "dog"
    return "cat" if p_cat >= cat_min else None


UPRIGHT_MIN_ANGLE = 10.0  # degrees of roll from which the kind net sees the head turned upright


def upright_crop(img: Image.Image | np.ndarray, det: Detection, kc: KindConfig) -> torch.Tensor:
    """The kind net's crop of one head turned upright by its roll (3 x crop x crop, normalised): a
    1.5x larger crop is cut, turned by -angle about its centre and its middle kept."""
    big = round(kc.crop * 1.5)
    wide = crops_for(img, [det], KindConfig(crop=big, context=kc.context * big / kc.crop))[0]
    a = np.ascontiguousarray(wide.permute(1, 2, 0).numpy())
    m = cv2.getRotationMatrix2D((big / 2, big / 2), det.angle, 1.0)  # counter-clockwise by the lean
    m[:, 2] -= (big - kc.crop) / 2
    out = cv2.warpAffine(a, m, (kc.crop, kc.crop), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                         borderValue=0)
    return torch.from_numpy(out).permute(2, 0, 1)


def context_square(det: Detection, context: float) -> tuple[float, float, float, float]:
    cx, cy = det.center
    half = det.side * context / 2
    return cx - half, cy - half, cx + half, cy + half


def rgb_array(img: Image.Image | np.ndarray) -> np.ndarray:
    """The photo as an H x W x 3 uint8 array. `look` makes it once per photo: each `np.asarray` of a
    PIL image copies the whole photo (0.2 ms for a 512 px one), and one look used to make four."""
    if isinstance(img, np.ndarray):
        return img
    return np.asarray(img.convert("RGB") if img.mode != "RGB" else img)


def crops_for(img: Image.Image | np.ndarray, dets: list[Detection], vc: VerifierConfig | KindConfig) -> torch.Tensor:
    """Normalised N x 3 x crop x crop context squares (zero-padded past the photo's edges), in the
    channels-last layout the folded verifier runs in. Only the part on the photo is resized (area
    filter), then placed: 0.3 ms a crop where Pillow took 0.8 ms for a square reaching past the photo."""
    a = rgb_array(img)
    height, width = a.shape[:2]
    n = vc.crop
    out = torch.zeros(len(dets), n, n, 3)
    for i, d in enumerate(dets):
        x0, y0, x1, y1 = context_square(d, vc.context)
        s = n / (x1 - x0)
        ix0, iy0 = max(0, round(x0)), max(0, round(y0))
        ix1, iy1 = min(width, round(x1)), min(height, round(y1))
        # where the on-photo part lands in the crop
        ox0, oy0 = min(n, max(0, round((ix0 - x0) * s))), min(n, max(0, round((iy0 - y0) * s)))
        ox1, oy1 = min(n, max(0, round((ix1 - x0) * s))), min(n, max(0, round((iy1 - y0) * s)))
        if ox1 <= ox0 or oy1 <= oy0 or ix1 <= ix0 or iy1 <= iy0:
            continue  # (almost) entirely off the photo: all padding
        patch = resample.resize(a[iy0:iy1, ix0:ix1], (ox1 - ox0, oy1 - oy0))
        out[i, oy0:oy1, ox0:ox1] = torch.from_numpy(np.ascontiguousarray(patch)).float()
    return out.sub_(255.0 * MEAN).div_(255.0 * STD).permute(0, 3, 1, 2)


def apply_verifier(dets: list[Detection], out: torch.Tensor) -> list[Detection]:
    """Re-score (geometric mean of the heatmap peak and the verifier) and move the boxes."""
    checked = []
    for d, o in zip(dets, out.tolist()):
        p = 1 / (1 + math.exp(-o[0]))
        cx, cy = d.center
        side = d.side * math.exp(max(-0.5, min(0.5, o[3])))
        cx, cy = cx + o[1] * d.side, cy + o[2] * d.side
        checked.append(Detection((cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2),
                                 math.sqrt(d.score * p), d.angle))
    return sorted(checked, key=lambda d: -d.score)


def fold_batchnorm(module: nn.Module) -> nn.Module:
    """For inference: fold each conv_bn's BatchNorm into its convolution (one op fewer per layer;
    on one CPU thread the finder spends much of its time in those small per-layer passes)."""
    for name, child in module.named_children():
        if (isinstance(child, nn.Sequential) and len(child) == 3 and isinstance(child[0], nn.Conv2d)
                and isinstance(child[1], nn.BatchNorm2d)):
            conv, bn = child[0], child[1]
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                              bias=True)
            with torch.no_grad():
                fused.weight.copy_(conv.weight * scale[:, None, None, None])
                fused.bias.copy_(bn.bias - bn.running_mean * scale)
            setattr(module, name, nn.Sequential(fused, nn.ReLU(inplace=True)))
        else:
            fold_batchnorm(child)
    return module


class Lean:
    """A folded net (`fold_batchnorm`) run as a flat list of the same torch calls, without nn.Module's
    per-call machinery: the finder's three nets make about 30 module calls a photo for every conv,
    some 0.6 ms of Python on one thread. The arithmetic is the same calls on the same tensors, so
    the outputs are identical to the module's (tested)."""

    def __init__(self, net: nn.Module):
        self.kind = type(net).__name__
        if isinstance(net, FinderNet):
            self.parts = {k: self._ops(getattr(net, k)) for k in
                          ("s2", "s4", "s8", "s16", "s32", "lat8", "lat16", "lat32", "fuse", "out")}
        else:  # VerifierNet, KindNet: a conv trunk, pooled, one linear layer
            self.parts = {"features": self._ops(net.features)}
            self.head = (net.head.weight, net.head.bias)

    @staticmethod
    def _ops(m: nn.Module) -> list[tuple]:
        if isinstance(m, nn.Conv2d):
            assert m.padding_mode == "zeros" and m.groups == 1
            return [("conv", m.weight, m.bias, m.stride, m.padding, m.dilation)]
        if isinstance(m, nn.ReLU):
            return [("relu",)]
        if isinstance(m, nn.Sequential):
            return [op for child in m for op in Lean._ops(child)]
        raise TypeError(f"no lean form for {type(m).__name__}")

    def _run(self, name: str, x: torch.Tensor) -> torch.Tensor:
        for op in self.parts[name]:
            x = F.conv2d(x, op[1], op[2], op[3], op[4], op[5]) if op[0] == "conv" else torch.relu_(x)
        return x

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        run = self._run
        if self.kind != "FinderNet":
            return F.linear(run("features", x).mean((2, 3)), *self.head)
        f8 = run("s8", run("s4", run("s2", x)))
        f16 = run("s16", f8)
        f32 = run("s32", f16)
        p = run("lat32", f32)
        p = run("lat16", f16) + F.interpolate(p, size=f16.shape[-2:], mode="nearest")
        p = run("lat8", f8) + F.interpolate(p, size=f8.shape[-2:], mode="nearest")
        return run("out", run("fuse", p))


def to_input(img: Image.Image | np.ndarray, side: int) -> tuple[torch.Tensor, float]:
    """RGB image -> normalised 1x3xHxW tensor (longest side `side`, padded to a multiple of 32) and the scale.

    An area filter (vae_core.resample) and one normalising pass over an NHWC tensor: 0.23 ms for a
    512 px photo where Pillow's bilinear resize and a planar copy took 1.3 ms. The result is a
    channels-last view, the layout the folded net runs in.
    """
    a = rgb_array(img)
    h, w = a.shape[:2]
    scale = side / max(w, h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    small = resample.resize(a, (nw, nh))
    if not small.flags.writeable:  # the photo itself (already the right size): torch wants its own copy
        small = small.copy()
    ph, pw = -(-nh // 32) * 32, -(-nw // 32) * 32
    x = torch.zeros(1, ph, pw, 3)
    x[0, :nh, :nw] = torch.from_numpy(small).float().sub_(255.0 * MEAN).div_(255.0 * STD)
    return x.permute(0, 3, 1, 2), scale


def decode(out: torch.Tensor, scale: float, min_score: float = 0.05, top_k: int = 10) -> list[Detection]:
    """Network output (1x6xHxW) -> detections in the original image's pixels, best first."""
    heat = torch.sigmoid(out[0, 0])
    peaks = (heat == F.max_pool2d(heat[None, None], 3, 1, 1)[0, 0]) & (heat >= min_score)
    ys, xs = torch.nonzero(peaks, as_tuple=True)
    scores = heat[ys, xs]
    order = torch.argsort(scores, descending=True)[:top_k]
    ys, xs, scores = ys[order], xs[order], scores[order]
    # the peaks' maps read in one gather and one list, not ~60 `.item()` calls a photo
    maps = out[0, 1:6, ys, xs].T.tolist()
    dets = []
    for y, x, score, (ox, oy, log_side, sin, cos) in zip(ys.tolist(), xs.tolist(), scores.tolist(), maps):
        cx = (x + 0.5 + ox) * STRIDE / scale
        cy = (y + 0.5 + oy) * STRIDE / scale
        side = math.exp(log_side) * STRIDE / scale
        angle = math.degrees(math.atan2(sin, cos))
        dets.append(Detection((cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2), score, angle))
    return _suppress(dets)


def _suppress(dets: list[Detection], overlap: float = 0.5) -> list[Detection]:
    """Drop a weaker box whose centre lies inside a stronger one of similar size (one head, two peaks)."""
    kept: list[Detection] = []
    for d in dets:
        cx, cy = d.center
        if not any(k.box[0] <= cx <= k.box[2] and k.box[1] <= cy <= k.box[3]
                   and overlap <= d.side / k.side <= 1 / overlap for k in kept):
            kept.append(d)
    return kept


def _size(img: Image.Image | np.ndarray) -> tuple[int, int]:
    """(width, height) of a photo or its pixel array."""
    return img.size if isinstance(img, Image.Image) else (img.shape[1], img.shape[0])


def _outside(det: Detection, size: tuple[int, int]) -> float:
    """The share of the box's area that lies off the image."""
    x0, y0, x1, y1 = det.box
    inside = max(0.0, min(x1, size[0]) - max(x0, 0.0)) * max(0.0, min(y1, size[1]) - max(y0, 0.0))
    return 1.0 - inside / max(1e-9, (x1 - x0) * (y1 - y0))


def _turned_back(box: tuple[float, float, float, float], k: int, w: int, h: int) -> tuple[float, float, float, float]:
    """A box found in `np.rot90(photo, k)` in the pixels of the photo (w x h) itself."""
    x0, y0, x1, y1 = box
    if k == 1:  # view (x, y) = (y, w - x)
        return w - y1, x0, w - y0, x1
    if k == 2:
        return w - x1, h - y1, w - x0, h - y0
    if k == 3:  # view (x, y) = (h - y, x)
        return y0, h - x1, y1, h - x0
    return box


class NetFinder:
    """The shipped finder: FinderNet weights + config from one safetensors file."""

    def __init__(self, net: FinderNet, verifier: VerifierNet | None = None, kinds: KindNet | None = None):
        self.net = net.eval()
        self.verifier = verifier.eval() if verifier is not None else None
        self.kinds = kinds.eval() if kinds is not None else None
        self._fast: tuple[object, nn.Module, nn.Module | None, nn.Module | None] | None = None  # folded copies
        self._lean_nets: tuple = ()  # the folded copies as `Lean` runners
        self.config = net.config
        self.threshold = net.config.threshold
        self._lock = threading.Lock()
        self._people = None  # vae_core.human_faces.HumanFaces, made on first use

    @classmethod
    def load(cls, path: str | Path) -> NetFinder:
        import json

        from safetensors import safe_open
        from safetensors.torch import load_file

        with safe_open(str(path), "pt") as f:
            meta = f.metadata() or {}
        cfg = json.loads(meta.get("config", "{}"))
        cfg["widths"] = tuple(cfg.get("widths", FinderConfig.widths))
        cfg["second_turns"] = tuple(cfg.get("second_turns", FinderConfig.second_turns))
        state = {k: v.float() for k, v in load_file(str(path)).items()}
        net = FinderNet(FinderConfig(**cfg))
        net.load_state_dict({k: v for k, v in state.items() if not k.startswith(("verifier.", "kinds."))})
        verifier = None
        if "verifier" in meta:
            vcfg = json.loads(meta["verifier"])
            vcfg["widths"] = tuple(vcfg["widths"])
            verifier = VerifierNet(VerifierConfig(**vcfg))
            verifier.load_state_dict({k[9:]: v for k, v in state.items() if k.startswith("verifier.")})
        kinds = None
        if "kinds" in meta:
            kcfg = json.loads(meta["kinds"])
            kcfg["widths"] = tuple(kcfg["widths"])
            kinds = KindNet(KindConfig(**kcfg))
            kinds.load_state_dict({k[6:]: v for k, v in state.items() if k.startswith("kinds.")})
        return cls(net, verifier, kinds)

    def save(self, path: str | Path, half: bool = True) -> None:
        import json

        from safetensors.torch import save_file

        state = dict(self.net.state_dict())
        meta = {"config": json.dumps(asdict(self.config)), "kind": "cat-head-finder"}
        if self.verifier is not None:
            state.update({f"verifier.{k}": v for k, v in self.verifier.state_dict().items()})
            meta["verifier"] = json.dumps(asdict(self.verifier.config))
        if self.kinds is not None:
            state.update({f"kinds.{k}": v for k, v in self.kinds.state_dict().items()})
            meta["kinds"] = json.dumps(asdict(self.kinds.config))
        state = {k: (v.half() if half and v.is_floating_point() else v).contiguous() for k, v in state.items()}
        save_file(state, str(path), metadata=meta)

    def _folded(self) -> tuple[nn.Module, nn.Module | None, nn.Module | None]:
        """Inference copies of the nets (BatchNorm folded, channels-last: measured 5.6 -> 3.7 ms for the
        256 px pass on one thread), remade if any net was replaced."""
        key = (id(self.net), id(self.verifier), id(self.kinds))
        last = torch.channels_last

        def fast(m: nn.Module | None) -> nn.Module | None:
            return fold_batchnorm(copy.deepcopy(m)).eval().to(memory_format=last) if m is not None else None

        with self._lock:
            if self._fast is None or self._fast[0] != key:
                self._fast = (key, fast(self.net), fast(self.verifier), fast(self.kinds))
                self._lean_nets = tuple(Lean(m) if m is not None else None for m in self._fast[1:])
            return self._fast[1], self._fast[2], self._fast[3]

    def _lean(self) -> tuple[Lean, Lean | None, Lean | None]:
        """The folded nets as `Lean` runners (what `find` uses; `_folded` keeps the modules)."""
        self._folded()
        return self._lean_nets

    @torch.inference_mode()
    def candidates(self, img: Image.Image | np.ndarray, side: int | None = None) -> list[Detection]:
        """The heatmap's peaks alone, before the verifier's second look (too-small heads dropped)."""
        x, scale = to_input(img, side or self.config.input_side)
        size = _size(img)
        least = max(self.config.min_side_px, self.config.min_side_frac * max(size))
        out = self._lean()[0](x.contiguous(memory_format=torch.channels_last))
        return [d for d in decode(out.contiguous(), scale)
                if d.side >= least and _outside(d, size) <= self.config.max_outside]

    def _verified(self, img: Image.Image | np.ndarray, dets: list[Detection], floor: float,
                  mirror_peak: float = 2.0) -> list[Detection]:
        """The verifier's second look at the best candidates (`apply_verifier`). For a candidate whose
        heatmap peak is at least `mirror_peak`, its p is the larger of the crop's and the mirrored
        crop's (the box moves as the crop's own answer says)."""
        if self.verifier is None:
            return dets
        # the final score sqrt(peak * p) never exceeds sqrt(peak): a peak under floor**2 cannot reach the
        # floor, so it is not worth the verifier's time (most photos then verify one candidate, not four)
        least = max(self.config.verify_min, floor * floor)
        todo = [d for d in dets[: self.config.verify_top] if d.score >= least]
        if not todo:
            return []
        crops = crops_for(img, todo, self.verifier.config).contiguous(memory_format=torch.channels_last)
        out = self._lean()[1](crops)
        strong = torch.tensor([d.score >= mirror_peak for d in todo])
        if bool(strong.any()):
            flipped = self._lean()[1](crops.flip(-1).contiguous(memory_format=torch.channels_last))
            out = out.clone()
            out[:, 0] = torch.where(strong, torch.maximum(out[:, 0], flipped[:, 0]), out[:, 0])
        return apply_verifier(todo, out)

    @torch.inference_mode()
    def find(self, img: Image.Image, floor: float | None = None) -> list[Detection]:
        """Cat heads, best first (a dog's head is never among them: see `look`)."""
        return [d for d in self.look(img, floor) if d.kind == "cat"]

    @torch.inference_mode()
    def look(self, img: Image.Image, floor: float | None = None) -> list[Detection]:
        """Every head, cats' and dogs' (`Detection.kind`), best first. Candidates that are neither (an
        eye or a muzzle alone, a patterned cushion) are dropped, and a confident head that is a
        person's face (vae_core.human_faces) loses `people_penalty` of its score, so a cat beside it wins
        and a person alone is asked about."""
        c = self.config
        floor = self.threshold if floor is None else floor
        p_cat: dict[Detection, float] = {}  # head -> the kind net's p(cat), for the people check
        a = rgb_array(img)  # once: every step below reads the photo's pixels
        first = self.candidates(a)  # kept: the second look's unturned view starts from the same peaks
        dets = self.kinds_of(a, self._verified(a, first, floor), floor, p_cat)
        sure = [d for d in dets if d.score >= self.threshold and d.kind == "cat"]
        if c.zoom_side > c.input_side and (not sure or sure[0].side < c.zoom_below * max(img.size)):
            zoomed = self.kinds_of(a, self._verified(a, self.candidates(a, c.zoom_side), floor), floor,
                                   p_cat)
            dets = _suppress(sorted(dets + zoomed, key=lambda d: -d.score))
        if c.pad > 0 and (max(img.size) <= c.thumbnail
                          or not any(d.score >= self.threshold and d.kind == "cat" for d in dets)):
            dets = _suppress(sorted(dets + self.kinds_of(a, self._padded(img, floor), floor, p_cat),
                                    key=lambda d: -d.score))
        if c.second_turns and not any(d.score >= self.threshold for d in dets):
            dets = _suppress(sorted(dets + self._second_look(a, floor, p_cat, first), key=lambda d: -d.score))
        return self.calibrated(self._people_checked(a, dets, p_cat, floor))

    def _second_look(self, a: np.ndarray, floor: float, p_cat: dict[Detection, float],
                     first: list[Detection] | None = None) -> list[Detection]:
        """Heads found in the photo turned by each of `second_turns` (`FinderConfig`), judged by the kind
        net in the turned view (where the head is near upright), mapped back to the photo's pixels with
        the roll turned by the same angle. Cats under `second_cat_min` p(cat) are dropped, and heads of a
        turned view under `second_turn_min`. `first`: the heatmap's peaks on the photo as it is, when the
        first look already has them (the unturned view then costs no heatmap pass)."""
        c = self.config
        h, w = a.shape[:2]
        out: list[Detection] = []
        for turn in c.second_turns:
            k = (turn // 90) % 4  # np.rot90 turns counter-clockwise: the head's roll grows by 90 each
            view = np.ascontiguousarray(np.rot90(a, k)) if k else a
            seen: dict[Detection, float] = {}
            if not k and first is not None:
                if not any(d.score >= c.second_mirror_peak for d in first[: c.verify_top]):
                    continue  # without the mirror, the unturned view is the first look again
                peaks = first
            else:
                peaks = self.candidates(view)
            heads = self.kinds_of(view, self._verified(view, peaks, floor, c.second_mirror_peak),
                                  floor, seen)
            for d in heads:
                if (d.kind == "cat" and seen.get(d, 0.0) < c.second_cat_min) or (k and d.score < c.second_turn_min):
                    continue
                back = Detection(_turned_back(d.box, k, w, h), d.score, (d.angle + 90 * k + 180) % 360 - 180,
                                 d.kind)
                if d in seen:
                    p_cat[back] = seen[d]
                out.append(back)
        return sorted(out, key=lambda d: -d.score)

    def calibrated(self, dets: list[Detection]) -> list[Detection]:
        """Every box scaled by `box_scale` about its centre and moved `box_shift` of its side down the
        head (along its roll). Applied last: scores, kinds and order are those of the uncalibrated boxes."""
        k, shift = self.config.box_scale, self.config.box_shift
        if k == 1.0 and shift == 0.0:
            return dets
        out = []
        for d in dets:
            cx, cy = d.center
            side = d.side
            roll = math.radians(d.angle)  # a head leaning clockwise: its "down" turns towards -x
            cx, cy = cx - math.sin(roll) * shift * side, cy + math.cos(roll) * shift * side
            half = k * side / 2
            out.append(Detection((cx - half, cy - half, cx + half, cy + half), d.score, d.angle, d.kind))
        return out

    def _people_checked(self, img: Image.Image | np.ndarray, dets: list[Detection],
                        p_cat: dict[Detection, float] | None = None, floor: float | None = None) -> list[Detection]:
        """`people_penalty` (or `people_penalty_unsure`) off the score of each of the best `people_top`
        confident cat heads that the human-face cascade calls a person's. The cascade (1.7 ms a call) is
        not asked where its answer cannot change the outcome: a head that would stay above the threshold
        and `floor` after the largest penalty, where no other head's score (penalised or not) can fall
        between its penalised and its own score, is chosen, counted and ordered the same either way (only
        its reported score would differ), so it is left as it is."""
        c = self.config
        if c.people_penalty <= 0:
            return dets
        most = max(c.people_penalty, c.people_penalty_unsure)
        bar = max(self.threshold, self.threshold if floor is None else floor)
        out, checked = [], 0
        for d in dets:
            if d.kind == "cat" and d.score >= self.threshold and checked < c.people_top:
                checked += 1
                low = d.score * (1 - most)
                if c.people_skip_sure and low >= bar and not any(
                        o is not d and o.score >= low and o.score * (1 - most) <= d.score for o in dets):
                    out.append(d)
                    continue
                if self._human_faces().is_person(img, d):
                    unsure = (p_cat or {}).get(d, 1.0) < c.people_cat_min
                    cut = max(c.people_penalty, c.people_penalty_unsure) if unsure else c.people_penalty
                    d = Detection(d.box, d.score * (1 - cut), d.angle, d.kind)
            out.append(d)
        return sorted(out, key=lambda d: -d.score)

    def _human_faces(self):
        if self._people is None:
            from vae_core.human_faces import HumanFaces  # noqa: PLC0415  (loads a cascade file)

            self._people = HumanFaces()
        return self._people

    @torch.inference_mode()
    def kinds_of(self, img: Image.Image | np.ndarray, dets: list[Detection], floor: float | None = None,
                 p_cat: dict[Detection, float] | None = None) -> list[Detection]:
        """The kind net's verdict on the best few heads that can still clear `floor` (the rest pass as
        they are): each becomes a cat's or a dog's head, or is dropped (`KindConfig`'s rule). `p_cat`,
        when given, collects each kept cat head's p(cat)."""
        if self.kinds is None or not dets:
            return dets
        floor = self.threshold if floor is None else floor
        kc = self.kinds.config
        todo = [d for d in dets[: kc.top] if d.score >= floor]
        if not todo:
            return dets
        # a tilted head is judged turned upright, as the net mostly saw heads; the level ones in one cut
        tilted = [abs(d.angle) >= UPRIGHT_MIN_ANGLE for d in todo]
        level = [i for i, t in enumerate(tilted) if not t]
        crops = torch.empty(len(todo), 3, kc.crop, kc.crop)
        if level:
            crops[level] = crops_for(img, [todo[i] for i in level], kc)
        for i, t in enumerate(tilted):
            if t:
                crops[i] = upright_crop(img, todo[i], kc)
        probs = torch.softmax(self._lean()[2](crops.contiguous(memory_format=torch.channels_last)), 1).tolist()
        judged: dict[int, Detection | None] = {}
        for d, (pc, pd, _) in zip(todo, probs):
            kind = kind_verdict(kc, d.score, pc, pd)
            judged[id(d)] = None if kind is None else d if kind == "cat" else Detection(d.box, d.score, d.angle, kind)
            if kind == "cat" and p_cat is not None:
                p_cat[d] = pc
        return [j for j in (judged.get(id(d), d) for d in dets) if j is not None]

    def framed(self, img: Image.Image) -> tuple[Image.Image, int]:
        """The photo on a border of its mean colour (`config.pad` of its longest side each way), and
        the border's width: a head cut by a tight crop's edge is whole again to the heatmap."""
        b = round(self.config.pad * max(img.size))
        mean = tuple(int(v) for v in np.asarray(img.resize((1, 1), Image.Resampling.BOX)).reshape(3))
        framed = Image.new("RGB", (img.width + 2 * b, img.height + 2 * b), mean)
        framed.paste(img, (b, b))
        return framed, b

    def _padded(self, img: Image.Image, floor: float) -> list[Detection]:
        framed, b = self.framed(img)
        return [Detection((d.box[0] - b, d.box[1] - b, d.box[2] - b, d.box[3] - b), d.score, d.angle)
                for d in self._verified(framed, self.candidates(framed), floor)]
