"""FIANCEE guiding-feature database.

Keys: the backbone's first-segment features (feat0, 16x16) of training images, average-pooled
to 2x2 and unit-normalised (a 256-d layout/content descriptor). Values: the backbone's full
output for the same image, area-pooled to 3x32x32 — appearance that a shallow exit cannot
compute itself. For an input, the entry with the largest cosine similarity is retrieved and fed
to the exit heads. Retrieval (matmul + argmax + gather) is part of the module, so guides.onnx
carries it and the runtime needs no custom op.

The database holds the training images nearest to k-means centroids of the candidate keys
(a spread of layouts, not a random draw). Candidates come from a pool disjoint from the images
the exit heads train on, so a head never gets its own output back as a guide.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .dataset import device_of
from .model import GUIDE_SIZE


def guide_key(feat0):
    pooled = F.avg_pool2d(feat0, int(feat0.shape[-1]) // 2).flatten(1)
    return pooled / torch.sqrt((pooled * pooled).sum(1, keepdim=True) + 1e-8)


def guide_value(full_image):
    return F.avg_pool2d(full_image, int(full_image.shape[-1]) // GUIDE_SIZE)


class GuideDatabase(nn.Module):
    def __init__(self, keys, values):
        super().__init__()
        self.register_buffer("keys", keys.contiguous())        # [K, D]
        self.register_buffer("values", values.contiguous())    # [K, 3, 32, 32]

    @property
    def count(self):
        return self.keys.shape[0]

    def forward(self, feat0):
        sim = torch.matmul(guide_key(feat0), self.keys.t())   # [N, K]
        index = torch.argmax(sim, dim=1)
        return self.values[index]


def kmeans_pick(keys, count, iterations=15, generator=None):
    """Indices of `count` rows of `keys`, each the nearest to one k-means centroid."""
    n = keys.shape[0]
    count = min(count, n)
    perm = torch.randperm(n, generator=generator)[:count]
    centroids = keys[perm].clone()
    for _ in range(iterations):
        assign = torch.argmax(keys @ centroids.t(), dim=1)
        for c in range(count):
            members = keys[assign == c]
            if len(members):
                m = members.mean(0)
                centroids[c] = m / (m.norm() + 1e-8)
    chosen = []
    taken = set()
    sims = centroids @ keys.t()
    for c in range(count):
        for i in torch.argsort(sims[c], descending=True).tolist():
            if i not in taken:
                taken.add(i)
                chosen.append(i)
                break
    return torch.tensor(chosen)


@torch.no_grad()
def build_guides(backbone, label_batches, count, seed=0):
    """label_batches: iterable of one-hot [B, C, H, W] tensors from the guide pool."""
    keys, values = [], []
    device = device_of(backbone)
    for x in label_batches:
        full, feats = backbone(x.to(device))
        keys.append(guide_key(feats[0]))
        values.append(guide_value(full))
    keys, values = torch.cat(keys).cpu(), torch.cat(values).cpu()
    picked = kmeans_pick(keys, count, generator=torch.Generator().manual_seed(seed))
    return GuideDatabase(keys[picked], values[picked]).to(device)
