"""One command that rebuilds the landscape pack from nothing.

    cd models/training && python3 -m exitgraph_training.build_pack --out ../packs/landscape

Steps: data -> backbone -> guides -> exit heads (with and without guides: the ablation) ->
predictor -> calibration and test measurements -> ONNX export, manifest -> `exitgraph pack
inspect` -> figures. Training phases run on a wall-clock budget (`--backbone-minutes`,
`--exits-minutes`) and/or step caps. `--tiny` is a smoke run (seconds) used by the tests.
The build is the core's (core/build.py) with the landscape adapter (landscape/adapter.py).
"""
from .core import build
from .landscape.adapter import LandscapeAdapter

parse_args, main = build.command(LandscapeAdapter(), __doc__)

if __name__ == "__main__":
    main()
