"""uint8 arrays <-> float tensors in the packs' image layout, and split helpers.

A split is a dict of equally long uint8 arrays keyed by name: the pack's input names (what the
task adapter turns into tensors) and, where known, `target` (the ground-truth images,
[N, H, W, 3])."""
import numpy as np
import torch


def images_to_tensor(images, device=None):
    """uint8 [N, H, W, 3] -> float32 [N, 3, H, W] in [-1, 1] (u / 127.5 - 1), the packs' layout."""
    t = torch.from_numpy(np.ascontiguousarray(images)).to(device).float()
    return t.permute(0, 3, 1, 2) / 127.5 - 1.0


def tensor_to_images(x):
    """[N, 3, H, W] in [-1, 1] -> uint8 [N, H, W, 3]."""
    x = ((x.detach().clamp(-1, 1) + 1) * 127.5).round().byte()
    return x.permute(0, 2, 3, 1).cpu().numpy()


def device_of(module):
    """The device a module's parameters live on (where its inputs must go)."""
    return next(module.parameters()).device


def split_size(split):
    """Number of samples of a split (every array of it has that length)."""
    return len(next(iter(split.values())))


def split_slice(split, start, stop):
    return {k: v[start:stop] for k, v in split.items()}
