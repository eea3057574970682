"""The novelty reference a pack ships: its calibration maps at low resolution.

exitgraph scores how unlike the calibration set an input is (docs/early-exit.md, "Novel
inputs") from features of these maps, computed at run time by the same code for the reference
and for the input, so the toolkit writes maps, not features: one implementation of the
features, in TypeScript, and no parity to keep between two.

File: novelty.u8, uint8 [count, size, size], class ids, C order, in calibration.json's order.
The downsampling rule is exitgraph's resizeLabelMapNearest: source pixel floor((i + 0.5) * H / size).
"""
import numpy as np

SIZE = 32


def nearest_indices(source, size):
    return np.minimum(source - 1, np.floor((np.arange(size) + 0.5) * source / size).astype(np.int64))


def novelty_maps(labels, size=SIZE):
    """uint8 [N, H, W] -> uint8 [N, size, size] by nearest neighbour (exitgraph's rule)."""
    labels = np.asarray(labels)
    rows = nearest_indices(labels.shape[1], size)
    cols = nearest_indices(labels.shape[2], size)
    return np.ascontiguousarray(labels[:, rows][:, :, cols], np.uint8)
