"""Dataset splits: label maps and their renders as uint8 arrays, deterministic by seed.

Splits are independent streams (see landscape_maps.sample_rng), so the test split is the same
whatever the size of the training split.
"""
import numpy as np
import torch
import torch.nn.functional as F

from .landscape_maps import CLASSES, make_label_map
from .landscape_render import render


def make_split(split, count, seed=0, start=0):
    """-> (labels uint8 [N, H, W], images uint8 [N, H, W, 3], tiers list of str)."""
    labels, images, tiers = [], [], []
    for i in range(start, start + count):
        lab, tier = make_label_map(split, i, seed)
        labels.append(lab)
        images.append(np.round(render(lab) * 255).astype(np.uint8))
        tiers.append(tier)
    return np.stack(labels), np.stack(images), tiers


def labels_to_tensor(labels):
    """uint8 [N, H, W] -> float32 one-hot [N, C, H, W]."""
    t = torch.from_numpy(np.ascontiguousarray(labels)).long()
    return F.one_hot(t, len(CLASSES)).permute(0, 3, 1, 2).float()


def images_to_tensor(images):
    """uint8 [N, H, W, 3] -> float32 [N, 3, H, W] in [-1, 1] (u/127.5 - 1)."""
    t = torch.from_numpy(np.ascontiguousarray(images)).float()
    return t.permute(0, 3, 1, 2) / 127.5 - 1.0


def tensor_to_images(x):
    """[N, 3, H, W] in [-1, 1] -> uint8 [N, H, W, 3]."""
    x = ((x.detach().clamp(-1, 1) + 1) * 127.5).round().byte()
    return x.permute(0, 2, 3, 1).cpu().numpy()
