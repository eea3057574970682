"""A tiny end-to-end build (a few steps) must give a complete, self-consistent pack."""
import json

import numpy as np
import onnx
import pytest
import torch

from conftest import inspect_pack
from exitgraph_training import build_pack
from exitgraph_training.faces import build_pack as faces_build_pack
from exitgraph_training.core.export import io_shapes
from exitgraph_training.landscape_maps import CLASSES


def test_tiny_build_produces_a_loadable_pack(tiny_pack):
    pack, _, report = tiny_pack
    result = inspect_pack(pack)   # the runtime's checker: files, tensor names and shapes, data
    assert result["format"] == "exitgraph.pack/1" and result["task"] == "semantic-map-to-image"
    assert result["inputs"] == [{"name": "label_map", "kind": "label_map", "height": 128, "width": 128}]
    # the runtime's MAC counts are the ones the build reports
    assert [e["macs"] for e in result["exits"]] == report["macs"]["exit_costs"]
    m = json.loads((pack / "manifest.json").read_text())
    assert m["input"] == {"name": "label_map", "kind": "label_map", "height": 128, "width": 128,
                          "classes": CLASSES}
    assert len(m["exits"]) >= 5 and m["exits"][-1]["name"] == "full"
    assert [e["after_segment"] for e in m["exits"]] == sorted(e["after_segment"] for e in m["exits"])
    assert m["guides"]["count"] > 0
    assert (pack / "training-report.json").is_file()
    assert "guides_ablation" in report and "with_guides" in report["guides_ablation"]


def test_manifest_shapes_match_onnx_files(tiny_pack):
    pack, _, _ = tiny_pack
    m = json.loads((pack / "manifest.json").read_text())
    seg0 = io_shapes(onnx.load(str(pack / m["segments"][0]["file"])))
    assert seg0["label_map"] == [1, len(CLASSES), 128, 128]
    for e in m["exits"]:
        assert io_shapes(onnx.load(str(pack / e["file"])))[e["output"]] == [1, 3, 128, 128]
    pred = io_shapes(onnx.load(str(pack / m["predictor"]["file"])))
    assert pred["distances"] == [1, len(m["exits"])]
    ref = onnx.load(str(pack / m["reference"]["file"]))
    assert [o.name for o in ref.graph.output] == m["reference"]["outputs"]


def test_costs_grow_along_the_exits(tiny_pack):
    _, _, report = tiny_pack
    costs = report["macs"]["exit_costs"]
    assert all(a < b for a, b in zip(costs, costs[1:]))
    assert costs[0] / costs[-1] <= 0.35
    assert report["macs"]["predictor_share"] < 0.05


def test_calibration_and_splits(tiny_pack):
    pack, _, _ = tiny_pack
    m = json.loads((pack / "manifest.json").read_text())
    cal = json.loads((pack / "calibration.json").read_text())
    assert cal["metric"] == m["metric"] == "lpips-alex"
    assert cal["exits"] == [e["name"] for e in m["exits"]]
    assert np.all(np.array(cal["measured"])[:, -1] == 0)
    test = m["splits"]["test"]
    labels = np.fromfile(pack / test["labels"], np.uint8).reshape(test["count"], 128, 128)
    assert labels.max() < len(CLASSES)


def test_parity_vectors_cover_every_file(tiny_pack):
    pack, parity, _ = tiny_pack
    index = json.loads((parity / "index.json").read_text())
    files = {c["file"] for c in index["cases"]}
    assert files == {p.name for p in pack.glob("*.onnx")}
    for case in index["cases"]:
        model = onnx.load(str(pack / case["file"]))
        shapes = io_shapes(model)
        for t in case["inputs"] + case["outputs"]:
            assert shapes[t["name"]] == t["shape"]
            data = np.fromfile(parity / t["data"], "<f4")
            assert data.size == int(np.prod(t["shape"])) and np.isfinite(data).all()


def test_resume_re_exports_without_training(tiny_pack, tmp_path, weights_dir):
    pack, _, _ = tiny_pack
    report = build_pack.main(["--tiny", "--out", str(tmp_path / "again"), "--parity-out",
                              str(tmp_path / "parity"), "--weights", str(weights_dir),
                              "--resume", str(pack.parent / "checkpoint.pt")])
    assert report["resumed_from_checkpoint"]
    inspect_pack(tmp_path / "again")
    for name in ("segment0.onnx", "head4.onnx", "guides.onnx"):
        assert (tmp_path / "again" / name).read_bytes() == (pack / name).read_bytes()


@pytest.mark.parametrize("command", [build_pack, faces_build_pack], ids=["landscape", "faces"])
def test_bad_device_is_a_clear_error(capsys, command):
    with pytest.raises(SystemExit):
        command.parse_args(["--out", "unused", "--device", "gpu0"])
    assert "--device gpu0" in capsys.readouterr().err
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit):
            command.parse_args(["--out", "unused", "--device", "cuda"])
        assert "sees no CUDA device" in capsys.readouterr().err


def test_refined_heads_on_a_reused_backbone(tiny_pack, tmp_path, weights_dir):
    """--exit-refine full: the heads read the label map; --reuse-backbone keeps the backbone."""
    pack, _, _ = tiny_pack
    out = tmp_path / "refined"
    report = build_pack.main(["--tiny", "--out", str(out), "--parity-out", str(tmp_path / "parity"),
                              "--weights", str(weights_dir), "--reuse-backbone", str(pack.parent / "checkpoint.pt"),
                              "--exit-refine", "full"])
    inspect_pack(out)
    assert report["data"]["exit_refine"] == "full"
    manifest = json.loads((out / "manifest.json").read_text())
    # predictor.onnx reads the grid exitgraph computes from the ids (model.label_grid)
    assert manifest["predictor"]["input"] == "label_grid"
    assert manifest["predictor"]["features"] == {"name": "label_grid", "kind": "label-grid", "from": "label_map",
                                                 "grid": 8, "stride": 2, "boundary": "pixel-or-sample"}
    # a chain of Gemm and activations, which exitgraph evaluates in JS (onnx/dense-chain.ts)
    assert {n.op_type for n in onnx.load(out / "predictor.onnx").graph.node} <= {"Flatten", "Gemm", "LeakyRelu", "Softplus"}
    predictor = onnx.load(out / "predictor.onnx")
    assert io_shapes(predictor)["label_grid"] == [1, 11, 8, 8]
    assert all(e["inputs"][-1] == "label_map" for e in manifest["exits"][:-1])
    head0 = onnx.load(out / "head0.onnx")
    assert [i.name for i in head0.graph.input if i.name in io_shapes(head0)] == ["feat0", "guide", "label_map"]
    for name in ("segment0.onnx", "segment4.onnx", "head4.onnx", "guides.onnx"):
        assert (out / name).read_bytes() == (pack / name).read_bytes(), name
