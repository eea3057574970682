"""Drawing identity and expression/pose parameters for the renderer (render.py).

Difficulty is drawn, not uniform: an identity is "plain" (short hair, no glasses, plain
background) or "busy" (long hair, bangs or a side fringe over an eye, glasses, freckles, striped,
dotted or pinstriped backgrounds); an expression is mild (near-frontal, small movements) or
extreme (large yaw/pitch/roll, open mouth showing teeth, raised brows, closed eyes, gaze to a
side). A pair is hard when its pose change is large or its source identity is busy, since then
the detail the early exits cannot render is what the ground truth shows.
"""
import numpy as np

from .render import BACKGROUNDS, EXPRESSION_RANGES, GLASSES, HAIR_COLOURS, HAIR_STYLES, \
    IRIS_COLOURS, SKIN_TONES


BACKDROP_RANGE = (0.15, 0.95)             # the backdrop's two colours, per channel
PINSTRIPE_BACKDROP_RANGE = (0.1, 0.6)     # the near colour under pinstripes (see sample_identity)


def _mix(rng, palette, jitter=0.05):
    i = rng.integers(0, len(palette))
    j = min(i + 1, len(palette) - 1)
    c = palette[i] * (1 - (t := rng.random() * 0.5)) + palette[j] * t
    return np.clip(c + rng.normal(0, jitter, 3), 0, 1).astype(np.float32).tolist()


def sample_identity(rng, busy=None):
    """A dict of identity parameters; `busy` forces the plain/busy draw (default: 50/50)."""
    busy = bool(rng.random() < 0.5) if busy is None else busy
    if busy:
        style = int(rng.choice([1, 2, 3, 4, 2, 4]))
        glasses = int(rng.integers(0, 3)) if rng.random() < 0.75 else 0
        bg = int(rng.integers(1, 4)) if rng.random() < 0.75 else 0   # stripes, dots, pinstripes
        freckles = bool(rng.random() < 0.4)
    else:
        style = int(rng.choice([0, 0, 1, 5]))
        glasses = 0
        bg = 0
        freckles = False
    identity = {
        "face_w": float(rng.uniform(0.42, 0.5)), "face_h": float(rng.uniform(0.53, 0.6)),
        "jaw": float(rng.uniform(0.05, 0.35)),
        "skin": _mix(rng, SKIN_TONES, 0.02),
        "hair_style": style, "hair": _mix(rng, HAIR_COLOURS, 0.04),
        "hairline": float(rng.uniform(-0.62, -0.45)), "fringe": float(rng.uniform(0.2, 0.6)),
        "hair_freq": float(rng.uniform(40, 90) if busy else rng.uniform(15, 35)),
        "hair_angle": float(rng.uniform(1.2, 1.9)),
        "eye_spacing": float(rng.uniform(0.3, 0.38)), "eye_v": float(rng.uniform(-0.14, -0.04)),
        "eye_w": float(rng.uniform(0.12, 0.16)), "eye_h": float(rng.uniform(0.06, 0.085)),
        "iris": _mix(rng, IRIS_COLOURS, 0.05),
        "brow_w": float(rng.uniform(0.11, 0.16)), "brow_t": float(rng.uniform(0.012, 0.03)),
        "nose_len": float(rng.uniform(0.2, 0.32)), "nose_w": float(rng.uniform(0.08, 0.13)),
        "mouth_v": float(rng.uniform(0.5, 0.6)), "mouth_w": float(rng.uniform(0.18, 0.27)),
        "lip_t": float(rng.uniform(0.015, 0.035)),
        "lips": np.clip(np.array([0.75, 0.35, 0.38]) + rng.normal(0, 0.06, 3), 0, 1).tolist(),
        "glasses": glasses, "frame": _mix(rng, HAIR_COLOURS, 0.05),
        "frame_t": float(rng.uniform(0.012, 0.025)),
        "freckles": freckles,
        "shirt": rng.random(3).astype(np.float32).tolist(),
        "bg_a": rng.uniform(*BACKDROP_RANGE, 3).tolist(), "bg_b": rng.uniform(*BACKDROP_RANGE, 3).tolist(),
        "bg_pattern": bg, "bg_freq": float(rng.uniform(6, 14)),
        "bg_angle": float(rng.uniform(0, np.pi)),
    }
    if BACKGROUNDS[bg] == "pinstripes":
        # Pinstripes over a dark backdrop: its near colour mapped from BACKDROP_RANGE to
        # PINSTRIPE_BACKDROP_RANGE (the same draw, so every other parameter stays as drawn), since
        # the stripes are painted light. Over a light backdrop they faded, a 64x64 exit rendered
        # them well enough, and too few pairs needed the full model.
        (lo, hi), (new_lo, new_hi) = BACKDROP_RANGE, PINSTRIPE_BACKDROP_RANGE
        scale = (new_hi - new_lo) / (hi - lo)
        identity["bg_a"] = [new_lo + (c - lo) * scale for c in identity["bg_a"]]
    return identity


def sample_expression(rng, extreme=None):
    """A dict of expression/pose parameters; `extreme` forces the mild/extreme draw (default 50/50)."""
    extreme = bool(rng.random() < 0.5) if extreme is None else extreme
    s = 1.0 if extreme else 0.35
    r = EXPRESSION_RANGES

    def sym(name, scale):
        lo, hi = r[name]
        return float(np.clip(rng.uniform(-1, 1) * scale * hi, lo, hi))

    mouth = float(rng.uniform(0.3, 1.0) if extreme and rng.random() < 0.6 else rng.uniform(0, 0.25))
    return {
        "mouth_open": mouth,
        "smile": float(np.clip(rng.uniform(-0.6, 1.0) * s, -0.6, 1.0)),
        "brow_raise": sym("brow_raise", s),
        "blink": float(rng.uniform(0.7, 1.0) if extreme and rng.random() < 0.2 else rng.uniform(0, 0.3)),
        "gaze_x": sym("gaze_x", s), "gaze_y": sym("gaze_y", s * 0.7),
        "yaw": sym("yaw", s), "pitch": sym("pitch", s), "roll": sym("roll", s),
        "shift_x": sym("shift_x", s), "shift_y": sym("shift_y", s),
    }


def pose_change(a, b):
    """How far apart two expressions are (angles and shifts dominate): the tier score of a pair."""
    keys = ("yaw", "pitch", "roll")
    ang = np.sqrt(sum((a[k] - b[k]) ** 2 for k in keys))
    shift = np.hypot(a["shift_x"] - b["shift_x"], a["shift_y"] - b["shift_y"])
    return float(ang + 3.0 * shift + 0.3 * abs(a["mouth_open"] - b["mouth_open"]))


def identity_is_busy(idn):
    return HAIR_STYLES[idn["hair_style"]] in ("long", "bangs", "side_fringe") \
        or GLASSES[idn["glasses"]] != "none" or BACKGROUNDS[idn["bg_pattern"]] != "plain"
