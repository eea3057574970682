"""Procedural landscape label maps, deterministic from (split, index, seed).

A map is an [H, W] uint8 array of class ids (CLASSES). Scenes come in three difficulty tiers so
that early exits matter for some inputs and not for others:
  * easy   (~40%): few large regions — sky, a smooth ridge, a big lake, a few large trees;
  * medium (~32%): snow caps, shores, clouds, a dozen trees, some rocks;
  * hard   (~28%): jagged ridges, many small clouds, a treeline on the far shore (mirrored in
    the water), dense small forests, thin rivers, flower fields, scattered rocks (some in the
    water, ringed by surf).
Every geometric fact the renderer uses (horizon row, ridge line, tree centres and sizes) can be
read back from the map itself, so the photo is a function of the map.
"""
import numpy as np
from scipy import ndimage

CLASSES = ["sky", "cloud", "mountain", "snow", "rock", "water", "sand", "grass", "tree", "flower"]
SKY, CLOUD, MOUNTAIN, SNOW, ROCK, WATER, SAND, GRASS, TREE, FLOWER = range(len(CLASSES))
SIZE = 128
SPLIT_IDS = {"train": 0, "val": 1, "test": 2, "calibration": 3}
TIERS = ("easy", "medium", "hard")


def sample_rng(split, index, seed=0):
    """One independent generator per sample, so any sample can be made alone, in any order."""
    return np.random.default_rng([int(seed), SPLIT_IDS[split], int(index)])


def pick_tier(rng):
    u = rng.random()
    return "easy" if u < 0.40 else ("medium" if u < 0.72 else "hard")


def fractal_1d(rng, n, octaves, base_points=4, persistence=0.5):
    """Smooth 1-D noise in about [-1, 1] from a few octaves of interpolated random points."""
    out = np.zeros(n)
    amp, total, points = 1.0, 0.0, base_points
    xs = np.linspace(0, 1, n)
    for _ in range(octaves):
        knots = rng.uniform(-1, 1, points + 1)
        out += amp * np.interp(xs, np.linspace(0, 1, points + 1), knots)
        total += amp
        amp *= persistence
        points *= 2
    return out / total


def smooth_2d(rng, size, cells):
    """Smooth 2-D noise in about [-1, 1]: a cells x cells random grid, bilinearly enlarged."""
    grid = rng.uniform(-1, 1, (cells + 1, cells + 1))
    return ndimage.zoom(grid, size / (cells + 1), order=1)[:size, :size]


class SceneParts:
    """Geometry decided while drawing the map (kept only for tests and debugging)."""

    def __init__(self):
        self.horizon = 0
        self.trees = []   # (cx, base_y, size)


def make_label_map(split, index, seed=0, size=SIZE):
    rng = sample_rng(split, index, seed)
    tier = pick_tier(rng)
    labels, _ = draw_scene(rng, tier, size)
    return labels, tier


def draw_scene(rng, tier, n=SIZE):
    parts = SceneParts()
    easy, hard = tier == "easy", tier == "hard"
    labels = np.full((n, n), SKY, np.uint8)
    yy, xx = np.mgrid[0:n, 0:n]
    h = int(rng.integers(int(0.32 * n), int(0.58 * n)))
    parts.horizon = h

    # clouds in the sky
    if rng.random() < (0.5 if easy else 0.8):
        cells = 3 if easy else (5 if tier == "medium" else int(rng.integers(7, 11)))
        field = smooth_2d(rng, n, cells)
        thresh = rng.uniform(0.25, 0.5)
        clouds = (field > thresh) & (yy < h - 4)
        labels[clouds] = CLOUD

    # mountains: a ridge line above the horizon, snow on the high peaks
    if rng.random() < 0.85:
        amp = rng.uniform(0.35, 0.85) * h
        octaves = 2 if easy else (4 if tier == "medium" else 6)
        persistence = 0.45 if easy else (0.55 if hard else 0.5)
        ridge_h = (fractal_1d(rng, n, octaves, int(rng.integers(2, 5)), persistence) + 1) / 2
        ridge = h - 3 - amp * ridge_h
        mountain = yy >= ridge[None, :]
        labels[mountain & (yy < h)] = MOUNTAIN
        height = h - ridge
        snowline = rng.uniform(0.45, 0.75) * amp
        if not easy or rng.random() < 0.5:
            cap = (height - snowline) * 0.6
            snow = mountain & (yy < h) & (yy - ridge[None, :] < cap[None, :])
            labels[snow] = SNOW

    # ground
    ground = yy >= h
    labels[ground] = GRASS

    # a lake touching the horizon (so that what stands above it is mirrored)
    water = np.zeros((n, n), bool)
    if rng.random() < (0.75 if not hard else 0.85):
        x0 = rng.uniform(-0.3, 0.5) * n
        x1 = x0 + rng.uniform(0.4, 1.1) * n
        depth = rng.uniform(0.25, 0.8) * (n - h)
        shape = np.clip(1 - ((xx[0] - (x0 + x1) / 2) / ((x1 - x0) / 2)) ** 2, 0, 1) ** 0.5
        wobble = 1 + 0.25 * fractal_1d(rng, n, 3)
        bottom = h + depth * shape * wobble
        water |= ground & (yy < bottom[None, :]) & (shape[None, :] > 0)
    # thin rivers (hard scenes): thin structures far from the horizon
    if hard and rng.random() < 0.7:
        for _ in range(int(rng.integers(1, 3))):
            path = rng.uniform(0.2, 0.8) * n + 0.25 * n * fractal_1d(rng, n, 3)
            width = rng.uniform(1.0, 2.5)
            river = (np.abs(xx - path[:, None]) < width * (0.5 + (yy - h) / (n - h))) & ground
            water |= river
    # sandy shore around the water
    if water.any() and rng.random() < 0.7:
        shore = ndimage.binary_dilation(water, iterations=int(rng.integers(2, 6))) & ground & ~water
        labels[shore] = SAND
    labels[water] = WATER

    # rocks on the ground
    n_rocks = int(rng.integers(0, 3)) if easy else int(rng.integers(1, 5) if not hard else rng.integers(4, 14))
    for _ in range(n_rocks):
        cy = rng.uniform(h + 3, n)
        s = 1.5 + 7 * (cy - h) / (n - h) * rng.uniform(0.5, 1.3)
        cx = rng.uniform(0, n)
        r = np.hypot((xx - cx) / (1.3 * s), (yy - cy) / s)
        # in hard scenes some rocks stand in the water (the surf rings them)
        in_water_ok = hard and rng.random() < 0.5
        rock = (r < 1) & ground & (in_water_ok | (labels != WATER))
        labels[rock] = ROCK

    # flower fields (hard, sometimes medium): dense small dots
    if (hard and rng.random() < 0.7) or (tier == "medium" and rng.random() < 0.25):
        field = smooth_2d(rng, n, 4) > rng.uniform(-0.1, 0.3)
        density = rng.uniform(0.04, 0.12)
        dots = rng.random((n, n)) < density
        dots = dots & field & (labels == GRASS) & (yy > h + 4)
        big = ndimage.binary_dilation(dots) & (yy > h + (n - h) * 0.6) & field & (labels == GRASS)
        labels[dots | (big & (rng.random((n, n)) < 0.5))] = FLOWER

    # trees: conifers sized by perspective; far first so nearer ones overlap
    trees = []
    n_trees = int(rng.integers(0, 4)) if easy else (int(rng.integers(3, 13)) if not hard else int(rng.integers(15, 50)))
    for _ in range(n_trees):
        by = rng.uniform(h + 2, n + 8)
        t = (by - h) / (n - h)
        size = (2 + 12 * t) * rng.uniform(0.7, 1.3) * (0.6 if hard else 1.0)
        trees.append((rng.uniform(-4, n + 4), by, size))
    if hard and water.any() and rng.random() < 0.8:  # a treeline on the far shore
        for cx in np.arange(rng.uniform(0, 4), n, rng.uniform(2.5, 5)):
            trees.append((cx, h + rng.uniform(0, 1.5), rng.uniform(1.8, 3.5)))
    elif not easy and rng.random() < 0.3:
        for cx in np.arange(rng.uniform(0, 6), n, rng.uniform(4, 8)):
            trees.append((cx, h + 0.5, rng.uniform(2.5, 4.5)))
    trees.sort(key=lambda t: t[1])
    for cx, by, size in trees:
        tree = conifer_mask(xx, yy, cx, by, size)
        placeable = labels[min(int(by), n - 1), int(np.clip(cx, 0, n - 1))] != WATER or by < h + 2
        if placeable and tree.any():
            labels[tree] = TREE
            parts.trees.append((cx, by, size))
    return labels, parts


def conifer_mask(xx, yy, cx, base_y, size):
    """A conifer: a triangle 2.2*size tall, size wide at its base, apex up."""
    height = 2.2 * size
    top = base_y - height
    frac = (yy - top) / height
    return (frac >= 0) & (frac <= 1) & (np.abs(xx - cx) <= 0.5 * size * frac + 0.3)


def one_hot(labels, classes=len(CLASSES)):
    """[..., H, W] uint8 ids -> [..., C, H, W] float32 one-hot (the pack's input layout)."""
    eye = np.eye(classes, dtype=np.float32)
    out = eye[labels]               # [..., H, W, C]
    return np.moveaxis(out, -1, -3)
