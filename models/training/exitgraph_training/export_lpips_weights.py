"""Make the LPIPS weights folder (.f32.bin + .json, the layout exitgraph reads) from the
official `lpips` package, on a machine that has it:

    pip install lpips torchvision
    python3 -m exitgraph_training.export_lpips_weights --out ~/exitgraph-weights/lpips
    export EXITGRAPH_WEIGHTS=~/exitgraph-weights/lpips

Writes lpips_alex_v0.1.f32.{bin,json} and lpips_squeeze_v0.1.f32.{bin,json}: little-endian
float32 tensors concatenated in C order, and a manifest naming each tensor in torchvision's
naming (`features.N.weight`, `features.N.squeeze.bias`, ...) plus the LPIPS linear layers
(`linI.model.1.weight`), with its shape, byte offset and byte count. With --check-images (a
folder holding ex_ref.png, ex_p0.png, ex_p1.png from the LPIPS repository) it prints the official
package's distances next to the ones exitgraph computes from the written files.

How names map: the official `lpips.LPIPS(net=...)` holds the torchvision backbone's feature
layers in `net.slice1..sliceK`, each registered under its index in torchvision's `.features`
(so `net.slice2.3.weight` is `features.3.weight`), and the learned 1x1 layers in `lin0..linI`
(`linI.model.1.weight`; `model.0` is a Dropout).
"""
import argparse
import json
import re
from pathlib import Path

import numpy as np

FORMAT = "little-endian float32, C-order, tensors concatenated; offsets in bytes"
LAYOUT = "PyTorch (conv weight = [out, in, kH, kW])"
SLICE_KEY = re.compile(r"^net\.slice\d+\.(\d+)\.(.+)$")
LIN_KEY = re.compile(r"^lin(\d+)\.model\.1\.weight$")


def collect_tensors(model):
    """[(name, float32 array)] in the order of the shared folder: backbone layers by index,
    then lin0, lin1, ..."""
    state = model.state_dict()
    feats, lins = [], []
    for key, value in state.items():
        m = SLICE_KEY.match(key)
        if m:
            feats.append((int(m.group(1)), key, f"features.{m.group(1)}.{m.group(2)}", value))
            continue
        m = LIN_KEY.match(key)
        if m:
            lins.append((int(m.group(1)), key, value))
    feats.sort(key=lambda t: t[0])       # stable: keeps weight/bias order within a layer
    lins.sort(key=lambda t: t[0])
    out = [(name, v.detach().cpu().numpy().astype(np.float32)) for _, _, name, v in feats]
    out += [(f"lin{i}.model.1.weight", v.detach().cpu().numpy().astype(np.float32)) for i, _, v in lins]
    return out


def write_folder(tensors, out_dir, net):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    entries, blobs, offset = [], [], 0
    for name, arr in tensors:
        data = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        entries.append({"name": name, "shape": list(arr.shape), "offset": offset, "nbytes": len(data)})
        blobs.append(data)
        offset += len(data)
    (out_dir / f"lpips_{net}_v0.1.f32.bin").write_bytes(b"".join(blobs))
    (out_dir / f"lpips_{net}_v0.1.f32.json").write_text(
        json.dumps({"format": FORMAT, "layout": LAYOUT, "tensors": entries}, indent=1))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="folder to write (becomes EXITGRAPH_WEIGHTS)")
    p.add_argument("--nets", default="alex,squeeze")
    p.add_argument("--check-images", default=None, help="folder with ex_ref/ex_p0/ex_p1.png")
    args = p.parse_args(argv)
    try:
        import lpips  # the official package: pip install lpips torchvision
    except ImportError as e:
        raise SystemExit("this script needs the official package: pip install lpips torchvision") from e
    for net in args.nets.split(","):
        model = lpips.LPIPS(net=net, version="0.1", verbose=False).eval()
        tensors = collect_tensors(model)
        write_folder(tensors, args.out, net)
        print(f"{net}: {len(tensors)} tensors -> {args.out}")
        if args.check_images:
            check(model, net, args.out, Path(args.check_images))


def check(official, net, weights_dir, images):
    import torch
    from .lpips import LPIPS, load_image_minus1_1
    ref, p0, p1 = (load_image_minus1_1(images / f"{n}.png") for n in ("ex_ref", "ex_p0", "ex_p1"))
    ours = LPIPS(net, weights_dir)
    with torch.no_grad():
        for name, other in (("p0", p0), ("p1", p1)):
            print(f"  d(ref, {name}): official {official(ref, other).item():.6f} "
                  f"exitgraph {ours(ref, other).item():.6f}")


if __name__ == "__main__":
    main()
