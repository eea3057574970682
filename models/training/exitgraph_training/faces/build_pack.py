"""One command that rebuilds the faces (face cross-reenactment) pack from nothing.

    cd models/training && python3 -m exitgraph_training.faces.build_pack --out ../packs/faces

Steps: data (rendered portraits) -> backbone -> guides (identity retrieval) -> exit heads (with
and without guides: the ablation) -> predictor -> calibration and test measurements -> ONNX
export (exitgraph.pack/2: inputs source and driving, the appearance stage), manifest, parity
vectors -> `exitgraph pack inspect` -> figures. Training runs fixed step counts, so the pack does
not depend on the machine's load (`--backbone-minutes` / `--exits-minutes` add a wall-clock cap
if wanted). `--tiny` is a smoke run (seconds) used by the tests.
The build is the core's (core/build.py) with the faces adapter (faces/adapter.py).
"""
from ..core import build
from .adapter import FacesAdapter

parse_args, main = build.command(FacesAdapter(), __doc__)

if __name__ == "__main__":
    main()
