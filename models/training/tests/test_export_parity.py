"""Export parity: every ONNX file of a freshly built pack reproduces PyTorch within 1e-4.

The ONNX side runs in onnxruntime-node (the runtime exitgraph itself uses; Python has no
onnxruntime on these machines), via tests/run_parity.mjs, from the repository's node_modules.
"""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import on_ci

REPO = Path(__file__).resolve().parents[3]


def node_runtime():
    node = shutil.which("node")
    if node and (REPO / "node_modules" / "onnxruntime-node").is_dir():
        return node
    msg = "export parity needs node and the repository's node_modules (npm ci)"
    if on_ci():
        pytest.fail(msg + " — required on CI")
    pytest.skip(msg)


def run_parity(pack, parity):
    """Every parity case of a pack through onnxruntime-node (run_parity.mjs) -> its JSON report."""
    node = node_runtime()
    script = Path(__file__).with_name("run_parity.mjs")
    out = subprocess.run([node, str(script), str(pack), str(parity)], cwd=REPO, capture_output=True,
                         text=True, check=True, timeout=300)
    return json.loads(out.stdout)


def test_every_onnx_file_matches_pytorch(tiny_pack):
    pack, parity, _ = tiny_pack
    report = run_parity(pack, parity)
    assert report["tolerance"] <= 1e-4
    files = {r["file"] for r in report["results"]}
    assert files == {p.name for p in pack.glob("*.onnx")}
    worst = max(report["results"], key=lambda r: r["max_abs_diff"])
    assert worst["max_abs_diff"] <= 1e-4, worst
