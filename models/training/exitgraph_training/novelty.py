"""The novelty reference a pack ships: its calibration inputs as exitgraph's novelty score
compares them (docs/early-exit.md, "Novel inputs"), in calibration.json's order.

Kind "label-grid" (what the landscape pack ships): the calibration maps' label grids, the same
numbers the predictor reads (model.label_grid, computed by exitgraph from an input's ids), as
counts: uint8 [count, C + 1, grid, grid], the samples of each class and the boundary samples
per cell. They are read at full resolution, so 1-px stripes and thin lines count, which a
low-resolution copy of the map loses.

Kind "maps" (earlier packs): the calibration maps at 32 x 32, uint8 [count, size, size] class
ids; the downsampling rule is exitgraph's resizeLabelMapNearest: source pixel
floor((i + 0.5) * H / size).
"""
import numpy as np
import torch

SIZE = 32


def nearest_indices(source, size):
    return np.minimum(source - 1, np.floor((np.arange(size) + 0.5) * source / size).astype(np.int64))


def novelty_label_grids(labels, to_one_hot, grid_of, stride, batch=256):
    """uint8 [N, H, W] class ids -> uint8 [N, C + 1, grid, grid]: `grid_of` (model.label_grid) of
    each map's one-hot (`to_one_hot`), each share times the samples per cell (exact: the shares
    are counts over that number)."""
    shares = torch.cat([grid_of(to_one_hot(labels[s:s + batch])) for s in range(0, len(labels), batch)])
    return label_grid_counts(shares, labels.shape[-1], stride)


def label_grid_counts(shares, size, stride):
    samples = (size // stride // shares.shape[-1]) ** 2
    if samples > 255:
        raise ValueError(f"novelty label grids: {samples} samples per cell do not fit in a byte")
    counts = torch.round(shares * samples)
    assert torch.allclose(counts / samples, shares, atol=1e-5), "label-grid shares are not counts"
    return np.ascontiguousarray(counts.to(torch.uint8).numpy())


def novelty_maps(labels, size=SIZE):
    """uint8 [N, H, W] -> uint8 [N, size, size] by nearest neighbour (exitgraph's rule)."""
    labels = np.asarray(labels)
    rows = nearest_indices(labels.shape[1], size)
    cols = nearest_indices(labels.shape[2], size)
    return np.ascontiguousarray(labels[:, rows][:, :, cols], np.uint8)
