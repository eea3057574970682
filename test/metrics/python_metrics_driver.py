"""Cross-language check driver: runs the training toolkit's metrics on pairs written by
test/metrics/cross-language.test.ts and prints the results as JSON.

usage: python3 python_metrics_driver.py <pairs-dir> <weights-dir>
<pairs-dir>/pairs.json: [{"a": file, "b": file, "width": W, "height": H}], each file raw
little-endian float32 HWC RGB in [0, 1]. Output: [{"lpips-alex", "lpips-squeeze", "ssim", "psnr"}].
Needs PYTHONPATH to hold models/training (the test sets it).
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch

from exitgraph_training.image_metrics import psnr, ssim
from exitgraph_training.lpips import LPIPS


def load(path, width, height):
    hwc = np.fromfile(path, dtype="<f4").reshape(height, width, 3)
    return torch.from_numpy(hwc.copy()).permute(2, 0, 1).unsqueeze(0)  # [1, 3, H, W] in [0, 1]


def main():
    pairs_dir, weights_dir = Path(sys.argv[1]), sys.argv[2]
    pairs = json.loads((pairs_dir / "pairs.json").read_text())
    nets = {net: LPIPS(net, weights_dir=weights_dir) for net in ("alex", "squeeze")}
    out = []
    with torch.no_grad():
        for p in pairs:
            a = load(pairs_dir / p["a"], p["width"], p["height"])
            b = load(pairs_dir / p["b"], p["width"], p["height"])
            row = {f"lpips-{net}": float(m(a * 2 - 1, b * 2 - 1)[0]) for net, m in nets.items()}
            row["ssim"] = float(ssim(a, b)[0])
            row["psnr"] = float(psnr(a, b)[0])
            out.append(row)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
