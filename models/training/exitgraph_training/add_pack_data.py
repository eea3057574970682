"""Add the novelty maps and the painted-style test set to a landscape pack built before they
existed, without retraining: both are data, regenerated from the seed and painted share the
pack's training report records (the calibration split is deterministic by seed, so its maps
come back in calibration.json's order; the check below proves it on the test split).

It writes novelty of the older kind `maps` (the calibration maps at 32x32) on purpose: such a
pack's predictor predates `predictor.features`, so there is no label grid to score novelty on.
A pack built today writes kind `label-grid` (novelty.novelty_label_grids).

    cd models/training && python3 -m exitgraph_training.add_pack_data --pack ../packs/landscape
"""
import argparse
import json
from pathlib import Path

import numpy as np

from . import dataset, novelty


def add_pack_data(pack, painted=200, workers=None):
    pack = Path(pack)
    manifest = json.loads((pack / "manifest.json").read_text())
    report = json.loads((pack / "training-report.json").read_text())
    seed = int(report.get("seed", 0))
    share = float(report.get("data", {}).get("painted_share", 0.0))
    cal = json.loads((pack / "calibration.json").read_text())
    h, w = manifest["input"]["height"], manifest["input"]["width"]
    # The generator must still make the maps this pack was built from: the shipped test split.
    test = manifest["splits"]["test"]
    shipped = np.fromfile(pack / test["labels"], np.uint8).reshape(test["count"], h, w)
    again, _, _ = dataset.make_split("test", test["count"], seed, workers=workers, painted_share=0.0)
    if not np.array_equal(shipped, again):
        raise SystemExit(f"{pack}: the map generator no longer reproduces this pack's test split; rebuild the pack instead")
    cal_l, _, _ = dataset.make_split("calibration", cal["n"], seed, workers=workers, painted_share=share)
    (pack / "novelty.u8").write_bytes(novelty.novelty_maps(cal_l).tobytes())
    manifest["novelty"] = {"file": "novelty.u8", "split": "calibration", "count": int(cal["n"]),
                           "height": novelty.SIZE, "width": novelty.SIZE}
    if painted:
        # Labels only: the renders (ground truth) would take the pack past its 30 MB budget, and
        # the promise is measured against the full model's output, not the ground truth.
        p_l, _, _ = dataset.make_split(dataset.PAINTED_TEST, painted, seed, workers=workers)
        (pack / "splits/painted.labels.u8").write_bytes(np.ascontiguousarray(p_l, np.uint8).tobytes())
        manifest["splits"]["painted"] = {"labels": "splits/painted.labels.u8", "count": int(painted)}
    (pack / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pack", required=True, help="pack folder to extend in place")
    p.add_argument("--painted", type=int, default=200, help="painted-style test maps (0: none)")
    args = p.parse_args(argv)
    m = add_pack_data(args.pack, args.painted)
    print(f"{args.pack}: novelty maps of {m['novelty']['count']} calibration inputs"
          f"{', painted split of ' + str(m['splits']['painted']['count']) if 'painted' in m['splits'] else ''}")


if __name__ == "__main__":
    main()
