"""Dataset splits: label maps and their renders as uint8 arrays, deterministic by seed.

Splits are independent streams (see landscape_maps.sample_rng), so the test split is the same
whatever the size of the training split.
"""
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import torch
import torch.nn.functional as F

from .core.tensors import device_of, images_to_tensor, tensor_to_images  # noqa: F401 (re-exported)
from .landscape_maps import CLASSES, make_label_map
from .landscape_render import render
from .painted_maps import brush_map, sketch_map

# The independent painted-style test set (painted_maps.sketch_map): never used in training or
# calibration, so the promise is measured off the training distribution.
PAINTED_TEST = "painted_test"


def _label_map(split, index, seed, painted_share):
    if split == PAINTED_TEST:
        lab, kind = sketch_map(index, seed)
        return lab, "painted:" + kind
    # Whether sample i is painted is its own draw, so the share does not shift other samples.
    if painted_share > 0 and np.random.default_rng([int(seed), 99, int(index)]).random() < painted_share:
        lab, kind = brush_map(split, index, seed)
        return lab, "painted:" + kind
    return make_label_map(split, index, seed)


def _make_samples(split, seed, indices, painted_share=0.0):
    out = []
    for i in indices:
        lab, tier = _label_map(split, i, seed, painted_share)
        out.append((lab, np.round(render(lab) * 255).astype(np.uint8), tier))
    return out


def make_split(split, count, seed=0, start=0, workers=None, painted_share=0.0):
    """-> (labels uint8 [N, H, W], images uint8 [N, H, W, 3], tiers list of str).

    `painted_share` of the samples are painted-style maps (painted_maps.brush_map; their tier
    reads "painted:<kind>"); split PAINTED_TEST is the independent painted-style test set.
    Samples are independent (one generator each), so large splits are rendered by `workers`
    processes (default: one per CPU) with the same result as one process."""
    indices = list(range(start, start + count))
    workers = min(workers or os.cpu_count() or 1, max(1, count // 64))
    if workers <= 1:
        samples = _make_samples(split, seed, indices, painted_share)
    else:
        chunks = [indices[k::workers] for k in range(workers)]
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_make_samples, [split] * workers, [seed] * workers, chunks, [painted_share] * workers))
        order = {i: s for chunk, part in zip(chunks, parts) for i, s in zip(chunk, part)}
        samples = [order[i] for i in indices]
    labels, images, tiers = zip(*samples)
    return np.stack(labels), np.stack(images), list(tiers)


def labels_to_tensor(labels, device=None):
    """uint8 [N, H, W] -> float32 one-hot [N, C, H, W] (on `device`, default the CPU)."""
    t = torch.from_numpy(np.ascontiguousarray(labels)).long().to(device)
    return F.one_hot(t, len(CLASSES)).permute(0, 3, 1, 2).float()
