"""Face-reenactment data: (source, driving, ground truth) triples as uint8 arrays, deterministic
by seed.

* Evaluation splits (val, test, calibration, guide pool): one independent pair per index, drawn by
  `np.random.default_rng([seed, split id, index])`: source = render(A, E_a), driving =
  render(B, E), ground truth = render(A, E), with A != B. The test split is therefore the same
  whatever the size of the other splits.
* Training: groups of G identities each rendered at the same P expressions (one generator per
  group). Any (A, a) source, (B, e) driving with A != B, a != e in a group is a training pair
  with ground truth image (A, e): G * (G - 1) * P * (P - 1) pairs per group from G * P renders.

Tiers (easy / medium / hard) score a pair by its pose change and how busy the source identity is
(hair over the face, glasses, patterned background) and whether the target shows teeth.
"""
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from ..core.tensors import images_to_tensor  # noqa: F401 (the packs' image layout)
from .params import identity_is_busy, pose_change, sample_expression, sample_identity
from .render import neutral_expression, render

SPLITS = {"train": 0, "val": 1, "test": 2, "calibration": 3, "guides": 4, "predictor": 5}
GROUP_IDENTITIES = 4
GROUP_EXPRESSIONS = 6


def tier_of(identity_a, expr_a, expr_e):
    score = pose_change(expr_a, expr_e) + 0.35 * identity_is_busy(identity_a) \
        + 0.25 * (expr_e["mouth_open"] > 0.3)
    return "easy" if score < 0.9 else "medium" if score < 1.35 else "hard"   # ~40 / 30 / 30%


def _pair(split, index, seed):
    rng = np.random.default_rng([int(seed), SPLITS[split], int(index)])
    a, b = sample_identity(rng), sample_identity(rng)
    ea, e = sample_expression(rng), sample_expression(rng)
    return a, b, ea, e


def _make_pairs(split, seed, indices):
    out = []
    for i in indices:
        a, b, ea, e = _pair(split, i, seed)
        out.append((render(a, ea), render(b, e), render(a, e), tier_of(a, ea, e)))
    return out


def _make_guide_entries(seed, indices):
    """Guide pool: a source portrait and the same identity frontal and neutral (the value)."""
    out = []
    for i in indices:
        a, _, ea, _ = _pair("guides", i, seed)
        out.append((render(a, ea), render(a, neutral_expression())))
    return out


def _make_groups(seed, indices):
    out = []
    for g in indices:
        rng = np.random.default_rng([int(seed), SPLITS["train"], int(g)])
        ids = [sample_identity(rng) for _ in range(GROUP_IDENTITIES)]
        exprs = [sample_expression(rng) for _ in range(GROUP_EXPRESSIONS)]
        out.append(np.stack([np.stack([render(i, e) for e in exprs]) for i in ids]))
    return out


def _parallel(fn, seed_args, indices, workers):
    workers = min(workers or os.cpu_count() or 1, max(1, len(indices) // 16))
    if workers <= 1:
        return fn(*seed_args, indices)
    chunks = [indices[k::workers] for k in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(fn, *[[a] * workers for a in seed_args], chunks))
    order = {i: s for chunk, part in zip(chunks, parts) for i, s in zip(chunk, part)}
    return [order[i] for i in indices]


def make_pairs(split, count, seed=0, workers=None):
    """-> dict source, driving, target: uint8 [N, H, W, 3]; tiers: list of str."""
    samples = _parallel(_make_pairs, (split, seed), list(range(count)), workers)
    src, drv, gt, tiers = zip(*samples)
    return {"source": np.stack(src), "driving": np.stack(drv), "target": np.stack(gt),
            "tiers": list(tiers)}


def make_guide_pool(count, seed=0, workers=None):
    """-> (sources uint8 [N, H, W, 3], neutral frontal renders of the same identities)."""
    samples = _parallel(_make_guide_entries, (seed,), list(range(count)), workers)
    src, neutral = zip(*samples)
    return np.stack(src), np.stack(neutral)


def make_groups(count, seed=0, workers=None):
    """-> uint8 [groups, G, P, H, W, 3]: G identities x P shared expressions per group."""
    return np.stack(_parallel(_make_groups, (seed,), list(range(count)), workers))


def sample_group_pairs(groups, rng, batch):
    """Random training pairs from the groups -> (source, driving, target) uint8 [B, H, W, 3]."""
    n, g, p = groups.shape[:3]
    gi = rng.integers(0, n, batch)
    a = rng.integers(0, g, batch)
    b = (a + rng.integers(1, g, batch)) % g
    ea = rng.integers(0, p, batch)
    e = (ea + rng.integers(1, p, batch)) % p
    return groups[gi, a, ea], groups[gi, b, e], groups[gi, a, e]


def pairs_from_groups(groups, count, seed):
    """A fixed set of `count` training pairs (for the predictor's targets)."""
    src, drv, gt = sample_group_pairs(groups, np.random.default_rng(seed), count)
    return {"source": src, "driving": drv, "target": gt}
