"""A tiny end-to-end faces build (a few steps) gives a complete exitgraph.pack/2 pack whose ONNX
files reproduce PyTorch (through onnxruntime-node)."""
import json

import numpy as np
import onnx
import pytest

from conftest import inspect_pack
from exitgraph_training.core.export import io_shapes
from exitgraph_training.faces import build_pack
from test_export_parity import run_parity

IMAGE = {"kind": "image", "height": 128, "width": 128, "channels": 3, "range": [-1, 1]}


@pytest.fixture(scope="module")
def faces_pack(tmp_path_factory, weights_dir):
    root = tmp_path_factory.mktemp("faces")
    report = build_pack.main(["--tiny", "--out", str(root / "pack"), "--parity-out", str(root / "parity"),
                              "--weights", str(weights_dir), "--checkpoint", str(root / "checkpoint.pt")])
    return root / "pack", root / "parity", report


def test_tiny_build_writes_a_multi_input_pack(faces_pack):
    pack, _, report = faces_pack
    result = inspect_pack(pack)   # the runtime's checker: files, tensor names and shapes, data
    assert result["format"] == "exitgraph.pack/2" and result["stage_macs"] == report["macs"]["stage_macs"]
    assert [i["name"] for i in result["inputs"]] == ["source", "driving"]
    m = json.loads((pack / "manifest.json").read_text())
    assert m["format"] == "exitgraph.pack/2" and m["task"] == "face-reenactment" and m["name"] == "faces"
    assert m["inputs"] == [dict(name="source", **IMAGE), dict(name="driving", **IMAGE)]
    assert m["stages"] == [{"file": "appearance.onnx", "inputs": ["source"],
                            "outputs": ["appearance", "appearance_detail"], "cache": "per_input"}]
    assert len(m["segments"]) >= 5 and len(m["exits"]) >= 5 and m["exits"][-1]["name"] == "full"
    # the per-frame path never reads the source itself: only the cached stage outputs
    per_frame = [n for s in m["segments"] + m["exits"] for n in s["inputs"]]
    assert "source" not in per_frame and "driving" in per_frame
    assert m["predictor"] == {"file": "predictor.onnx", "inputs": ["source", "driving"], "output": "distances"}
    assert m["reference"]["inputs"] == ["source", "driving"]
    ref = onnx.load(str(pack / m["reference"]["file"]))
    assert [o.name for o in ref.graph.output] == m["reference"]["outputs"]


def test_splits_and_calibration(faces_pack):
    pack, _, _ = faces_pack
    m = json.loads((pack / "manifest.json").read_text())
    test = m["splits"]["test"]
    assert set(test["inputs"]) == {"source", "driving"}
    src = np.fromfile(pack / test["inputs"]["source"], np.uint8).reshape(test["count"], 128, 128, 3)
    gt = np.fromfile(pack / test["images"], np.uint8).reshape(test["count"], 128, 128, 3)
    assert not np.array_equal(src, gt)
    cal = json.loads((pack / "calibration.json").read_text())
    assert cal["metric"] == m["metric"] == "lpips-alex"
    assert cal["exits"] == [e["name"] for e in m["exits"]]
    assert np.all(np.array(cal["measured"])[:, -1] == 0)


def test_report_has_the_landscape_fields_and_the_baselines(faces_pack):
    pack, _, report = faces_pack
    on_disk = json.loads((pack / "training-report.json").read_text())
    for key in ("build_seconds", "phase_seconds", "backbone", "exits_training", "predictor", "macs",
                "test", "guides_ablation", "test_lpips_to_full_by_tier", "val_full_lpips_to_gt"):
        assert key in on_disk, key
    assert set(on_disk["baseline_lpips_to_gt"]) == {"source", "driver"}
    for k in ("full_lpips_to_gt", "exits", "oracle_saving", "oracle_exit_histogram", "risk"):
        assert k in report["test"]
    costs = report["macs"]["exit_costs"]
    assert all(a < b for a, b in zip(costs, costs[1:]))
    assert costs[0] / costs[-1] <= 0.35
    assert report["macs"]["predictor_share"] < 0.01
    assert report["macs"]["stage_macs"] == report["macs"]["files"]["appearance.onnx"] > 0


def test_parity_vectors_cover_every_file_including_the_stage(faces_pack):
    pack, parity, _ = faces_pack
    index = json.loads((parity / "index.json").read_text())
    files = {c["file"] for c in index["cases"]}
    assert files == {p.name for p in pack.glob("*.onnx")} and "appearance.onnx" in files
    for case in index["cases"]:
        shapes = io_shapes(onnx.load(str(pack / case["file"])))
        for t in case["inputs"] + case["outputs"]:
            assert shapes[t["name"]] == t["shape"]
            data = np.fromfile(parity / t["data"], "<f4")
            assert data.size == int(np.prod(t["shape"])) and np.isfinite(data).all()


def test_every_onnx_file_matches_pytorch(faces_pack):
    pack, parity, _ = faces_pack
    results = run_parity(pack, parity)["results"]
    assert {r["file"] for r in results} == {p.name for p in pack.glob("*.onnx")}
    worst = max(results, key=lambda r: r["max_abs_diff"])
    assert worst["max_abs_diff"] <= 1e-4, worst


def test_resume_re_exports_without_training(faces_pack, tmp_path, weights_dir):
    pack, _, first = faces_pack
    report = build_pack.main(["--tiny", "--out", str(tmp_path / "again"), "--parity-out", str(tmp_path / "parity"),
                              "--weights", str(weights_dir), "--resume", str(pack.parent / "checkpoint.pt")])
    assert report["resumed_from_checkpoint"] and "backbone" not in report["phase_seconds"]
    inspect_pack(tmp_path / "again")
    for name in ("appearance.onnx", "segment0.onnx", "head4.onnx", "guides.onnx"):
        assert (tmp_path / "again" / name).read_bytes() == (pack / name).read_bytes()
    # the measurements come from the checkpoint, the predictor is retrained the same way
    assert report["test"] == first["test"]
    assert report["baseline_lpips_to_gt"] == first["baseline_lpips_to_gt"]


def test_reuse_backbone_trains_only_new_heads(faces_pack, tmp_path, weights_dir):
    pack, _, first = faces_pack
    out = tmp_path / "heads"
    report = build_pack.main(["--tiny", "--out", str(out), "--parity-out", str(tmp_path / "parity"),
                              "--weights", str(weights_dir), "--reuse-backbone", str(pack.parent / "checkpoint.pt"),
                              "--exit-steps", "3"])
    inspect_pack(out)
    assert report["backbone"]["reused_from_checkpoint"] == "checkpoint.pt"
    assert report["exits_training"]["steps"] == 3
    # the backbone and the guides are the checkpoint's, byte for byte; the heads are retrained
    for name in ("appearance.onnx", "segment0.onnx", "segment4.onnx", "head4.onnx", "guides.onnx"):
        assert (out / name).read_bytes() == (pack / name).read_bytes(), name
    assert (out / "head1.onnx").read_bytes() != (pack / "head1.onnx").read_bytes()
    assert report["test"]["full_lpips_to_gt"] == first["test"]["full_lpips_to_gt"]


def test_exit_texture_stage_reads_the_texture_at_the_heads_resolution():
    """`--exit-texture stage`: detail finer than the head's own resolution (here a pattern with
    zero mean in every 2x2 block, for a 64x64 head) does not reach the refine; with `full` it does."""
    import torch
    from exitgraph_training.faces import model
    torch.manual_seed(0)
    feat = torch.randn(1, model.STAGE_CHANNELS[2], 64, 64)
    guide = torch.randn(1, 3, 32, 32)
    flow = torch.zeros(1, 2, 32, 32)
    detail = torch.randn(1, model.DETAIL_CHANNELS, 128, 128)
    checker = (torch.arange(128)[:, None] + torch.arange(128)[None, :]) % 2 * 2.0 - 1.0
    outputs = {}
    for texture in model.EXIT_TEXTURES:
        head = model.ExitHead(2, texture=texture).eval()
        for p in head.refine.parameters():   # the refine's last conv starts at zero: make it count
            torch.nn.init.normal_(p, std=0.1)
        with torch.no_grad():
            outputs[texture] = [head(feat, guide, d, flow=flow) for d in (detail, detail + checker)]
    assert torch.allclose(*outputs["stage"], atol=1e-6)
    assert (outputs["full"][0] - outputs["full"][1]).abs().max() > 1e-2
