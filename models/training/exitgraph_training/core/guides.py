"""FIANCEE guiding-feature database.

Keys: features of a pool of training samples (what the task adapter's `guide_entry` returns:
landscapes key on the first segment's features, faces on the appearance code), average-pooled to
2x2 and unit-normalised. Values: small pictures (3x32x32) of what the task wants an exit to see
(landscapes: the backbone's own output; faces: the identity's neutral frontal portrait). For an
input, the entry with the largest cosine similarity is retrieved and fed to the exit heads.
Retrieval (matmul + argmax + gather) is part of the module, so guides.onnx carries it and the
runtime needs no custom op.

The database holds the pool samples nearest to k-means centroids of the candidate keys (a spread
of inputs, not a random draw). The pool is disjoint from the samples the exit heads train on, so
a head never gets its own output back as a guide.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .tensors import split_size, split_slice


def guide_key(features):
    pooled = F.avg_pool2d(features, int(features.shape[-1]) // 2).flatten(1)
    return pooled / torch.sqrt((pooled * pooled).sum(1, keepdim=True) + 1e-8)


class GuideDatabase(nn.Module):
    def __init__(self, keys, values):
        super().__init__()
        self.register_buffer("keys", keys.contiguous())        # [K, D]
        self.register_buffer("values", values.contiguous())    # [K, 3, 32, 32]

    @property
    def count(self):
        return self.keys.shape[0]

    def forward(self, features):
        sim = torch.matmul(guide_key(features), self.keys.t())   # [N, K]
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
def build_guides(adapter, backbone, pool, count, seed=0, device=None, batch=32):
    """`pool`: the adapter's guide pool (a split); entries from `adapter.guide_entry`."""
    keys, values = [], []
    for s in range(0, split_size(pool), batch):
        key_features, value = adapter.guide_entry(backbone, split_slice(pool, s, s + batch), device)
        keys.append(guide_key(key_features).cpu())
        values.append(value.cpu())
    keys, values = torch.cat(keys), torch.cat(values)
    picked = kmeans_pick(keys, count, generator=torch.Generator().manual_seed(seed))
    return GuideDatabase(keys[picked], values[picked]).to(device)
