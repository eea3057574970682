"""Photo-like renders of landscape label maps: the exact ground truth of the dataset.

The render is a pure function of the label map (no random numbers), and it is deliberately
NON-LOCAL, so that depth and receptive field decide the quality of an exit:
  * the horizon row, ridge line and water are read back from the map; the sky gradient, the sun
    glow, haze and mist are placed relative to the horizon;
  * mountains are shaded from the slope of their ridge line at growing scales below the crest;
  * water mirrors what stands above the horizon (ridge, snow, clouds, the far-shore treeline),
    with perspective ripples and a Fresnel-like fade toward the viewer;
  * ground texture bands are spaced in perspective (finer toward the horizon), and haze grows
    toward the horizon;
  * trees, rocks and clouds get relief shading from the shape of their own region, trees cast
    shadows to the lower right whose length grows toward the viewer;
  * surf: thin foam lines run parallel to every shore (and ring the rocks standing in the water),
    a few pixels apart and fading over about a dozen pixels — full-resolution detail that needs
    the distance to the shore to the pixel, i.e. depth at full resolution, not a coarse stage;
  * region boundaries are softened.
"""
import numpy as np
from scipy import ndimage

from .landscape_maps import (CLOUD, FLOWER, GRASS, MOUNTAIN, ROCK, SAND, SIZE, SKY, SNOW, TREE,
                             WATER)

GROUND_CLASSES = (WATER, SAND, GRASS, ROCK, FLOWER)
SKY_TOP = np.array([0.22, 0.42, 0.78])
SKY_HORIZON = np.array([0.80, 0.86, 0.92])
SUN_GLOW = np.array([1.0, 0.93, 0.75])
LIGHT = np.array([-0.7, -0.7])   # from the upper left (x, y)
FOAM = np.array([0.93, 0.96, 0.98])
FOAM_PERIOD = 4.5    # pixels between foam lines
FOAM_DECAY = 6.0     # pixels over which the lines fade away from the shore
FOAM_STRENGTH = 0.75


def horizon_row(labels):
    rows = np.where(np.isin(labels, GROUND_CLASSES).any(axis=1))[0]
    return int(rows[0]) if rows.size else labels.shape[0]


def ridge_line(labels, h):
    """First mountain/snow row of each column (the horizon where there is no mountain)."""
    m = (labels == MOUNTAIN) | (labels == SNOW)
    first = np.where(m.any(axis=0), m.argmax(axis=0), h)
    return first.astype(np.float64)


def relief(mask, sigma):
    """Lambert-like shading in about [-1, 1] of a region seen as a soft bump."""
    bump = ndimage.gaussian_filter(mask.astype(np.float64), sigma)
    gy, gx = np.gradient(bump)
    return np.clip(-(gx * LIGHT[0] + gy * LIGHT[1]) * 2.5 * sigma, -1, 1)


def surf(labels, h):
    """Foam in [0, 1]: sharp lines at FOAM_PERIOD-pixel steps of the distance to the nearest land
    below the horizon (shores, river banks, rocks in the water), fading with that distance."""
    n = labels.shape[0]
    land = (labels != WATER) & (np.arange(n)[:, None] >= h)
    if not land.any():
        return np.zeros(labels.shape)
    d = ndimage.distance_transform_edt(~land)
    lines = (0.5 + 0.5 * np.cos(2 * np.pi * (d - 1.0) / FOAM_PERIOD)) ** 4
    return np.where(labels == WATER, lines * np.exp(-(d - 1.0) / FOAM_DECAY), 0.0)


def mix(a, b, t):
    t = np.asarray(t)[..., None]
    return a * (1 - t) + b * t


def render(labels):
    """[H, W] uint8 class ids -> [H, W, 3] float32 RGB in [0, 1]."""
    n = labels.shape[0]
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float64)
    h = horizon_row(labels)
    hf = max(h, 1)
    img = np.zeros((n, n, 3))

    # sky: gradient toward the horizon, sun glow at a fixed side above the horizon
    t = np.clip(yy / hf, 0, 1) ** 1.6
    sky = mix(SKY_TOP[None, None], SKY_HORIZON[None, None], t)
    glow = np.exp(-(((xx - 0.22 * n) / 28) ** 2 + ((yy - (h - 0.3 * hf)) / 22) ** 2))
    sky = mix(sky, SUN_GLOW[None, None], 0.55 * glow)
    img[:] = sky
    horizon_colour = SKY_HORIZON

    # clouds: white, relief-shaded, darker underneath
    cloud = labels == CLOUD
    if cloud.any():
        shade = relief(cloud, 3.0)
        below = ndimage.distance_transform_edt(cloud) / 6.0
        c = np.array([0.97, 0.97, 0.98])[None, None] * (0.86 + 0.12 * shade - 0.08 * np.clip(below, 0, 1))[..., None]
        img[cloud] = c[cloud]

    # mountains and snow: shading from the ridge slope, measured at wider scales deeper down
    ridge = ridge_line(labels, h)
    mount = (labels == MOUNTAIN) | (labels == SNOW)
    if mount.any():
        slopes = [np.gradient(ndimage.gaussian_filter1d(ridge, s, mode="nearest")) for s in (1.5, 5, 12)]
        depth = np.clip(yy - ridge[None, :], 0, None)
        w = np.clip(depth / 10.0, 0, 2)
        s0, s1, s2 = (s[None, :] for s in slopes)
        slope = np.where(w < 1, s0 * (1 - w) + s1 * w, s1 * (2 - w) + s2 * (w - 1))
        lit = np.clip(-slope * 1.3, -1, 1)          # ridge rising to the right faces the sun
        rockc = np.array([0.42, 0.40, 0.44])[None, None] * (0.8 + 0.35 * lit)[..., None]
        snowc = np.array([0.95, 0.96, 1.0])[None, None] * (0.82 + 0.18 * lit)[..., None]
        mc = np.where((labels == SNOW)[..., None], snowc, rockc)
        haze = 0.18 + 0.37 * np.exp(-np.clip(h - yy, 0, None) / 6.0)
        mc = mix(mc, horizon_colour[None, None], haze)
        img[mount] = mc[mount]

    # trees (also those standing above the horizon on the far shore)
    tree = labels == TREE
    tree_shade = relief(tree, 1.2)
    dist = np.clip((yy - h) / max(n - h, 1), 0, 1)
    treec = np.array([0.10, 0.30, 0.13])[None, None] * (1.0 + 0.45 * tree_shade)[..., None]
    treec = mix(treec, horizon_colour[None, None], 0.55 * np.exp(-np.clip(yy - h, 0, None) / 10.0))
    above = yy < h
    img[tree & above] = treec[tree & above]

    # what stands above the horizon, mirrored for the water
    above_img = img.copy()

    # ground: perspective bands and haze
    depth_rows = np.clip(yy - h, 0, None) + 3.0
    band = np.sin(2 * np.pi * 30.0 / depth_rows)
    ground_haze = 0.45 * np.exp(-np.clip(yy - h, 0, None) / 8.0)
    grass = np.array([0.30, 0.55, 0.20])[None, None] * (1 + 0.10 * band)[..., None]
    sand = np.array([0.78, 0.70, 0.50])[None, None] * (1 + 0.06 * band)[..., None]
    water_mask = labels == WATER
    near_water = ndimage.binary_dilation(water_mask, iterations=2)
    sand = np.where(near_water[..., None], sand * 0.8, sand)
    rock = labels == ROCK
    rockc = np.array([0.55, 0.52, 0.50])[None, None] * (0.85 + 0.35 * relief(rock, 1.5))[..., None]
    flower = np.array([0.98, 0.85, 0.25])[None, None] * np.ones((n, n, 1))

    # water: mirror of the upper image with row ripples; fades toward the viewer
    src_y = 2 * h - 1 - yy
    ripple = np.round(1.5 * np.sin(0.9 * np.clip(yy - h, 0, None))).astype(int)
    sx = np.clip(xx.astype(int) + ripple, 0, n - 1)
    sy = np.clip(src_y.astype(int), 0, n - 1)
    mirrored = np.where((src_y >= 0)[..., None], above_img[sy, sx], SKY_TOP[None, None])
    fresnel = 0.45 + 0.4 * np.exp(-np.clip(yy - h, 0, None) / 25.0)
    waterc = mix(np.array([0.10, 0.22, 0.36])[None, None] * np.ones((n, n, 1)), mirrored * 0.92, fresnel)
    waterc = waterc * (1 + 0.07 * np.sin(2 * np.pi * 18.0 / depth_rows))[..., None]
    waterc = mix(waterc, FOAM[None, None], FOAM_STRENGTH * surf(labels, h))

    ground = np.zeros((n, n, 3))
    for cls, col in ((GRASS, grass), (SAND, sand), (ROCK, rockc), (FLOWER, flower), (WATER, waterc)):
        m = labels == cls
        ground[m] = col[m]
    below = tree & ~above
    ground[below] = treec[below]

    # tree shadows: the tree mask pushed right and slightly down, longer near the viewer
    shadow = np.zeros((n, n), bool)
    reach = 1 + 6 * dist
    for k in range(1, 8):
        shifted = np.zeros((n, n), bool)
        dy = k // 3
        shifted[dy:, k:] = tree[:n - dy, :n - k]
        shadow |= shifted & (k <= reach)
    shadow &= ~tree & (yy >= h) & (labels != SKY)
    ground = np.where(shadow[..., None], ground * 0.6, ground)

    ground = mix(ground, horizon_colour[None, None], ground_haze)
    is_ground = yy >= h
    img = np.where(is_ground[..., None] & (labels != SKY)[..., None] & (labels != CLOUD)[..., None]
                   & ~((labels == MOUNTAIN) | (labels == SNOW))[..., None], ground, img)

    # soft transitions: blend boundary pixels with their 3x3 mean
    edges = ndimage.maximum_filter(labels, 3) != ndimage.minimum_filter(labels, 3)
    blurred = ndimage.uniform_filter(img, size=(3, 3, 1))
    img = np.where(edges[..., None], 0.5 * img + 0.5 * blurred, img)
    return np.clip(img, 0, 1).astype(np.float32)
