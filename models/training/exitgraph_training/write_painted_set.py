"""Write the independent painted-style test set as label-map PNGs, for `exitgraph eval --inputs`.

The maps are those of dataset's `painted_test` split (painted_maps.sketch_map: a generator with
its own shapes and rules, never used in training or calibration), so a folder written here
measures a router off the training distribution, as a creator's painted maps would. Each map is
an 8-bit greyscale PNG whose pixel value is the class id, with a tEXt chunk `classes` (a JSON
array of the class names) so that eval matches classes by name; `index.json` lists each file's
map index and kind.

    python3 -m exitgraph_training.write_painted_set --out /tmp/painted --count 200

`--procedural N` first writes the first N maps of the procedural test split (landscape_maps,
as the pack's test split holds them) as `0-test-NNNN.png`, which sort before the painted ones:
a stream that switches from procedural to painted-style maps, for `exitgraph eval --audit`.
"""
import argparse
import json
from pathlib import Path

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from .landscape_maps import CLASSES, make_label_map
from .painted_maps import sketch_map

SPLIT = "painted_test"  # dataset.PAINTED_TEST (not imported: dataset needs torch)


def write_painted_set(out, count, seed=0, procedural=0):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    info = PngInfo()
    info.add_text("classes", json.dumps(CLASSES))
    index = []
    for i in range(procedural):
        labels, tier = make_label_map("test", i, seed)
        name = f"0-test-{i:04d}.png"
        Image.fromarray(labels, mode="L").save(out / name, pnginfo=info)
        index.append({"file": name, "index": i, "kind": "procedural:" + tier})
    for i in range(count):
        labels, kind = sketch_map(i, seed)
        name = f"{SPLIT}-{i:04d}.png"
        Image.fromarray(labels, mode="L").save(out / name, pnginfo=info)
        index.append({"file": name, "index": i, "kind": kind})
    (out / "index.json").write_text(json.dumps({"split": SPLIT, "seed": seed, "classes": CLASSES, "maps": index}, indent=1) + "\n")
    return index


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="folder to write (created)")
    p.add_argument("--count", type=int, default=200, help="number of maps (default 200)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--procedural", type=int, default=0, help="first write this many procedural test-split maps (a stream that switches)")
    args = p.parse_args(argv)
    if args.count < 1:
        p.error("--count must be at least 1")
    index = write_painted_set(args.out, args.count, args.seed, args.procedural)
    print(f"wrote {args.procedural} procedural and {args.count} painted-style label maps ({SPLIT}) to {args.out}")


if __name__ == "__main__":
    main()
