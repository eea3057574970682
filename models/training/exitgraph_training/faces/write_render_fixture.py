"""Writes the portrait renderer's parity fixture: pictures render.py draws, for the TypeScript port.

    cd models/training && /usr/bin/python3 -m exitgraph_training.faces.write_render_fixture \
        --out ../../test/fixtures/portraits

The Expression Editor node draws a driving portrait from slider values with a TypeScript port of
render.py (nodes/faces/portrait-render.ts) and the driver identity below (the same values as
nodes/faces/driver-identity.ts). This script renders that identity at a handful of expressions,
and a few busy identities (long hair, bangs, side fringe, bald, glasses, freckles, patterned
backgrounds) so the port's other features are checked too, and writes one PNG per case and
cases.json (identity and expression of each). Deterministic: no random draws at render time.
"""
import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from .params import sample_identity
from .render import neutral_expression, render

DRIVER_IDENTITY = {
    "face_w": 0.46, "face_h": 0.565, "jaw": 0.2, "skin": [0.93, 0.74, 0.6],
    "hair_style": 0, "hair": [0.3, 0.18, 0.09], "hairline": -0.55, "fringe": 0.4,
    "hair_freq": 25.0, "hair_angle": 1.55,
    "eye_spacing": 0.34, "eye_v": -0.09, "eye_w": 0.14, "eye_h": 0.072, "iris": [0.3, 0.18, 0.08],
    "brow_w": 0.135, "brow_t": 0.02, "nose_len": 0.26, "nose_w": 0.105,
    "mouth_v": 0.55, "mouth_w": 0.225, "lip_t": 0.025, "lips": [0.75, 0.35, 0.38],
    "glasses": 0, "frame": [0.3, 0.18, 0.09], "frame_t": 0.018, "freckles": False,
    "shirt": [0.35, 0.45, 0.6], "bg_a": [0.78, 0.8, 0.82], "bg_b": [0.55, 0.6, 0.66],
    "bg_pattern": 0, "bg_freq": 10.0, "bg_angle": 0.6,
}

# The driver at the expressions a slider user reaches for, each changing one thing or two.
DRIVER_CASES = {
    "neutral": {},
    "smile-open": {"smile": 1.0, "mouth_open": 0.9},
    "blink": {"blink": 1.0},
    "yaw-left": {"yaw": -0.6, "brow_raise": 0.6},
    "pitch-roll": {"pitch": 0.3, "roll": -0.3, "smile": -0.5},
    "gaze-side": {"gaze_x": 0.9, "gaze_y": -0.6, "brow_raise": -0.8},
    "shift": {"shift_x": 0.18, "shift_y": -0.1, "mouth_open": 0.4},
}

# Busy identities (drawn by sample_identity, then the feature under test forced) at a mild pose.
BUSY_CASES = {
    "busy-long-round-stripes": ({"hair_style": 2, "glasses": 1, "bg_pattern": 1, "freckles": True}, {"yaw": 0.3, "smile": 0.4}),
    "busy-bangs-square-dots": ({"hair_style": 3, "glasses": 2, "bg_pattern": 2, "freckles": False}, {"pitch": -0.2, "mouth_open": 0.6}),
    "busy-fringe": ({"hair_style": 4, "glasses": 0, "bg_pattern": 1, "freckles": True}, {"roll": 0.25, "blink": 0.8}),
    "busy-bald": ({"hair_style": 5, "glasses": 1, "bg_pattern": 0, "freckles": False}, {"yaw": -0.45}),
    "busy-medium": ({"hair_style": 1, "glasses": 0, "bg_pattern": 2, "freckles": False}, {"gaze_x": -0.7, "shift_x": -0.15}),
    "busy-pinstripes": ({"hair_style": 0, "glasses": 2, "bg_pattern": 3, "freckles": False}, {"yaw": 0.2, "roll": -0.15}),
}


def cases(seed):
    rng = np.random.default_rng(seed)
    for name, change in DRIVER_CASES.items():
        yield name, DRIVER_IDENTITY, {**neutral_expression(), **change}
    for name, (features, change) in BUSY_CASES.items():
        yield name, {**sample_identity(rng, busy=True), **features}, {**neutral_expression(), **change}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="fixture folder (PNGs and cases.json)")
    p.add_argument("--seed", type=int, default=15)
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, identity, expression in cases(args.seed):
        Image.fromarray(render(identity, expression)).save(out / f"{name}.png", optimize=True)
        written.append({"name": name, "file": f"{name}.png", "identity": identity, "expression": expression})
    (out / "cases.json").write_text(json.dumps({"driver_identity": DRIVER_IDENTITY, "cases": written}, indent=1) + "\n")
    print(f"wrote {len(written)} portraits and cases.json to {out}")


if __name__ == "__main__":
    main()
