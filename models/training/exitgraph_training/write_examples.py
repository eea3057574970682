"""Write a few sample label maps for exitgraph's examples (examples/label-maps/).

Each map is an 8-bit grayscale PNG whose pixel value is the class id (index into the pack's
`input.classes`); a colour preview (`*.preview.png`) and the ground-truth render
(`*.truth.png`) sit next to it for people. Maps are the first test-split maps of each
difficulty tier, so they are the same maps the pack's test split holds.

    python3 -m exitgraph_training.write_examples --out ../../examples/label-maps
"""
import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from .landscape_maps import CLASSES, make_label_map
from .landscape_render import render

PALETTE = np.array([[135, 180, 235], [240, 240, 240], [110, 100, 110], [255, 255, 255],
                    [150, 140, 130], [30, 70, 160], [220, 200, 140], [80, 160, 60],
                    [20, 90, 30], [250, 220, 50]], np.uint8)


def pick_examples(per_tier=2, seed=0, search=200):
    found = {"easy": [], "medium": [], "hard": []}
    for i in range(search):
        lab, tier = make_label_map("test", i, seed)
        if len(found[tier]) < per_tier:
            found[tier].append((i, lab))
        if all(len(v) >= per_tier for v in found.values()):
            break
    return found


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--per-tier", type=int, default=2)
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    index = []
    for tier, items in pick_examples(args.per_tier).items():
        for n, (i, lab) in enumerate(items):
            name = f"landscape-{tier}-{n + 1}"
            Image.fromarray(lab, mode="L").save(out / f"{name}.png")
            Image.fromarray(PALETTE[lab]).save(out / f"{name}.preview.png")
            Image.fromarray(np.round(render(lab) * 255).astype(np.uint8)).save(out / f"{name}.truth.png")
            index.append({"file": f"{name}.png", "tier": tier, "test_index": i})
    (out / "index.json").write_text(json.dumps(
        {"classes": CLASSES, "encoding": "8-bit grayscale, pixel value = class id",
         "palette": PALETTE.tolist(), "maps": index}, indent=1) + "\n")
    print(f"wrote {len(index)} maps to {out}")


if __name__ == "__main__":
    main()
