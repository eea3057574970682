"""Network building blocks more than one task's exit heads use."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class FullResRefine(nn.Module):
    """An exit head's last step, at the output resolution.

    Exit heads work at their stage's coarse resolution; upsampled bilinearly, their pictures
    lose exactly what the full model's last segment adds: sharp region boundaries and fine
    texture. This block takes the head's coarse picture (logits, before tanh), upsamples it and
    adds a residual computed from it and from full-resolution evidence the pack already holds
    (the label map; the source's texture warped into place), then tanh. A few thin convs at full
    resolution: a small share of the full model's MACs. `kernel=1` makes it per pixel: it can
    then place colours and boundaries where the evidence says, but draws no texture of its own.

    The last conv starts at zero, so an untrained refine is the plain upsampled head (a head
    trained without it, loaded into one with it, starts where it was)."""

    def __init__(self, evidence_channels, width, depth=2, kernel=3):
        super().__init__()
        layers, cin, pad = [], 3 + evidence_channels, kernel // 2
        for _ in range(depth - 1):
            layers += [nn.Conv2d(cin, width, kernel, padding=pad), nn.LeakyReLU(0.2)]
            cin = width
        last = nn.Conv2d(cin, 3, kernel, padding=pad)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        self.body = nn.Sequential(*layers, last)

    def forward(self, coarse_logits, evidence):
        size = tuple(evidence.shape[-2:])
        up = coarse_logits if tuple(coarse_logits.shape[-2:]) == size else \
            F.interpolate(coarse_logits, size=size, mode="bilinear", align_corners=False)
        return torch.tanh(up + self.body(torch.cat([up, evidence], 1)))


def load_matching(module, state):
    """Load the entries of `state` whose names and shapes match `module`'s; -> names loaded.
    (A retrained head set starts from an older one where the two agree.)"""
    own = module.state_dict()
    taken = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    own.update(taken)
    module.load_state_dict(own)
    return sorted(taken)
