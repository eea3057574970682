"""Shared fixtures: the LPIPS weights folder (skip without it, fail on CI), one tiny pack, and
`inspect_pack` (exitgraph's own pack checker; skip without node and the built CLI, fail on CI)."""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exitgraph_training.lpips import resolve_weights_dir  # noqa: E402


def on_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def weights_dir():
    folder = resolve_weights_dir()
    if not (folder / "lpips_alex_v0.1.f32.json").is_file():
        msg = (f"LPIPS weights not found in {folder} (set EXITGRAPH_WEIGHTS, or make them with "
               f"exitgraph_training.export_lpips_weights)")
        if on_ci():
            pytest.fail(msg + " — required on CI")
        pytest.skip(msg)
    return folder


@pytest.fixture(scope="session")
def tiny_pack(tmp_path_factory, weights_dir):
    """A pack built end to end by `build_pack --tiny` (a few training steps)."""
    from exitgraph_training import build_pack
    root = tmp_path_factory.mktemp("tiny")
    report = build_pack.main(["--tiny", "--out", str(root / "pack"), "--parity-out",
                              str(root / "parity"), "--weights", str(weights_dir),
                              "--checkpoint", str(root / "checkpoint.pt")])
    return root / "pack", root / "parity", report


def inspect_pack(pack):
    """`exitgraph pack inspect <pack> --json` (raises on any error it reports)."""
    from exitgraph_training.core import pack_check
    reason = pack_check.unavailable_reason()
    if reason:
        msg = f"exitgraph pack inspect unavailable: {reason}"
        if on_ci():
            pytest.fail(msg + " — required on CI")
        pytest.skip(msg)
    return pack_check.inspect_pack(pack)
