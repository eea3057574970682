"""Label maps painted the way a person paints them, deterministic from (split, index, seed).

Two independent generators, so that the promise is measured off the training distribution:

* `brush_map` (training and calibration) imitates the editor's painter: fill a background, then
  round-brush strokes: a horizon, triangle mountains with snow caps, a lake as a fat stroke, trees
  as dabs, a river, clouds as blobs; and the odd maps people try (one class, stripes, any class
  anywhere, upside-down scenes).
* `sketch_map` (the painted-style test set only) uses other shapes and rules: filled polygons and
  ellipses, wavy bands, checkerboards and grids, concentric rings, scenes mirrored left-right or
  rotated, classes placed by rules the brush generator never uses. It shares no code path with
  `brush_map` beyond the class list, and draws from its own random streams.

Both return [H, W] uint8 class ids over landscape_maps.CLASSES, so the renderer gives exact
ground truth for them as for the procedural maps.
"""
import numpy as np

from .landscape_maps import CLASSES, SIZE, SKY, CLOUD, MOUNTAIN, SNOW, ROCK, WATER, SAND, GRASS, TREE, FLOWER

# Stream ids distinct from landscape_maps.SPLIT_IDS (0-3), so painted samples never repeat
# procedural ones: brush maps per split at 10 + split id, sketch maps at 20.
BRUSH_STREAM = {"train": 10, "val": 11, "test": 12, "calibration": 13}
SKETCH_STREAM = 20
N_CLASSES = len(CLASSES)


def brush_rng(split, index, seed=0):
    return np.random.default_rng([int(seed), BRUSH_STREAM[split], int(index)])


def sketch_rng(index, seed=0):
    return np.random.default_rng([int(seed), SKETCH_STREAM, int(index)])


# ---------------------------------------------------------------- brush strokes (training set)

class Canvas:
    """A label canvas painted with round brushes, as the editor's painter does."""

    def __init__(self, n, fill):
        self.n = n
        self.labels = np.full((n, n), fill, np.uint8)
        self.yy, self.xx = np.mgrid[0:n, 0:n]

    def dab(self, cls, x, y, radius):
        self.labels[(self.xx - x) ** 2 + (self.yy - y) ** 2 <= radius ** 2] = cls

    def stroke(self, cls, points, radius):
        """A polyline painted with a round brush of `radius`, dabs spaced a third of it apart."""
        for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
            steps = max(1, int(np.hypot(x1 - x0, y1 - y0) / max(radius / 3, 0.5)))
            for t in np.linspace(0, 1, steps + 1):
                self.dab(cls, x0 + t * (x1 - x0), y0 + t * (y1 - y0), radius)

    def fill_below(self, cls, row):
        self.labels[self.yy >= row] = cls

    def triangle(self, cls, apex_x, apex_y, base_y, half_width):
        frac = (self.yy - apex_y) / max(base_y - apex_y, 1)
        inside = (frac >= 0) & (frac <= 1) & (np.abs(self.xx - apex_x) <= half_width * frac)
        self.labels[inside] = cls
        return inside


def wobbly_line(rng, n, y, amplitude, knots=5):
    xs = np.linspace(-0.05 * n, 1.05 * n, knots)
    ys = y + rng.uniform(-amplitude, amplitude, knots)
    return list(zip(xs, ys))


def brush_scene(rng, n):
    """Sky, a painted horizon, mountains, water, trees: the scene a creator paints first."""
    c = Canvas(n, SKY)
    horizon = rng.uniform(0.3, 0.7) * n
    ground = rng.choice([GRASS, GRASS, SAND, GRASS, FLOWER])
    c.fill_below(ground, int(horizon))
    c.stroke(ground, wobbly_line(rng, n, horizon, 0.04 * n), rng.uniform(1.5, 4))
    for _ in range(int(rng.integers(0, 4))):          # triangle mountains with snow caps
        apex_x, width = rng.uniform(0, n), rng.uniform(0.12, 0.4) * n
        apex_y = horizon - rng.uniform(0.15, 0.9) * horizon
        c.triangle(MOUNTAIN, apex_x, apex_y, horizon, width)
        if rng.random() < 0.7:
            c.triangle(SNOW, apex_x, apex_y, apex_y + rng.uniform(0.15, 0.35) * (horizon - apex_y), width * 0.3)
    for _ in range(int(rng.integers(0, 4))):          # clouds: a few overlapping dabs
        cx, cy = rng.uniform(0, n), rng.uniform(0.05, 0.8) * horizon
        for _ in range(int(rng.integers(2, 6))):
            c.dab(CLOUD, cx + rng.uniform(-0.08, 0.08) * n, cy + rng.uniform(-0.03, 0.03) * n, rng.uniform(0.02, 0.07) * n)
    if rng.random() < 0.7:                            # a lake as one fat stroke
        y = rng.uniform(horizon + 0.05 * n, n)
        x0 = rng.uniform(-0.1, 0.6) * n
        c.stroke(WATER, [(x0, y), (x0 + rng.uniform(0.2, 0.7) * n, y + rng.uniform(-0.05, 0.05) * n)], rng.uniform(0.05, 0.15) * n)
    if rng.random() < 0.4:                            # a river from the horizon to the bottom
        pts = [(rng.uniform(0, n), horizon)]
        for k in range(1, 5):
            pts.append((pts[-1][0] + rng.uniform(-0.15, 0.15) * n, horizon + k * (n - horizon) / 4))
        c.stroke(WATER, pts, rng.uniform(1, 0.04 * n))
    for _ in range(int(rng.integers(0, 25))):         # trees and rocks as dabs
        y = rng.uniform(horizon, n)
        cls = TREE if rng.random() < 0.75 else ROCK
        c.dab(cls, rng.uniform(0, n), y, 1 + rng.uniform(0.5, 1.5) * 0.06 * n * (y - horizon + 4) / n)
    return c.labels


def brush_stripes(rng, n):
    """Horizontal or vertical stripes of random classes, painted as thick strokes."""
    c = Canvas(n, int(rng.integers(N_CLASSES)))
    count = int(rng.integers(2, 9))
    vertical = rng.random() < 0.4
    for k in range(count):
        pos = (k + 0.5) * n / count
        cls = int(rng.integers(N_CLASSES))
        line = [(pos, -2), (pos, n + 2)] if vertical else [(-2, pos), (n + 2, pos)]
        c.stroke(cls, line, n / count / 2 + 0.5)
    return c.labels


def brush_anything(rng, n):
    """Any class anywhere: a fill and a few strokes and dabs of random classes."""
    c = Canvas(n, int(rng.integers(N_CLASSES)))
    for _ in range(int(rng.integers(1, 12))):
        cls = int(rng.integers(N_CLASSES))
        pts = [(rng.uniform(0, n), rng.uniform(0, n)) for _ in range(int(rng.integers(1, 5)))]
        radius = rng.uniform(1, 0.15 * n)
        if len(pts) == 1:
            c.dab(cls, pts[0][0], pts[0][1], radius)
        else:
            c.stroke(cls, pts, radius)
    return c.labels


def brush_map(split, index, seed=0, size=SIZE):
    """-> (labels [size, size] uint8, kind) for the painted-style share of training/calibration."""
    rng = brush_rng(split, index, seed)
    u = rng.random()
    if u < 0.06:
        return np.full((size, size), int(rng.integers(N_CLASSES)), np.uint8), "single"
    if u < 0.16:
        return brush_stripes(rng, size), "stripes"
    if u < 0.32:
        return brush_anything(rng, size), "anything"
    labels = brush_scene(rng, size)
    if u < 0.38:
        return labels[::-1].copy(), "upside-down"
    return labels, "scene"


# ---------------------------------------------------------------- sketches (independent test set)

def polygon_mask(n, vertices):
    """Even-odd fill of a polygon given as [(x, y), ...], evaluated at pixel centres."""
    yy, xx = np.mgrid[0:n, 0:n] + 0.5
    inside = np.zeros((n, n), bool)
    vs = list(vertices)
    for (x0, y0), (x1, y1) in zip(vs, vs[1:] + vs[:1]):
        crosses = (y0 > yy) != (y1 > yy)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = x0 + (yy - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (xx < x_at)
    return inside


def sketch_landscape(rng, n):
    """A landscape made of polygons and ellipses: a stepped horizon, polygon ranges, an elliptic lake."""
    labels = np.full((n, n), rng.choice([SKY, SKY, CLOUD]), np.uint8)
    yy, xx = np.mgrid[0:n, 0:n]
    steps = int(rng.integers(1, 5))
    edges = np.sort(rng.uniform(0, n, steps - 1)) if steps > 1 else np.array([])
    rows = rng.uniform(0.35, 0.75, steps) * n
    horizon = np.array([rows[np.searchsorted(edges, x)] for x in range(n)])
    labels[yy >= horizon[None, :]] = rng.choice([GRASS, SAND, GRASS, ROCK])
    for _ in range(int(rng.integers(0, 3))):          # a range: one polygon with several peaks
        base = float(horizon.min())
        xs = np.sort(rng.uniform(-0.1 * n, 1.1 * n, int(rng.integers(3, 8))))
        peaks = [(x, base - rng.uniform(0.1, 0.8) * base) for x in xs]
        labels[polygon_mask(n, [(xs[0] - 5, base)] + peaks + [(xs[-1] + 5, base)])] = rng.choice([MOUNTAIN, ROCK, SNOW])
    for _ in range(int(rng.integers(0, 3))):          # lakes and groves as ellipses
        cx, cy = rng.uniform(0, n), rng.uniform(horizon.min(), n)
        ax, ay = rng.uniform(0.05, 0.35) * n, rng.uniform(0.02, 0.15) * n
        labels[((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2 <= 1] = rng.choice([WATER, WATER, TREE, FLOWER])
    if rng.random() < 0.3:                            # a sun or moon: a disc in the sky
        cx, cy, r = rng.uniform(0, n), rng.uniform(0, 0.3) * n, rng.uniform(0.03, 0.1) * n
        labels[(xx - cx) ** 2 + (yy - cy) ** 2 <= r * r] = rng.choice([CLOUD, SNOW, SAND])
    return labels


def sketch_pattern(rng, n):
    """Patterns people try on purpose: checkerboards, grids, rings, diagonal bands, wavy bands."""
    yy, xx = np.mgrid[0:n, 0:n]
    a, b = rng.choice(N_CLASSES, 2, replace=False)
    kind = rng.integers(5)
    if kind == 0:
        cell = int(rng.integers(2, n // 4))
        mask = ((xx // cell) + (yy // cell)) % 2 == 0
    elif kind == 1:
        period, width = int(rng.integers(6, 32)), int(rng.integers(1, 4))
        mask = (xx % period < width) | (yy % period < width)
    elif kind == 2:
        cx, cy, period = rng.uniform(0, n), rng.uniform(0, n), rng.uniform(4, 24)
        mask = (np.hypot(xx - cx, yy - cy) // period) % 2 == 0
    elif kind == 3:
        period = rng.uniform(6, 40)
        mask = ((xx + yy * rng.uniform(-2, 2)) // period) % 2 == 0
    else:
        period, amp = rng.uniform(8, 40), rng.uniform(2, 12)
        mask = ((yy + amp * np.sin(xx / rng.uniform(4, 20))) // period) % 2 == 0
    return np.where(mask, a, b).astype(np.uint8)


def sketch_map(index, seed=0, size=SIZE):
    """-> (labels [size, size] uint8, kind) for the independent painted-style test set."""
    rng = sketch_rng(index, seed)
    u = rng.random()
    if u < 0.3:
        return sketch_pattern(rng, size), "pattern"
    labels = sketch_landscape(rng, size)
    if u < 0.4:
        return labels[:, ::-1].copy(), "mirrored"
    if u < 0.5:
        return np.rot90(labels, int(rng.integers(1, 4))).copy(), "rotated"
    return labels, "landscape"
