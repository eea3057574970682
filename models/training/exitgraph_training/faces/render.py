"""Parametric stylised portraits: render(identity, expression) -> uint8 [H, W, 3].

A pure numpy function of two parameter dicts, so the ground truth of "identity A showing
expression/pose E" is rendered exactly. Identity parameters fix who it is (face shape, skin, hair
style and colour, eyes, brows, nose, mouth and lips, glasses, freckles, clothes, background);
expression parameters fix what the face does and where the head is (mouth open, smile, brow raise,
blink, gaze, head yaw/pitch/roll, a small head shift).

Geometry: the head is a sphere-like ellipsoid seen from the front. Every head pixel is lifted to
the surface point (X, Y, Z) of the unit sphere (after undoing roll in the image plane), rotated by
the inverse of yaw and pitch into the face frame (U, V, W), and the facial features are drawn as
implicit shapes in (U, V) on the front (W > 0). Turning the head therefore slides features across
the surface and foreshortens them near the silhouette, as a turned head does. Shading is Lambert
on the sphere normal with one fixed light, plus a nose shadow on the side away from the light.

Fine detail is where the difficulty lives: hair strands, teeth with gaps, freckles, glasses
frames, striped backgrounds (pinstripes finer than a 64x64 picture holds), and large pose
changes that uncover background behind the head.
"""
import numpy as np

SIZE = 128
LIGHT = np.array([-0.45, -0.55, 0.70], np.float32) / np.linalg.norm([-0.45, -0.55, 0.70])

# expression/pose parameters and their ranges (radians for angles; shifts in units of half the image)
EXPRESSION_RANGES = {
    "mouth_open": (0.0, 1.0), "smile": (-0.6, 1.0), "brow_raise": (-1.0, 1.0),
    "blink": (0.0, 1.0), "gaze_x": (-1.0, 1.0), "gaze_y": (-1.0, 1.0),
    "yaw": (-0.6, 0.6), "pitch": (-0.35, 0.35), "roll": (-0.35, 0.35),
    "shift_x": (-0.2, 0.2), "shift_y": (-0.12, 0.12),
}
HAIR_STYLES = ("short", "medium", "long", "bangs", "side_fringe", "bald")
GLASSES = ("none", "round", "square")
BACKGROUNDS = ("plain", "stripes", "dots", "pinstripes")

SKIN_TONES = np.array([[0.98, 0.84, 0.72], [0.93, 0.74, 0.60], [0.80, 0.58, 0.42],
                       [0.60, 0.40, 0.27], [0.40, 0.26, 0.17]], np.float32)
HAIR_COLOURS = np.array([[0.08, 0.06, 0.05], [0.30, 0.18, 0.09], [0.62, 0.40, 0.18],
                         [0.90, 0.78, 0.48], [0.72, 0.22, 0.10], [0.75, 0.75, 0.78],
                         [0.20, 0.30, 0.65]], np.float32)
IRIS_COLOURS = np.array([[0.30, 0.18, 0.08], [0.15, 0.35, 0.60], [0.25, 0.45, 0.25],
                         [0.45, 0.45, 0.50]], np.float32)


def pinstripe_freq(bg_freq):
    """The pinstripes' frequency from the identity's bg_freq (6..14, as for stripes): 36..50
    half-periods across the picture, a period of 128 / 50 to 128 / 36 pixels at 128x128."""
    return 36.0 + 1.75 * (float(bg_freq) - 6.0)


def neutral_expression():
    return {"mouth_open": 0.0, "smile": 0.0, "brow_raise": 0.0, "blink": 0.0, "gaze_x": 0.0,
            "gaze_y": 0.0, "yaw": 0.0, "pitch": 0.0, "roll": 0.0, "shift_x": 0.0, "shift_y": 0.0}


def _soft(d, width):
    """Soft inside-mask of an implicit shape: d < 0 inside; `width` the anti-aliasing ramp."""
    return np.clip(0.5 - d / width, 0.0, 1.0)


def _over(img, mask, colour):
    """Paint `colour` (RGB, or an image like img) over img where mask > 0, only inside the
    mask's bounding box (most features cover a small part of the picture)."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if rows.size == 0:
        return
    win = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    m = mask[win][..., None].astype(np.float32, copy=False)
    c = np.asarray(colour, np.float32)
    c = c[win] if c.ndim == 3 else c
    target = img[win]
    target += m * (c - target)


def _grid(size):
    c = (np.arange(size, dtype=np.float32) + 0.5) / size * 2.0 - 1.0
    return np.meshgrid(c, c)   # x right, y down, both in [-1, 1]


_GRIDS = {}


def render(identity, expression, size=SIZE, return_masks=False):
    """uint8 [size, size, 3]; with return_masks also a dict of float masks [size, size]
    (head, hair, eyes, mouth, brows, glasses, background) for tests and tiering."""
    if size not in _GRIDS:
        _GRIDS[size] = _grid(size)
    gx, gy = _GRIDS[size]
    idn, ex = identity, expression
    px = 2.0 / size                      # one pixel in image units
    img = np.empty((size, size, 3), np.float32)

    # background: gradient between two colours, optional stripes or dots (identity)
    a, b = np.asarray(idn["bg_a"], np.float32), np.asarray(idn["bg_b"], np.float32)
    t = np.clip(0.5 + 0.5 * (gx * 0.3 + gy * 0.9), 0, 1)[..., None]
    img[:] = a * (1 - t) + b * t
    kind = BACKGROUNDS[idn["bg_pattern"]]
    if kind in ("stripes", "pinstripes"):
        # pinstripes: the same stripes at a period of 2.6 to 3.6 pixels (pinstripe_freq), finer
        # than a 64x64 picture can hold: texture only the full-resolution path can copy
        freq = pinstripe_freq(idn["bg_freq"]) if kind == "pinstripes" else float(idn["bg_freq"])
        ang = idn["bg_angle"]
        s = np.sin((gx * float(np.cos(ang)) + gy * float(np.sin(ang))) * float(freq * np.pi))
        _over(img, _soft(-s, 0.25) * 0.55, b * 0.55 + 0.35)
    elif kind == "dots":
        f = idn["bg_freq"] * 0.5
        u, v = gx * f, gy * f + 0.5 * (np.floor(gx * f) % 2)
        d = np.hypot(u - np.round(u), v - np.round(v)) - 0.22
        _over(img, _soft(d, 0.08) * 0.7, a * 0.4 + 0.45)
    background = np.ones((size, size), np.float32)

    # head placement: identity size, expression shift; roll rotates the image plane about the head
    cx, cy = ex["shift_x"], -0.14 + ex["shift_y"]
    rx, ry = idn["face_w"], idn["face_h"]
    cr, sr = float(np.cos(ex["roll"])), float(np.sin(ex["roll"]))
    dx, dy = gx - cx, gy - cy
    qx, qy = cr * dx + sr * dy, -sr * dx + cr * dy          # rolled head frame
    skin = np.asarray(idn["skin"], np.float32)
    hair_c = np.asarray(idn["hair"], np.float32)
    style = HAIR_STYLES[idn["hair_style"]]

    # hair behind the head (volume and long hair), in the rolled frame so it turns with the head
    X0, Y0 = qx / rx, qy / ry
    vol = np.hypot(X0 / 1.13, (Y0 + 0.08) / 1.1) - 1.0
    back = np.zeros_like(gx)
    if style in ("medium", "long", "bangs", "side_fringe"):
        back = np.maximum(back, _soft(vol * rx, px * 1.5) * (Y0 < 0.1 + (style != "short") * 0.35))
    if style == "long":
        side = np.maximum(np.abs(X0) - 1.2, -(np.abs(X0) - 0.55)) * rx
        band = np.maximum(side, np.maximum(Y0 - 1.7 - 0.1 * np.cos(X0 * 6), -Y0))
        back = np.maximum(back, _soft(band, px * 1.5))
    strands = 0.82 + 0.18 * np.sin((qx * float(np.cos(idn["hair_angle"]))
                                   + qy * float(np.sin(idn["hair_angle"]))) * idn["hair_freq"])
    _over(img, back, hair_c * 0.8)
    back_hair = back.copy()

    # shoulders and neck (follow the head shift, not its rotation)
    sh = np.hypot((gx - cx * 0.6) / 0.95, (gy - 1.22 - cy * 0.3) / 0.5) - 1.0
    shirt = np.asarray(idn["shirt"], np.float32)
    shoulders = _soft(sh * 0.5, px)
    _over(img, shoulders, shirt * (0.85 + 0.15 * np.clip(-gx, -1, 1)[..., None]))
    neck_d = np.maximum(np.abs(gx - cx) - rx * 0.42, np.maximum(cy + 0.3 * ry - gy, gy - 0.95))
    neck = _soft(neck_d, px)
    _over(img, neck, skin * 0.72)

    # The head and its features are computed only in the head's bounding box (a third of the
    # picture): from here on gx, gy, X0, Y0 and img are that window (img a view into the picture).
    reach = max(rx, ry) + 3 * px
    rows = np.flatnonzero(np.abs(gy[:, 0] - cy) < reach)
    cols = np.flatnonzero(np.abs(gx[0] - cx) < reach)
    win = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    picture = img
    gx, gy, X0, Y0, img = gx[win], gy[win], X0[win], Y0[win], img[win]

    def full_size(mask):
        out = np.zeros((size, size), np.float32)
        out[win] = mask
        return out

    # the head: a unit sphere in the rolled frame, jaw narrowed towards the chin
    jaw = 1.0 - idn["jaw"] * np.clip(Y0, 0, 1) ** 2
    X = X0 / jaw
    r2 = X * X + Y0 * Y0
    head = _soft((np.sqrt(r2) - 1.0) * rx, px)
    Z = np.sqrt(np.clip(1.0 - r2, 0.0, 1.0))
    # normal in camera frame (undo roll for lighting, so the light stays put)
    nx_r, ny_r = X, Y0
    nx, ny = cr * nx_r - sr * ny_r, sr * nx_r + cr * ny_r
    lam = np.clip(nx * LIGHT[0] + ny * LIGHT[1] + Z * LIGHT[2], 0, 1)
    shade = (0.45 + 0.6 * lam)[..., None]

    # face frame: inverse yaw (about the vertical axis), then inverse pitch
    cyw, syw = float(np.cos(ex["yaw"])), float(np.sin(ex["yaw"]))
    U1 = cyw * X - syw * Z
    W1 = syw * X + cyw * Z
    cp, sp = float(np.cos(ex["pitch"])), float(np.sin(ex["pitch"]))
    V = cp * Y0 + sp * W1
    W = -sp * Y0 + cp * W1
    U = U1
    front = np.clip(W * 4.0, 0, 1)
    uv_aa = 0.035   # anti-aliasing width in face units

    face = np.empty_like(img)
    face[:] = skin
    # freckles: small spots on the cheeks
    if idn["freckles"]:
        f = 22.0
        cu, cv = U * f, V * f
        d = np.hypot(cu - np.round(cu), cv - np.round(cv)) - 0.18
        cheek = np.clip(1 - np.hypot((np.abs(U) - 0.38) / 0.25, (V - 0.2) / 0.15), 0, 1)
        _over(face, _soft(d, 0.15) * cheek * front * 0.6, skin * 0.62)
    # nose: a shadow on the side away from the light and a highlight on the tip
    nl, nw = idn["nose_len"], idn["nose_w"]
    nose = np.clip(1 - np.hypot(U / nw, (V - 0.12 - nl * 0.2) / (nl * 0.55)), 0, 1) * front
    _over(face, np.clip(nose * 2.2, 0, 1) * (U > 0) * 0.45, skin * 0.55)
    _over(face, _soft(np.hypot(U / (nw * 0.7), (V - 0.12 - nl * 0.62) / 0.05) - 1, 0.6) * front * 0.5,
          skin * 0.6 + 0.3)
    _over(face, _soft(np.hypot((np.abs(U) - nw * 0.45) / 0.045, (V - 0.14 - nl * 0.7) / 0.025) - 1, 0.5)
          * front, skin * 0.35)

    # eyes: sclera, iris (follows gaze), pupil, highlight; blink closes the lids
    es, ev = idn["eye_spacing"], idn["eye_v"]
    ew, eh = idn["eye_w"], idn["eye_h"] * (1 - 0.92 * ex["blink"])
    eyes = np.zeros_like(gx)
    for side in (-1, 1):
        eu, evv = U - side * es, V - ev
        e_d = np.hypot(eu / ew, evv / max(eh, 1e-3)) - 1
        m = _soft(e_d * ew, uv_aa * 0.6) * front
        eyes = np.maximum(eyes, m)
        ecol = np.empty_like(img)
        ecol[:] = (0.96, 0.95, 0.93)
        iu, iv = eu - ex["gaze_x"] * ew * 0.45, evv - ex["gaze_y"] * eh * 0.35
        ir = ew * 0.48
        iris = _soft(np.hypot(iu, iv) - ir, uv_aa * 0.5)
        _over(ecol, iris, np.asarray(idn["iris"], np.float32))
        _over(ecol, _soft(np.hypot(iu, iv) - ir * 0.45, uv_aa * 0.4), (0.03, 0.03, 0.04))
        _over(ecol, _soft(np.hypot(iu + ir * 0.3, iv + ir * 0.3) - ir * 0.18, uv_aa * 0.3), (1, 1, 1))
        lid = _soft(np.abs(e_d * ew) - 0.012, uv_aa * 0.5) * front
        _over(face, m, ecol)
        _over(face, lid, skin * 0.3)
        # closed lid line when blinking
        if ex["blink"] > 0.6:
            line = _soft(np.maximum(np.abs(evv) - 0.012, np.abs(eu) - ew), uv_aa * 0.4) * front
            _over(face, line * (ex["blink"] - 0.6) / 0.4, skin * 0.3)

    # brows: arcs above the eyes, raised by brow_raise
    brows = np.zeros_like(gx)
    for side in (-1, 1):
        bu = U - side * es
        bv = ev - 0.17 - 0.07 * ex["brow_raise"] + 0.1 * (bu / idn["brow_w"]) ** 2 \
            - side * 0.03 * ex["brow_raise"] * bu / idn["brow_w"]
        d = np.maximum(np.abs(V - bv) - idn["brow_t"], np.abs(bu) - idn["brow_w"])
        brows = np.maximum(brows, _soft(d, uv_aa * 0.6) * front)
    _over(face, brows, hair_c * 0.7 + 0.05)

    # mouth: lips, an opening (dark), upper teeth with gaps when open
    mv, mw = idn["mouth_v"], idn["mouth_w"] * (1 + 0.22 * max(ex["smile"], 0))
    mu = U / mw
    centre = mv - ex["smile"] * 0.09 * mu ** 2 + 0.02 * ex["mouth_open"]
    open_h = 0.01 + 0.16 * ex["mouth_open"] * np.clip(1 - mu ** 2, 0, 1)
    inner = np.maximum(np.abs(V - centre) - open_h / 2, np.abs(mu) - 1.0)
    lips = _soft(np.maximum(np.abs(V - centre) - open_h / 2 - idn["lip_t"], np.abs(mu) - 1.08), uv_aa * 0.6) * front
    _over(face, lips, np.asarray(idn["lips"], np.float32))
    mouth_in = _soft(inner * mw, uv_aa * 0.35) * front
    mcol = np.empty_like(img)
    mcol[:] = (0.28, 0.06, 0.07)
    if ex["mouth_open"] > 0.25:
        tooth_top = centre - open_h / 2
        teeth = (V < tooth_top + 0.045 * min(1.0, ex["mouth_open"] * 1.5)) * (np.abs(mu) < 0.8)
        gaps = np.clip(np.cos(U * 48) * 3 + 2.2, 0, 1)
        _over(mcol, teeth * gaps, (0.97, 0.96, 0.9))
        _over(mcol, _soft(np.abs(V - (centre + open_h * 0.3)) - 0.03, 0.02) * (np.abs(mu) < 0.6) * 0.8,
              (0.75, 0.25, 0.28))   # tongue
    _over(face, mouth_in, mcol)
    mouth = np.maximum(lips, mouth_in)

    # hair on the head: above the hairline, and on the back of the head (seen when turned)
    hl = idn["hairline"]
    hair_d = V - (hl + 0.12 * U ** 2)
    if style == "bangs":
        hair_d = V - (ev - 0.16 + 0.05 * np.cos(U * 14))
    elif style == "side_fringe":
        hair_d = V - (hl + 0.25 + idn["fringe"] * (0.55 - 0.9 * U))
    front_hair = _soft(hair_d, 0.05) if style != "bald" else np.zeros_like(gx)
    front_hair = np.maximum(front_hair, np.clip(-W * 5 + (style == "bald") * -9, 0, 1))
    _over(face, front_hair, hair_c * strands[..., None])

    # glasses: frames around the eyes, tinted lenses, a bridge
    glasses = np.zeros_like(gx)
    gkind = GLASSES[idn["glasses"]]
    if gkind != "none":
        gr = ew * 1.35
        for side in (-1, 1):
            gu, gv = (U - side * es) / gr, (V - ev - 0.01) / (gr * 0.85)
            n = np.hypot(gu, gv) if gkind == "round" else np.maximum(np.abs(gu), np.abs(gv))
            ring = _soft(np.abs(n - 1) * gr - idn["frame_t"], uv_aa * 0.4) * front
            lens = _soft((n - 1) * gr, uv_aa * 0.4) * front
            _over(face, lens * 0.2, (0.6, 0.75, 0.85))
            glasses = np.maximum(glasses, ring)
        bridge = _soft(np.maximum(np.abs(V - ev + 0.03) - idn["frame_t"], np.abs(U) - (es - gr)),
                       uv_aa * 0.4) * front
        glasses = np.maximum(glasses, bridge)
        _over(face, glasses, np.asarray(idn["frame"], np.float32))

    face *= shade
    _over(img, head, face)
    img = picture
    head = full_size(head)
    background *= (1 - head) * (1 - shoulders) * (1 - back_hair) * (1 - neck)
    out = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
    if not return_masks:
        return out
    eyes, brows, mouth, glasses, front_hair = (full_size(m) for m in (eyes, brows, mouth, glasses, front_hair))
    return out, {"head": head, "hair": np.maximum(back_hair, front_hair * head), "eyes": eyes * head,
                 "brows": brows * head, "mouth": mouth * head, "glasses": glasses * head,
                 "background": background}
