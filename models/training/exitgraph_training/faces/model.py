"""The face-reenactment network with early exits: source (identity A) + driving (expression and
pose E) -> A showing E, 128x128, images in [-1, 1].

Stage (once per source, cached by the runtime; its cost is reported apart):
  appearance encoder: source -> appearance [32, 32x32] (what A looks like, where A's head is)
                                 appearance_detail [8, 128x128] (A's fine texture)
Per frame:
  segment0: motion encoder of the driver (pooled to 64x64)             -> feat0 [64, 16x16]
  segment1: dense motion at 32x32 from (appearance, feat0): a flow field
            and an occlusion mask; appearance warped, fused with motion  -> feat1 [48, 32x32], flow
  segment2: x2, decoder convs at 64x64                                   -> feat2 [24, 64x64]
  segment3: residual block at 64x64                                      -> feat3 [24, 64x64]
  segment4: x2, appearance_detail warped by the (upsampled) flow and unwarped,
            decoder at full resolution                                   -> feat4 [32, 128x128]
  head4 (the full model's output layer)                                  -> image4
Only segment 4 works at 128x128 in the backbone; hair strands, freckles, glasses frames and
striped backgrounds are what the early exits render worst.

Exit heads 0..3 are lightweight convs at their stage's resolution (deeper where the stage is
coarse), then a thin full-resolution refine that reads appearance_detail warped by segment 1's
flow (unwarped for head 0, which comes before the flow), pooled to the head's own resolution
(`--exit-texture`, below). They also take the FIANCEE guide (the
neutral frontal portrait of the nearest identity in the guide database, 3x32x32, see guides.py);
head 0 also reads the appearance (the stage output), since feat0 knows only the driver.
The flow starts at zero (identity warp) so that early training is a plain decoder.
"""
from typing import NamedTuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..core.blocks import FullResRefine

SIZE = 128
APPEARANCE_CHANNELS = 32
DETAIL_CHANNELS = 8
STAGE_CHANNELS = (64, 48, 24, 24, 32)
STAGE_SIZES = (16, 32, 64, 64, 128)
GUIDE_CHANNELS = 3
GUIDE_SIZE = 32
FLOW_RANGE = 0.5   # largest displacement, in units of half the image


def _act(x):
    return F.leaky_relu(x, 0.2)


def base_grid(size):
    c = (torch.arange(size, dtype=torch.float32) + 0.5) / size * 2.0 - 1.0
    gy, gx = torch.meshgrid(c, c, indexing="ij")
    return torch.stack([gx, gy], -1)[None]     # [1, S, S, 2] (x, y), grid_sample's layout


def warp(features, flow, grid):
    """Sample `features` at grid + flow (flow [N, 2, S, S] at the features' resolution)."""
    return F.grid_sample(features, grid + flow.permute(0, 2, 3, 1), mode="bilinear",
                         padding_mode="border", align_corners=False)


class ResBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv0 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return x + self.conv1(_act(self.conv0(_act(x))))


class AppearanceEncoder(nn.Module):
    """The stage: depends on the source only."""

    def __init__(self):
        super().__init__()
        self.detail = nn.Conv2d(3, DETAIL_CHANNELS, 3, padding=1)
        self.down0 = nn.Conv2d(DETAIL_CHANNELS, 24, 3, stride=2, padding=1)      # 64
        self.down1 = nn.Conv2d(24, APPEARANCE_CHANNELS, 3, stride=2, padding=1)   # 32
        self.block = ResBlock(APPEARANCE_CHANNELS)

    def forward(self, source):
        detail = _act(self.detail(source))
        h = _act(self.down0(detail))
        return self.block(self.down1(h)), detail


class MotionEncoder(nn.Module):
    """segment0: the driver's expression and pose, 16x16."""

    def __init__(self):
        super().__init__()
        c = STAGE_CHANNELS[0]
        self.conv0 = nn.Conv2d(3, 16, 3, stride=2, padding=1)   # 32
        self.conv1 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, c, 3, stride=2, padding=1)   # 16
        self.conv3 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, driving):
        x = F.avg_pool2d(driving, 2)
        x = _act(self.conv1(_act(self.conv0(x))))
        x = _act(self.conv2(x))
        return x + self.conv3(_act(x))


class DenseMotion(nn.Module):
    """segment1: flow + occlusion at 32x32 from appearance and motion; warps the appearance."""

    def __init__(self):
        super().__init__()
        a, m, c = APPEARANCE_CHANNELS, STAGE_CHANNELS[0], STAGE_CHANNELS[1]
        self.conv0 = nn.Conv2d(a + m, 32, 3, padding=1)
        self.conv1 = nn.Conv2d(32, 32, 3, padding=1)
        self.flow = nn.Conv2d(32, 3, 3, padding=1)     # 2 flow channels + occlusion logit
        nn.init.zeros_(self.flow.weight)
        nn.init.zeros_(self.flow.bias)
        self.fuse = nn.Conv2d(a + m, c, 3, padding=1)
        self.register_buffer("grid", base_grid(STAGE_SIZES[1]), persistent=False)

    def forward(self, feat0, appearance):
        m = F.interpolate(feat0, scale_factor=2.0, mode="nearest")
        h = _act(self.conv1(_act(self.conv0(torch.cat([appearance, m], 1)))))
        out = self.flow(h)
        flow = FLOW_RANGE * torch.tanh(out[:, :2])
        occlusion = torch.sigmoid(out[:, 2:3] + 3.0)   # starts nearly fully visible
        warped = warp(appearance, flow, self.grid) * occlusion
        return _act(self.fuse(torch.cat([warped, m], 1))), flow


class Up64(nn.Module):
    """segment2: x2 and decoder convs at 64x64."""

    def __init__(self):
        super().__init__()
        self.conv0 = nn.Conv2d(STAGE_CHANNELS[1], STAGE_CHANNELS[2], 3, padding=1)
        self.conv1 = nn.Conv2d(STAGE_CHANNELS[2], STAGE_CHANNELS[2], 3, padding=1)

    def forward(self, feat1):
        x = _act(self.conv0(F.interpolate(feat1, scale_factor=2.0, mode="nearest")))
        return x + self.conv1(x)


class Block64(nn.Module):
    """segment3: one residual block at 64x64."""

    def __init__(self):
        super().__init__()
        self.block = ResBlock(STAGE_CHANNELS[3])

    def forward(self, feat2):
        return self.block(feat2)


class Full128(nn.Module):
    """segment4: x2, the source's texture warped into place and as it is, decoder at full
    resolution. The unwarped texture is what a static background shows in every frame: warped
    by a flow learnt at 32x32, texture finer than a few pixels (pinstripes) comes out blurred,
    where the texture as it is needs no flow at all; the decoder picks per pixel (with feat3's
    idea of where the head is) which of the two to draw."""

    def __init__(self):
        super().__init__()
        c = STAGE_CHANNELS[4]
        self.conv0 = nn.Conv2d(STAGE_CHANNELS[3] + 2 * DETAIL_CHANNELS, c, 3, padding=1)
        self.block = ResBlock(c)
        self.register_buffer("grid", base_grid(SIZE), persistent=False)

    def forward(self, feat3, flow, appearance_detail):
        flow_hi = F.interpolate(flow, size=(SIZE, SIZE), mode="bilinear", align_corners=False)
        detail = warp(appearance_detail, flow_hi, self.grid)
        x = F.interpolate(feat3, scale_factor=2.0, mode="nearest")
        return self.block(_act(self.conv0(torch.cat([x, detail, appearance_detail], 1))))


class FullHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(STAGE_CHANNELS[-1], 3, 3, padding=1)

    def forward(self, feat4):
        return torch.tanh(self.conv(_act(feat4)))


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.stage = AppearanceEncoder()
        self.segments = nn.ModuleList([MotionEncoder(), DenseMotion(), Up64(), Block64(), Full128()])
        self.head = FullHead()

    def frame(self, driving, appearance, detail):
        """The per-frame path -> (full image, [feat0..feat4], flow)."""
        feat0 = self.segments[0](driving)
        feat1, flow = self.segments[1](feat0, appearance)
        feat2 = self.segments[2](feat1)
        feat3 = self.segments[3](feat2)
        feat4 = self.segments[4](feat3, flow, detail)
        feats = [feat0, feat1, feat2, feat3, feat4]
        return self.head(feat4), feats, flow

    def forward(self, source, driving):
        """-> (full image, feats, stage outputs dict)."""
        appearance, detail = self.stage(source)
        full, feats, flow = self.frame(driving, appearance, detail)
        return full, feats, {"appearance": appearance, "appearance_detail": detail, "flow": flow}


# exit heads: (width, convs at stage resolution, resolution); deeper where the stage is cheap
HEAD_SHAPES = ((24, 3, 32), (24, 3, 32), (16, 2, 64), (16, 2, 64))
# each head's full-resolution refine (core.blocks.FullResRefine): (width, convs)
REFINE_SHAPES = ((8, 2), (8, 2), (16, 3), (16, 3))
# `--exit-texture`: the resolution of the source texture an exit's refine reads. "stage" (the
# default, as shipped): the head's own working resolution (32 or 64), so detail finer than that
# (pinstripes, 1-2 pixel glasses frames and strands) is left to segment 4, and the deeper exits
# and the full model earn their cost on the pairs that show it. "full": 128x128, the earlier
# design, where every exit copied that detail and no pair needed the full model (docs/faces.md).
EXIT_TEXTURES = ("full", "stage")
DEFAULT_EXIT_TEXTURE = "stage"


class ExitHead(nn.Module):
    """Coarse picture at the stage's resolution (from the stage's features, the guide and, for
    head 0, the appearance), then a full-resolution refine that reads the source's texture
    (appearance_detail) warped into place by segment 1's flow: without it the early exits lost
    the identity's colours and fine texture, which only segment 4 saw. Head 0 comes before the
    flow and reads the texture unwarped."""

    def __init__(self, stage, use_guide=True, texture=DEFAULT_EXIT_TEXTURE):
        super().__init__()
        if texture not in EXIT_TEXTURES:
            raise ValueError(f"exit texture {texture!r}: expected one of {EXIT_TEXTURES}")
        width, depth, size = HEAD_SHAPES[stage]
        self.stage, self.size, self.use_guide, self.texture = stage, size, use_guide, texture
        cin = STAGE_CHANNELS[stage] + GUIDE_CHANNELS + (APPEARANCE_CHANNELS if stage == 0 else 0)
        layers = []
        for i in range(depth):
            layers += [nn.Conv2d(cin if i == 0 else width, width, 3, padding=1), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        self.out = nn.Conv2d(width, 3, 3, padding=1)
        self.refine = FullResRefine(DETAIL_CHANNELS, *REFINE_SHAPES[stage])
        if stage > 0:
            self.register_buffer("grid", base_grid(SIZE), persistent=False)

    def forward(self, feat, guide, detail, appearance=None, flow=None):
        if not self.use_guide:
            guide = torch.zeros_like(guide)
        if feat.shape[-1] != self.size:
            feat = F.interpolate(feat, size=(self.size, self.size), mode="nearest")
        if guide.shape[-1] != self.size:
            guide = F.interpolate(guide, size=(self.size, self.size), mode="bilinear", align_corners=False)
        parts = [feat, guide] + ([appearance] if self.stage == 0 else [])
        coarse = self.out(self.body(torch.cat(parts, 1)))
        if flow is not None:
            flow_hi = F.interpolate(flow, size=(SIZE, SIZE), mode="bilinear", align_corners=False)
            detail = warp(detail, flow_hi, self.grid)
        if self.texture == "stage":
            # a constant scale (not a size) keeps the exported Resize's shape inferable
            factor = SIZE // self.size
            detail = F.interpolate(F.avg_pool2d(detail, factor), scale_factor=factor,
                                   mode="bilinear", align_corners=False)
        return self.refine(coarse, detail)


class HeadInput(NamedTuple):
    """What the exit heads read besides their stage's features (Forward.head_input)."""
    appearance: torch.Tensor   # the stage's appearance code, for head 0
    detail: torch.Tensor       # the stage's appearance_detail, for every refine
    flow: torch.Tensor         # segment 1's flow, for heads 1..3


class ExitHeads(nn.Module):
    def __init__(self, use_guide=True, texture=DEFAULT_EXIT_TEXTURE):
        super().__init__()
        self.heads = nn.ModuleList(ExitHead(i, use_guide, texture) for i in range(len(HEAD_SHAPES)))

    def forward(self, feats, guide, extra):
        return [head(feats[0], guide, extra.detail, appearance=extra.appearance) if i == 0 else
                head(feats[i], guide, extra.detail, flow=extra.flow)
                for i, head in enumerate(self.heads)]


class Predictor(nn.Module):
    """(source, driving) -> predicted LPIPS-to-full per exit ([N, E], the last ~0).

    Sees both inputs pooled to 32x32, plus for each a detail-density channel (how much the image
    changes around each full-resolution pixel: fine texture is what early exits lose), so that it
    costs well under 1% of the per-frame MACs."""

    def __init__(self, num_exits):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(8, 24, 3, stride=2, padding=1), nn.LeakyReLU(0.2),    # 16
            nn.Conv2d(24, 32, 3, stride=2, padding=1), nn.LeakyReLU(0.2),   # 8
            nn.Conv2d(32, 48, 3, stride=2, padding=1), nn.LeakyReLU(0.2),   # 4
        )
        self.fc = nn.Sequential(nn.Linear(48 * 2 + 8, 48), nn.LeakyReLU(0.2), nn.Linear(48, num_exits))

    @staticmethod
    def pooled_input(source, driving):
        def detail(x):
            local = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
            return (x - local).abs().sum(1, keepdim=True)
        x = torch.cat([source, driving, detail(source), detail(driving)], 1)
        return F.avg_pool2d(x, int(source.shape[-1]) // 32)

    def forward(self, source, driving):
        return self.forward_pooled(self.pooled_input(source, driving))

    def forward_pooled(self, x):
        h = self.body(x)
        pooled = torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3)), x.mean(dim=(2, 3))], 1)
        return F.softplus(self.fc(pooled))
