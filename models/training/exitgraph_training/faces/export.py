"""ONNX export of the faces model into an `exitgraph.pack/2` pack (docs/pack-format.md), with the
same parity vectors as the landscape export (export.py's docstring), one case per ONNX file per
sample, the stage included.

Tensor pool: source, driving (pack inputs); appearance, appearance_detail (the stage, once per
source); feat0..feat4, flow (segments); guide; image0..image4; distances.
"""
import json
from pathlib import Path

import onnx
import torch
import torch.nn as nn

from ..export import PackExporter, _Replay, exit_costs, io_shapes  # noqa: F401 (exit_costs: re-exported)
from .data import images_to_tensor
from .model import SIZE

INPUT_NAMES = ("source", "driving")


class _Call(nn.Module):
    """Exports one method of a module with a fixed positional signature."""

    def __init__(self, fn, module):
        super().__init__()
        self.module, self.fn = module, fn

    def forward(self, *args):
        return self.fn(self.module, *args)


class _Reference(nn.Module):
    def __init__(self, backbone, heads, guides):
        super().__init__()
        self.backbone, self.heads, self.guides = backbone, heads, guides

    def forward(self, source, driving):
        full, feats, st = self.backbone(source, driving)
        return tuple(self.heads(feats, self.guides(st["appearance"]), st["appearance"]) + [full])


def export_model(out_dir, backbone, heads, guides, predictor, sample_pairs, parity_dir=None):
    """Every ONNX file of the pack; sample_pairs: dict source, driving uint8 [S, H, W, 3] used
    for the parity vectors. Returns the PackExporter (macs per file, parity cases)."""
    ex = PackExporter(out_dir, parity_dir)
    segs = backbone.segments
    for s in range(len(sample_pairs["source"])):
        run = ex.add if s == 0 else _Replay(ex).add
        src = images_to_tensor(sample_pairs["source"][s:s + 1])
        drv = images_to_tensor(sample_pairs["driving"][s:s + 1])
        appearance, detail = run(backbone.stage, [src], "appearance.onnx", ["source"],
                                 ["appearance", "appearance_detail"])
        feat0 = run(segs[0], [drv], "segment0.onnx", ["driving"], ["feat0"])[0]
        feat1, flow = run(segs[1], [feat0, appearance], "segment1.onnx", ["feat0", "appearance"],
                          ["feat1", "flow"])
        feat2 = run(segs[2], [feat1], "segment2.onnx", ["feat1"], ["feat2"])[0]
        feat3 = run(segs[3], [feat2], "segment3.onnx", ["feat2"], ["feat3"])[0]
        feat4 = run(segs[4], [feat3, flow, detail], "segment4.onnx",
                    ["feat3", "flow", "appearance_detail"], ["feat4"])[0]
        feats = [feat0, feat1, feat2, feat3, feat4]
        guide = run(guides, [appearance], "guides.onnx", ["appearance"], ["guide"])[0]
        for k, head in enumerate(heads.heads):
            if k == 0:
                run(_Call(lambda h, f, g, a: h(f, g, a), head), [feat0, guide, appearance],
                    "head0.onnx", ["feat0", "guide", "appearance"], ["image0"])
            else:
                run(_Call(lambda h, f, g: h(f, g), head), [feats[k], guide], f"head{k}.onnx",
                    [f"feat{k}", "guide"], [f"image{k}"])
        full_k = len(heads.heads)
        run(backbone.head, [feat4], f"head{full_k}.onnx", ["feat4"], [f"image{full_k}"])
        run(predictor, [src, drv], "predictor.onnx", list(INPUT_NAMES), ["distances"])
        run(_Reference(backbone, heads, guides), [src, drv], "reference.onnx", list(INPUT_NAMES),
            [f"image{k}" for k in range(full_k + 1)])
    return ex


def image_input(name):
    return {"name": name, "kind": "image", "height": SIZE, "width": SIZE, "channels": 3, "range": [-1, 1]}


def build_manifest(name, num_exits, guide_count, test_count, version="1.0.0"):
    full = num_exits - 1
    segments = [
        {"file": "segment0.onnx", "inputs": ["driving"], "outputs": ["feat0"]},
        {"file": "segment1.onnx", "inputs": ["feat0", "appearance"], "outputs": ["feat1", "flow"]},
        {"file": "segment2.onnx", "inputs": ["feat1"], "outputs": ["feat2"]},
        {"file": "segment3.onnx", "inputs": ["feat2"], "outputs": ["feat3"]},
        {"file": "segment4.onnx", "inputs": ["feat3", "flow", "appearance_detail"], "outputs": ["feat4"]},
    ]
    exits = [{"name": "exit0", "after_segment": 0, "file": "head0.onnx",
              "inputs": ["feat0", "guide", "appearance"], "output": "image0"}]
    exits += [{"name": f"exit{k}", "after_segment": k, "file": f"head{k}.onnx",
               "inputs": [f"feat{k}", "guide"], "output": f"image{k}"} for k in range(1, full)]
    exits.append({"name": "full", "after_segment": len(segments) - 1, "file": f"head{full}.onnx",
                  "inputs": [f"feat{len(segments) - 1}"], "output": f"image{full}"})
    manifest = {
        "format": "exitgraph.pack/2",
        "name": name,
        "version": version,
        "task": "face-reenactment",
        "description": f"Face cross-reenactment of stylised portraits (procedural data): the source's "
                       f"identity with the driver's expression and pose, {num_exits} exits, "
                       f"identity-retrieval guides",
        "inputs": [image_input(n) for n in INPUT_NAMES],
        "output": {"kind": "image", "range": [-1, 1]},
        "stages": [{"file": "appearance.onnx", "inputs": ["source"],
                    "outputs": ["appearance", "appearance_detail"], "cache": "per_input"}],
        "segments": segments,
        "guides": {"file": "guides.onnx", "after_segment": 0, "inputs": ["appearance"],
                   "outputs": ["guide"], "count": int(guide_count)},
        "exits": exits,
        "predictor": {"file": "predictor.onnx", "inputs": list(INPUT_NAMES), "output": "distances"},
        "metric": "lpips-alex",
        "calibration": {"file": "calibration.json"},
        "reference": {"file": "reference.onnx", "inputs": list(INPUT_NAMES),
                      "outputs": [f"image{k}" for k in range(num_exits)]},
        "training": {"file": "training-report.json"},
    }
    if test_count:
        manifest["splits"] = {"test": {
            "inputs": {n: f"splits/test.{n}.u8" for n in INPUT_NAMES},
            "images": "splits/test.images.u8", "count": int(test_count)}}
    return manifest


def check_pack(pack_dir):
    """Re-open a written multi-input pack: every file the manifest names exists, passes
    onnx.checker and declares exactly the tensor names the manifest says, each input produced
    by a pack input or an earlier file with the same shape. Returns the manifest."""
    pack = Path(pack_dir)
    m = json.loads((pack / "manifest.json").read_text())
    known = {i["name"]: [1, i["channels"], i["height"], i["width"]] for i in m["inputs"]}

    def check(file, inputs, outputs):
        model = onnx.load(str(pack / file))
        onnx.checker.check_model(model)
        shapes = io_shapes(model)
        names_in = [i.name for i in model.graph.input if i.name in shapes]
        names_out = [o.name for o in model.graph.output]
        if sorted(names_in) != sorted(inputs) or sorted(names_out) != sorted(outputs):
            raise AssertionError(f"{file}: graph has inputs {names_in} outputs {names_out}, "
                                 f"manifest says {inputs} -> {outputs}")
        for n in inputs:
            if n not in known:
                raise AssertionError(f"{file}: input {n} is produced by no earlier file")
            if known[n] != shapes[n]:
                raise AssertionError(f"{file}: {n} is {shapes[n]}, produced as {known[n]}")
        for n in outputs:
            known[n] = shapes[n]

    for st in m.get("stages", []):
        check(st["file"], st["inputs"], st["outputs"])
    for i, seg in enumerate(m["segments"]):
        check(seg["file"], seg["inputs"], seg["outputs"])
        if m.get("guides") and m["guides"]["after_segment"] == i:
            check(m["guides"]["file"], m["guides"]["inputs"], m["guides"]["outputs"])
    for e in m["exits"]:
        check(e["file"], e["inputs"], [e["output"]])
        if known[e["output"]] != [1, 3, SIZE, SIZE]:
            raise AssertionError(f"{e['file']}: output {known[e['output']]}, expected [1, 3, {SIZE}, {SIZE}]")
    check(m["predictor"]["file"], m["predictor"]["inputs"], [m["predictor"]["output"]])
    if known[m["predictor"]["output"]] != [1, len(m["exits"])]:
        raise AssertionError("predictor output must be [1, number of exits]")
    ref = m.get("reference")
    if ref:
        check(ref["file"], ref["inputs"], ref["outputs"])
    cal = json.loads((pack / m["calibration"]["file"]).read_text())
    assert len(cal["predicted"]) == cal["n"] == len(cal["measured"])
    assert all(len(r) == len(m["exits"]) for r in cal["predicted"] + cal["measured"])
    frame = SIZE * SIZE * 3
    for split in m.get("splits", {}).values():
        for name, file in split["inputs"].items():
            assert (pack / file).stat().st_size == split["count"] * frame, f"{file}: wrong size"
        assert (pack / split["images"]).stat().st_size == split["count"] * frame
    return m
