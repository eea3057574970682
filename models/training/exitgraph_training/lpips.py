"""LPIPS v0.1 (alex, squeeze) in PyTorch, built from the shared weight files.

Why here and not the `lpips` package: no PyPI on the build machines, and the TypeScript side
builds the very same network from the very same files, so both must follow one written recipe.

Definition (identical in TypeScript):
  * images: float RGB, [N, 3, H, W], values in [-1, 1] (an image x in [0, 1] enters as x*2-1;
    uint8 u enters as u/127.5 - 1);
  * scaling layer: (x - shift) / scale, shift = [-0.030, -0.088, -0.188],
    scale = [0.458, 0.448, 0.450];
  * backbone taps (ReLU outputs): alex = after features.1, 4, 7, 9, 11 (conv0, conv3, conv6,
    conv8, conv10); squeeze = torchvision squeezenet1_1 `.features` after indices 1, 4, 7, 9,
    10, 11, 12 (its max-pools use ceil_mode=True);
  * per tap: f / (sqrt(sum_c f^2) + 1e-10); squared difference; 1x1 conv with linI (no bias);
    mean over space; sum over taps. Result: one distance per pair, shape [N].

Weights folder: the `.f32.bin` + `.json` files (see models/lpips/README.md), found via
the `weights_dir` argument, else $EXITGRAPH_WEIGHTS, else the shipped models/lpips. `export_lpips_weights.py` makes the files from the official package.
"""
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .paths import default_lpips_weights_dir

SHIFT = (-0.030, -0.088, -0.188)
SCALE = (0.458, 0.448, 0.450)
NETS = ("alex", "squeeze")


class LpipsWeightsMissing(FileNotFoundError):
    """The weights folder or one of its files is not where we looked."""


def resolve_weights_dir(weights_dir=None):
    return Path(weights_dir) if weights_dir is not None else default_lpips_weights_dir()


def load_weight_tensors(net, weights_dir=None):
    """Read `lpips_<net>_v0.1.f32.{json,bin}` into a dict name -> float32 tensor."""
    folder = resolve_weights_dir(weights_dir)
    meta_path = folder / f"lpips_{net}_v0.1.f32.json"
    bin_path = folder / f"lpips_{net}_v0.1.f32.bin"
    if not meta_path.is_file() or not bin_path.is_file():
        raise LpipsWeightsMissing(
            f"LPIPS weights for '{net}' not found: looked for {meta_path} and {bin_path} "
            f"(folder from the weights_dir argument, else $EXITGRAPH_WEIGHTS, else "
            f"the shipped models/lpips). To make the files: "
            f"`pip install lpips torchvision` then "
            f"`python3 -m exitgraph_training.export_lpips_weights --out <folder>` "
            f"and set EXITGRAPH_WEIGHTS=<folder>.")
    meta = json.loads(meta_path.read_text())
    blob = bin_path.read_bytes()
    tensors = {}
    for t in meta["tensors"]:
        arr = np.frombuffer(blob, dtype="<f4", count=t["nbytes"] // 4, offset=t["offset"])
        tensors[t["name"]] = torch.from_numpy(arr.reshape(t["shape"]).copy())
    return tensors


class _Fire(nn.Module):
    """SqueezeNet fire module with torchvision's attribute names."""

    def __init__(self, cin, squeeze, e1, e3):
        super().__init__()
        self.squeeze = nn.Conv2d(cin, squeeze, 1)
        self.expand1x1 = nn.Conv2d(squeeze, e1, 1)
        self.expand3x3 = nn.Conv2d(squeeze, e3, 3, padding=1)

    def forward(self, x):
        x = F.relu(self.squeeze(x))
        return torch.cat([F.relu(self.expand1x1(x)), F.relu(self.expand3x3(x))], 1)


def _alex_features():
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(),      # 0, 1 (tap)
        nn.MaxPool2d(3, 2), nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(),  # 2, 3, 4 (tap)
        nn.MaxPool2d(3, 2), nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),  # 5, 6, 7 (tap)
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),              # 8, 9 (tap)
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(),              # 10, 11 (tap)
    ), (1, 4, 7, 9, 11), (64, 192, 384, 256, 256)


def _squeeze_features():
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, stride=2), nn.ReLU(),                  # 0, 1 (tap)
        nn.MaxPool2d(3, 2, ceil_mode=True),                        # 2
        _Fire(64, 16, 64, 64), _Fire(128, 16, 64, 64),             # 3, 4 (tap)
        nn.MaxPool2d(3, 2, ceil_mode=True),                        # 5
        _Fire(128, 32, 128, 128), _Fire(256, 32, 128, 128),        # 6, 7 (tap)
        nn.MaxPool2d(3, 2, ceil_mode=True),                        # 8
        _Fire(256, 48, 192, 192), _Fire(384, 48, 192, 192),        # 9 (tap), 10 (tap)
        _Fire(384, 64, 256, 256), _Fire(512, 64, 256, 256),        # 11 (tap), 12 (tap)
    ), (1, 4, 7, 9, 10, 11, 12), (64, 128, 256, 384, 384, 512, 512)


class LPIPS(nn.Module):
    """Differentiable LPIPS distance; `forward(a, b)` -> [N] for images in [-1, 1].

    Parameters are frozen (requires_grad False) but gradients flow to the inputs, so it serves as
    a training loss. `features(x)` + `distance_from_features` let a caller reuse the features of
    a fixed target across several predictions (one backbone pass for the target, not one per
    comparison)."""

    def __init__(self, net="alex", weights_dir=None):
        super().__init__()
        if net not in NETS:
            raise ValueError(f"unknown LPIPS net '{net}', expected one of {NETS}")
        self.net_name = net
        builder = _alex_features if net == "alex" else _squeeze_features
        self.features, self.taps, channels = builder()
        self.lins = nn.ModuleList(nn.Conv2d(c, 1, 1, bias=False) for c in channels)
        self.register_buffer("shift", torch.tensor(SHIFT).view(1, 3, 1, 1))
        self.register_buffer("scale", torch.tensor(SCALE).view(1, 3, 1, 1))
        tensors = load_weight_tensors(net, weights_dir)
        state = {}
        for name, value in tensors.items():
            if name.startswith("features."):
                state[name] = value
            else:  # linI.model.1.weight
                index = int(name[3:name.index(".")])
                state[f"lins.{index}.weight"] = value
        self.load_state_dict(state, strict=False)
        missing = [k for k in self.state_dict() if k not in state and k not in ("shift", "scale")]
        if missing:
            raise ValueError(f"LPIPS {net} weights file lacks tensors: {missing}")
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()

    def train(self, mode=True):  # always in eval mode: no dropout/batchnorm, but keep API
        return super().train(False)

    def features_of(self, x):
        """Unit-normalised tap features of images in [-1, 1]."""
        h = (x - self.shift) / self.scale
        out = []
        last_tap = self.taps[-1]
        for i, layer in enumerate(self.features):
            h = layer(h)
            if i in self.taps:
                out.append(h / (torch.sqrt(torch.sum(h * h, dim=1, keepdim=True)) + 1e-10))
            if i == last_tap:
                break
        return out

    def distance_from_features(self, fa, fb):
        total = 0
        for lin, a, b in zip(self.lins, fa, fb):
            total = total + lin((a - b) ** 2).mean(dim=(1, 2, 3))
        return total

    def forward(self, a, b):
        return self.distance_from_features(self.features_of(a), self.features_of(b))


def load_image_minus1_1(path):
    """A PNG as a [1, 3, H, W] tensor in [-1, 1] (u8/127.5 - 1), as in the reference values."""
    from PIL import Image
    arr = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
    return torch.from_numpy(arr / 127.5 - 1.0).permute(2, 0, 1).unsqueeze(0)
