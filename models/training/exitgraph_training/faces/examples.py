"""Writes the faces examples (examples/faces): two source portraits and a short driving sequence.

    cd models/training && /usr/bin/python3 -m exitgraph_training.faces.examples --out ../../examples/faces

Deterministic by seed. The sequence is one identity (not either source's) going through what a
creator drives a portrait with: a head turn to each side, a nod, the mouth opening and closing
with a smile, a blink and a raised brow, easing between key poses, so that early frames are easy
(near-frontal, small changes) and the turns and the open mouth need later exits.
"""
import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from .params import sample_identity
from .render import neutral_expression, render

# Key poses of the driving sequence; frames ease between consecutive keys.
KEYS = [
    {},
    {"smile": 0.5},
    {"yaw": 0.5, "smile": 0.4},
    {"yaw": -0.5, "gaze_x": -0.5},
    {"pitch": 0.3, "brow_raise": 0.8},
    {"mouth_open": 0.8, "smile": 0.2},
    {"blink": 1.0, "roll": 0.2},
    {},
]
FRAMES_PER_KEY = 4


def driving_sequence():
    """The expressions of the sequence, frame by frame (len(KEYS) - 1) * FRAMES_PER_KEY + 1 frames."""
    keys = [{**neutral_expression(), **k} for k in KEYS]
    frames = []
    for a, b in zip(keys, keys[1:]):
        for i in range(FRAMES_PER_KEY):
            t = i / FRAMES_PER_KEY
            t = t * t * (3 - 2 * t)  # ease in and out
            frames.append({name: a[name] * (1 - t) + b[name] * t for name in a})
    frames.append(keys[-1])
    return frames


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="folder for sources/ and driving/")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    out = Path(args.out)
    (out / "sources").mkdir(parents=True, exist_ok=True)
    (out / "driving").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    plain, busy, driver = sample_identity(rng, busy=False), sample_identity(rng, busy=True), sample_identity(rng, busy=False)
    neutral = neutral_expression()
    Image.fromarray(render(plain, neutral)).save(out / "sources/plain.png")
    Image.fromarray(render(busy, {**neutral, "smile": 0.3})).save(out / "sources/busy.png")
    frames = driving_sequence()
    for i, expression in enumerate(frames):
        Image.fromarray(render(driver, expression)).save(out / f"driving/frame-{i:03d}.png")
    print(f"wrote 2 sources and {len(frames)} driving frames to {out}")


if __name__ == "__main__":
    main()
