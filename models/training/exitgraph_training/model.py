"""The early-exit generator: a SPADE-style backbone cut into segments, plus exit heads.

Backbone (label map [N, C, 128, 128] one-hot -> image [N, 3, 128, 128] in [-1, 1]):
  segment0: label map area-pooled to 16x16 -> conv -> 2 SPADE res-blocks        -> feat0 16x16
  segment1: x2 nearest -> SPADE res-block                                       -> feat1 32x32
  segment2: x2 nearest -> SPADE res-block                                       -> feat2 64x64
  segment3: SPADE res-block                                                     -> feat3 64x64
  segment4: x2 nearest -> 3 SPADE res-blocks                                    -> feat4 128x128
  head4 (the full model's output layer): conv -> tanh                           -> image4
Only the last segment works at full resolution, as in SPADE-like generators whose last stage
renders the finest detail. (A first design ran segment3 at 128x128 too: its exit then matched the
full output within LPIPS 0.1 on every test map, so no input ever needed the full model.)
Every segment also reads the label map (SPADE modulation), as in the pack's tensor pool.

Exit heads 0..3 are lightweight: a few convs at their stage's own resolution (depth varies: more
layers where the stage is coarse and cheap) to a coarse picture, then (`--exit-refine`) either a
bilinear resize to 128x128 ("none") or a thin refine at 128x128 that also reads the label map
("pixel": 1x1 convs, "full": 3x3 convs; core.blocks.FullResRefine). The shipped pack uses "full":
painted maps are mostly long boundaries between large flat regions, and a resized coarse picture
blurs every one of them, so without the refine no exit came near the full output on hand-painted
maps. The price is that on the procedural maps even the 16x16 exit comes within LPIPS ~0.05 of the
full output, so at tau 0.1 almost no map needs the later exits (models/training/README.md has
both designs' figures). They also take the FIANCEE guide (a retrieved 3x32x32 picture, see
guides.py), resized to their resolution; the ablation heads take zeros instead.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .core.blocks import FullResRefine
from .landscape_maps import CLASSES, SIZE

NUM_CLASSES = len(CLASSES)
STAGE_CHANNELS = (64, 48, 32, 32, 16)
STAGE_SIZES = (16, 32, 64, 64, 128)
GUIDE_CHANNELS = 3
GUIDE_SIZE = 32


def pool_labels(label_map, size):
    """Area-pool the one-hot map to size x size (class fractions per cell)."""
    factor = int(label_map.shape[-1]) // size
    return label_map if factor == 1 else F.avg_pool2d(label_map, factor)


class Spade(nn.Module):
    """Parameter-free instance norm, modulated per pixel by the (pooled) label map."""

    def __init__(self, channels, hidden):
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels, affine=False)
        self.shared = nn.Sequential(nn.Conv2d(NUM_CLASSES, hidden, 3, padding=1), nn.ReLU())
        self.gamma = nn.Conv2d(hidden, channels, 3, padding=1)
        self.beta = nn.Conv2d(hidden, channels, 3, padding=1)

    def forward(self, x, labels):
        s = self.shared(labels)
        return self.norm(x) * (1 + self.gamma(s)) + self.beta(s)


class SpadeResBlock(nn.Module):
    def __init__(self, cin, cout, hidden):
        super().__init__()
        mid = min(cin, cout)
        self.norm0 = Spade(cin, hidden)
        self.conv0 = nn.Conv2d(cin, mid, 3, padding=1)
        self.norm1 = Spade(mid, hidden)
        self.conv1 = nn.Conv2d(mid, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1, bias=False) if cin != cout else None

    def forward(self, x, labels):
        h = self.conv0(F.leaky_relu(self.norm0(x, labels), 0.2))
        h = self.conv1(F.leaky_relu(self.norm1(h, labels), 0.2))
        return (x if self.skip is None else self.skip(x)) + h


class Segment0(nn.Module):
    def __init__(self):
        super().__init__()
        c = STAGE_CHANNELS[0]
        self.stem = nn.Conv2d(NUM_CLASSES, c, 3, padding=1)
        self.block0 = SpadeResBlock(c, c, 32)
        self.block1 = SpadeResBlock(c, c, 32)

    def forward(self, label_map):
        lab = pool_labels(label_map, STAGE_SIZES[0])
        x = self.stem(lab)
        return self.block1(self.block0(x, lab), lab)


class UpSegment(nn.Module):
    """Optionally doubles the resolution, then SPADE res-block(s)."""

    def __init__(self, index, hidden, blocks=1):
        super().__init__()
        self.size = STAGE_SIZES[index]
        self.upsample = STAGE_SIZES[index] != STAGE_SIZES[index - 1]
        cin, cout = STAGE_CHANNELS[index - 1], STAGE_CHANNELS[index]
        self.blocks = nn.ModuleList(SpadeResBlock(cin if b == 0 else cout, cout, hidden)
                                    for b in range(blocks))

    def forward(self, feat, label_map):
        if self.upsample:
            feat = F.interpolate(feat, scale_factor=2.0, mode="nearest")
        lab = pool_labels(label_map, self.size)
        for block in self.blocks:
            feat = block(feat, lab)
        return feat


class FullHead(nn.Module):
    """The backbone's own output layer (exit 'full')."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(STAGE_CHANNELS[-1], 3, 3, padding=1)

    def forward(self, feat):
        return torch.tanh(self.conv(F.leaky_relu(feat, 0.2)))


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        hidden = (None, 32, 24, 16, 16)
        blocks = (None, 1, 1, 1, 3)   # the last, full-resolution segment is the deepest
        self.segments = nn.ModuleList([Segment0()] + [UpSegment(i, hidden[i], blocks[i]) for i in range(1, 5)])
        self.head = FullHead()

    def features(self, label_map):
        feats = [self.segments[0](label_map)]
        for seg in self.segments[1:]:
            feats.append(seg(feats[-1], label_map))
        return feats

    def forward(self, label_map):
        feats = self.features(label_map)
        return self.head(feats[-1]), feats


# exit heads: (width, number of convs at stage resolution); deeper where the stage is cheap
HEAD_SHAPES = ((32, 3), (24, 3), (16, 2), (16, 2))


# the exit heads' full-resolution refine (core.blocks.FullResRefine), `--exit-refine`: none
# (bilinear resize only), pixel (1x1 convs: colours and boundaries where the map has them, no
# texture of its own) or full (3x3 convs; the shipped pack); (width, convs) per head
EXIT_REFINES = ("none", "pixel", "full")
REFINE_SHAPES = {"pixel": ((16, 2), (16, 2), (16, 2), (16, 2)),
                 "full": ((8, 2), (8, 2), (16, 3), (16, 3))}


class ExitHead(nn.Module):
    """A lightweight branch: a few convs at its stage's resolution to a coarse picture, then a
    bilinear resize to 128x128, or (refine "pixel" / "full") a thin refine at 128x128 that also
    reads the label map. Coarse stages give coarse pictures: that is the point."""

    def __init__(self, stage, use_guide=True, refine="none"):
        super().__init__()
        width, depth = HEAD_SHAPES[stage]
        self.stage = stage
        self.use_guide = use_guide
        cin = STAGE_CHANNELS[stage] + GUIDE_CHANNELS
        layers = []
        for i in range(depth):
            layers += [nn.Conv2d(cin if i == 0 else width, width, 3, padding=1), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        self.out = nn.Conv2d(width, 3, 3, padding=1)
        self.refine = None if refine == "none" else \
            FullResRefine(NUM_CLASSES, *REFINE_SHAPES[refine][stage], kernel=1 if refine == "pixel" else 3)

    def forward(self, feat, guide, label_map=None):
        size = STAGE_SIZES[self.stage]
        if not self.use_guide:
            guide = torch.zeros_like(guide)
        if guide.shape[-1] != size:
            guide = F.interpolate(guide, size=(size, size), mode="bilinear", align_corners=False)
        coarse = self.out(self.body(torch.cat([feat, guide], 1)))
        if self.refine is not None:
            return self.refine(coarse, label_map)
        img = torch.tanh(coarse)
        if size != SIZE:
            img = F.interpolate(img, size=(SIZE, SIZE), mode="bilinear", align_corners=False)
        return img


class ExitHeads(nn.Module):
    def __init__(self, use_guide=True, refine="none"):
        super().__init__()
        self.refine = refine
        self.heads = nn.ModuleList(ExitHead(i, use_guide, refine) for i in range(len(HEAD_SHAPES)))

    def forward(self, feats, guide, label_map=None):
        return [head(feats[i], guide, label_map) for i, head in enumerate(self.heads)]


# The predictor's input, computed by exitgraph from the label ids (manifest `predictor.features`,
# kind "label-grid"; sdk/early-exit/packs/predictor-features.ts) rather than by an ONNX pass over the
# 128x128 one-hot: a run of any extra ONNX graph over the full-size map cost more time than the
# predictor's own layers (docs/onnx-runtime.md, "Ninth round").
FEATURE_GRID = 8      # cells per side
FEATURE_STRIDE = 2    # every 2nd pixel of every 2nd row is read: 64x64 samples, 8x8 per cell
FEATURE_CHANNELS = NUM_CLASSES + 1
FEATURE_BOUNDARY = "pixel-or-sample"   # manifest predictor.features.boundary


def label_grid(label_map, grid=FEATURE_GRID, stride=FEATURE_STRIDE, boundary=FEATURE_BOUNDARY):
    """One-hot [N, C, H, W] -> [N, C + 1, grid, grid]: per cell, the share of the sampled pixels
    of each class, and the share of sampled pixels on a class boundary (boundary density: small
    regions and thin structures make a map hard). The samples are label_map[..., ::stride,
    ::stride]; a cell is (H / stride / grid) samples a side.

    `boundary` says which neighbours a sample is compared with, right of it and below it:
    "sampled", the next samples (stride pixels away: the first packs' rule); "pixel-or-sample",
    those and the next pixels in the full map, so that 1-px stripes, thin lines between the
    sampled rows and checkerboards, which the samples alone read as one flat class, count as
    boundary too. A neighbour past the map's edge is no boundary."""
    ids_full = label_map.argmax(1)
    ids = ids_full[:, ::stride, ::stride]
    n, h, w = ids.shape
    shares = F.one_hot(ids, label_map.shape[1]).permute(0, 3, 1, 2).float()
    edge = torch.zeros(n, h, w, dtype=torch.bool, device=ids.device)
    if boundary not in ("sampled", "pixel-or-sample"):
        raise ValueError(f"label_grid: boundary must be 'sampled' or 'pixel-or-sample', got {boundary!r}")
    edge[:, :, :-1] |= ids[:, :, :-1] != ids[:, :, 1:]
    edge[:, :-1, :] |= ids[:, :-1, :] != ids[:, 1:, :]
    if boundary == "pixel-or-sample":
        pixel = torch.zeros_like(ids_full, dtype=torch.bool)
        pixel[:, :, :-1] |= ids_full[:, :, :-1] != ids_full[:, :, 1:]
        pixel[:, :-1, :] |= ids_full[:, :-1, :] != ids_full[:, 1:, :]
        edge |= pixel[:, ::stride, ::stride]
    cell = h // grid
    return F.avg_pool2d(torch.cat([shares, edge[:, None].float()], 1), cell)


class Predictor(nn.Module):
    """Label map -> predicted LPIPS-to-full per exit ([N, E], the last is ~0 by construction).

    Reads `label_grid` of the map (11 x 8 x 8 numbers the runtime computes while it reads the
    ids), flattened, through three dense layers: about 50 thousand MACs, and a chain of Gemm and
    activation ops that exitgraph evaluates in JS on the CPU (dense-predictor.ts) instead of a
    session run, which costs more than the layers themselves (docs/onnx-runtime.md, "Tenth
    round")."""

    def __init__(self, num_exits, hidden=(64, 32)):
        super().__init__()
        layers, width = [], FEATURE_CHANNELS * FEATURE_GRID * FEATURE_GRID
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        self.body = nn.Sequential(nn.Flatten(), *layers, nn.Linear(width, num_exits))

    def forward(self, label_map):
        return self.forward_pooled(self.pooled_input(label_map))

    @staticmethod
    def pooled_input(label_map):
        return label_grid(label_map)

    def forward_pooled(self, lab):
        """The same on `label_grid(label_map)`: what predictor.onnx takes."""
        return F.softplus(self.body(lab))


class PredictorFile(nn.Module):
    """predictor.onnx: the predictor on its `label_grid` input."""

    def __init__(self, predictor):
        super().__init__()
        self.predictor = predictor

    def forward(self, lab):
        return self.predictor.forward_pooled(lab)
