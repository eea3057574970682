"""Dataset splits: label maps and their renders as uint8 arrays, deterministic by seed.

Splits are independent streams (see landscape_maps.sample_rng), so the test split is the same
whatever the size of the training split.
"""
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import torch
import torch.nn.functional as F

from .landscape_maps import CLASSES, make_label_map
from .landscape_render import render


def _make_samples(split, seed, indices):
    out = []
    for i in indices:
        lab, tier = make_label_map(split, i, seed)
        out.append((lab, np.round(render(lab) * 255).astype(np.uint8), tier))
    return out


def make_split(split, count, seed=0, start=0, workers=None):
    """-> (labels uint8 [N, H, W], images uint8 [N, H, W, 3], tiers list of str).

    Samples are independent (one generator each), so large splits are rendered by `workers`
    processes (default: one per CPU) with the same result as one process."""
    indices = list(range(start, start + count))
    workers = min(workers or os.cpu_count() or 1, max(1, count // 64))
    if workers <= 1:
        samples = _make_samples(split, seed, indices)
    else:
        chunks = [indices[k::workers] for k in range(workers)]
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_make_samples, [split] * workers, [seed] * workers, chunks))
        order = {i: s for chunk, part in zip(chunks, parts) for i, s in zip(chunk, part)}
        samples = [order[i] for i in indices]
    labels, images, tiers = zip(*samples)
    return np.stack(labels), np.stack(images), list(tiers)


def labels_to_tensor(labels, device=None):
    """uint8 [N, H, W] -> float32 one-hot [N, C, H, W] (on `device`, default the CPU)."""
    t = torch.from_numpy(np.ascontiguousarray(labels)).long().to(device)
    return F.one_hot(t, len(CLASSES)).permute(0, 3, 1, 2).float()


def images_to_tensor(images, device=None):
    """uint8 [N, H, W, 3] -> float32 [N, 3, H, W] in [-1, 1] (u/127.5 - 1)."""
    t = torch.from_numpy(np.ascontiguousarray(images)).to(device).float()
    return t.permute(0, 3, 1, 2) / 127.5 - 1.0


def device_of(module):
    """The device a module's parameters live on (where its inputs must go)."""
    return next(module.parameters()).device


def tensor_to_images(x):
    """[N, 3, H, W] in [-1, 1] -> uint8 [N, H, W, 3]."""
    x = ((x.detach().clamp(-1, 1) + 1) * 127.5).round().byte()
    return x.permute(0, 2, 3, 1).cpu().numpy()
