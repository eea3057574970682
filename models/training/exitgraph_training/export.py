"""ONNX export of a trained early-exit model into a pack (docs/pack-format.md), with checks.

Files: segment{i}.onnx, guides.onnx, head{k}.onnx, predictor.onnx, reference.onnx (all exits of
the same network from one graph), manifest.json. Every file reads and writes named tensors from
the pack's tensor pool: label_map, feat0..feat4, guide, image0..image4, distances.

No onnxruntime in Python here, so parity is split: this module checks each file with
onnx.checker and shape inference against the manifest, and writes parity vectors (PyTorch inputs
and outputs as raw float32) that exitgraph's TypeScript tests run through onnxruntime:

  <parity_dir>/index.json   {"pack": name, "tolerance": 1e-4, "cases": [case, ...]}
  case = {"file": "segment1.onnx", "sample": 0,
          "inputs":  [{"name": "feat0", "shape": [1, 64, 16, 16], "data": "segment1/0/feat0.bin"}, ...],
          "outputs": [{"name": "feat1", "shape": [...], "data": "segment1/0/feat1.bin"}]}
  *.bin: little-endian float32, C order, paths relative to index.json.
"""
import inspect
import json
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn as nn

from .dataset import labels_to_tensor
from .model import NUM_CLASSES
from .onnx_macs import count_macs

OPSET = 17


class _SegmentFile(nn.Module):
    def __init__(self, segment, first):
        super().__init__()
        self.segment, self.first = segment, first

    def forward(self, *args):
        return self.segment(*args)


class _HeadFile(nn.Module):
    def __init__(self, head):
        super().__init__()
        self.head = head

    def forward(self, feat, guide):
        return self.head(feat, guide)


class _Reference(nn.Module):
    def __init__(self, backbone, heads, guides):
        super().__init__()
        self.backbone, self.heads, self.guides = backbone, heads, guides

    def forward(self, label_map):
        full, feats = self.backbone(label_map)
        return tuple(self.heads(feats, self.guides(feats[0]), label_map) + [full])


def _export(module, args, path, input_names, output_names):
    module.eval()
    extra = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        extra["dynamo"] = False   # torch 2.x: keep the TorchScript exporter (same graphs as 1.13)
    with torch.no_grad():
        torch.onnx.export(module, args, str(path), input_names=input_names,
                          output_names=output_names, opset_version=OPSET, do_constant_folding=True,
                          **extra)
    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    return model


def io_shapes(model):
    """name -> shape of every graph input and output (after shape inference)."""
    model = onnx.shape_inference.infer_shapes(model)
    init = {i.name for i in model.graph.initializer}
    out = {}
    for vi in list(model.graph.input) + list(model.graph.output):
        if vi.name not in init:
            out[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    return out


class PackExporter:
    """Exports the files, keeps their entries for the manifest and the parity cases."""

    def __init__(self, out_dir, parity_dir=None):
        self.out = Path(out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.parity_dir = Path(parity_dir) if parity_dir else None
        self.cases = []
        self.macs = {}

    def add(self, module, inputs, file, input_names, output_names):
        """inputs: list of tensors (batch 1). Returns the torch outputs (as a list)."""
        path = self.out / file
        model = _export(module, tuple(inputs), path, input_names, output_names)
        shapes = io_shapes(model)
        with torch.no_grad():
            outs = module(*inputs)
        outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
        for name, t in list(zip(input_names, inputs)) + list(zip(output_names, outs)):
            if shapes.get(name) != list(t.shape):
                raise AssertionError(f"{file}: tensor {name} has ONNX shape {shapes.get(name)}, "
                                     f"PyTorch shape {list(t.shape)}")
        self.macs[file] = count_macs(model)
        self._parity_case(file, input_names, inputs, output_names, outs)
        return outs

    def _parity_case(self, file, in_names, ins, out_names, outs):
        if not self.parity_dir:
            return
        stem = Path(file).stem
        sample = sum(1 for c in self.cases if c["file"] == file)
        folder = self.parity_dir / stem / str(sample)
        folder.mkdir(parents=True, exist_ok=True)

        def entry(name, t):
            rel = f"{stem}/{sample}/{name}.bin"
            (self.parity_dir / rel).write_bytes(t.detach().numpy().astype("<f4").tobytes())
            return {"name": name, "shape": list(t.shape), "data": rel}

        self.cases.append({"file": file, "sample": sample,
                           "inputs": [entry(n, t) for n, t in zip(in_names, ins)],
                           "outputs": [entry(n, t) for n, t in zip(out_names, outs)]})

    def write_parity_index(self, pack_name, tolerance=1e-4):
        if self.parity_dir:
            (self.parity_dir / "index.json").write_text(json.dumps(
                {"pack": pack_name, "tolerance": tolerance, "cases": self.cases}, indent=1))


def export_model(out_dir, backbone, heads, guides, predictor, sample_labels, parity_dir=None):
    """Export every ONNX file of the pack; sample_labels: uint8 [S, H, W] maps used for the
    parity vectors (each file is exported once, its parity recorded for each sample).
    Returns (files dict for the manifest, macs per file)."""
    ex = PackExporter(out_dir, parity_dir)
    num_segments = len(backbone.segments)
    for s, labels in enumerate(sample_labels):
        x = labels_to_tensor(labels[None])
        first = s == 0
        feats = []
        run = ex.add if first else _Replay(ex).add
        feats.append(run(_SegmentFile(backbone.segments[0], True), [x], "segment0.onnx",
                         ["label_map"], ["feat0"])[0])
        for i in range(1, num_segments):
            feats.append(run(_SegmentFile(backbone.segments[i], False), [feats[-1], x],
                             f"segment{i}.onnx", [f"feat{i-1}", "label_map"], [f"feat{i}"])[0])
        guide = run(guides, [feats[0]], "guides.onnx", ["feat0"], ["guide"])[0]
        for k, head in enumerate(heads.heads):
            run(_HeadFile(head), [feats[k], guide], f"head{k}.onnx",
                [f"feat{k}", "guide"], [f"image{k}"])
        full_k = len(heads.heads)
        run(backbone.head, [feats[-1]], f"head{full_k}.onnx", [f"feat{num_segments-1}"],
            [f"image{full_k}"])
        run(predictor, [x], "predictor.onnx", ["label_map"], ["distances"])
        run(_Reference(backbone, heads, guides), [x], "reference.onnx", ["label_map"],
            [f"image{k}" for k in range(full_k + 1)])
    return ex


class _Replay:
    """Records a further parity sample for a file already exported (no re-export)."""

    def __init__(self, ex):
        self.ex = ex

    def add(self, module, inputs, file, input_names, output_names):
        with torch.no_grad():
            outs = module(*inputs)
        outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
        self.ex._parity_case(file, input_names, inputs, output_names, outs)
        return outs


def exit_costs(macs, num_segments, num_exits):
    """MACs to reach each exit: segments 0..after_segment, the guide retrieval for guided exits,
    and the exit's head. Exit k (k < last) sits after segment k; the last after the last segment."""
    seg = [macs[f"segment{i}.onnx"] for i in range(num_segments)]
    costs = []
    for k in range(num_exits):
        after = k if k < num_exits - 1 else num_segments - 1
        c = sum(seg[:after + 1]) + macs[f"head{k}.onnx"]
        if k < num_exits - 1:
            c += macs["guides.onnx"]
        costs.append(c)
    return costs


def build_manifest(name, classes, num_segments, num_exits, guide_count, test_count, version="1.0.0",
                   painted_count=0, novelty_count=0, novelty_size=32):
    full = num_exits - 1
    segments = [{"file": "segment0.onnx", "inputs": ["label_map"], "outputs": ["feat0"]}]
    for i in range(1, num_segments):
        segments.append({"file": f"segment{i}.onnx", "inputs": [f"feat{i-1}", "label_map"],
                         "outputs": [f"feat{i}"]})
    exits = [{"name": f"exit{k}", "after_segment": k, "file": f"head{k}.onnx",
              "inputs": [f"feat{k}", "guide"], "output": f"image{k}"}
             for k in range(full)]
    exits.append({"name": "full", "after_segment": num_segments - 1, "file": f"head{full}.onnx",
                  "inputs": [f"feat{num_segments-1}"], "output": f"image{full}"})
    manifest = {
        "format": "exitgraph.pack/1",
        "name": name,
        "version": version,
        "task": "semantic-map-to-image",
        "description": f"Landscapes from label maps (procedural data), {num_exits} exits, FIANCEE guides",
        "input": {"name": "label_map", "kind": "label_map", "height": 128, "width": 128,
                  "classes": list(classes)},
        "output": {"kind": "image", "range": [-1, 1]},
        "segments": segments,
        "guides": {"file": "guides.onnx", "after_segment": 0, "inputs": ["feat0"],
                   "outputs": ["guide"], "count": int(guide_count)},
        "exits": exits,
        "predictor": {"file": "predictor.onnx", "input": "label_map", "output": "distances"},
        "metric": "lpips-alex",
        "calibration": {"file": "calibration.json"},
        "reference": {"file": "reference.onnx", "input": "label_map",
                      "outputs": [f"image{k}" for k in range(num_exits)]},
        "training": {"file": "training-report.json"},
    }
    splits = {}
    if test_count:
        splits["test"] = {"labels": "splits/test.labels.u8", "images": "splits/test.images.u8",
                          "count": int(test_count)}
    if painted_count:
        # dataset.PAINTED_TEST: the independent painted-style set (painted_maps.sketch_map)
        splits["painted"] = {"labels": "splits/painted.labels.u8", "count": int(painted_count)}
    if splits:
        manifest["splits"] = splits
    if novelty_count:
        manifest["novelty"] = {"file": "novelty.u8", "split": "calibration",
                               "count": int(novelty_count), "height": int(novelty_size),
                               "width": int(novelty_size)}
    return manifest


def check_pack(pack_dir):
    """Re-open a written pack: every file named by the manifest exists, passes onnx.checker and
    declares exactly the tensor names (and shapes) the manifest says. Returns the manifest."""
    pack = Path(pack_dir)
    m = json.loads((pack / "manifest.json").read_text())
    h, w = m["input"]["height"], m["input"]["width"]
    nc = len(m["input"]["classes"])
    known = {m["input"]["name"]: [1, nc, h, w]}

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
            if n in known and known[n] != shapes[n]:
                raise AssertionError(f"{file}: {n} is {shapes[n]}, produced as {known[n]}")
            if n not in known:
                raise AssertionError(f"{file}: input {n} is produced by no earlier file")
        for n in outputs:
            known[n] = shapes[n]

    for seg in m["segments"]:
        check(seg["file"], seg["inputs"], seg["outputs"])
        if m.get("guides") and m["guides"]["after_segment"] == m["segments"].index(seg):
            check(m["guides"]["file"], m["guides"]["inputs"], m["guides"]["outputs"])
    for e in m["exits"]:
        check(e["file"], e["inputs"], [e["output"]])
        if known[e["output"]] != [1, 3, h, w]:
            raise AssertionError(f"{e['file']}: output {known[e['output']]}, expected [1, 3, {h}, {w}]")
    check(m["predictor"]["file"], [m["predictor"]["input"]], [m["predictor"]["output"]])
    if known[m["predictor"]["output"]] != [1, len(m["exits"])]:
        raise AssertionError("predictor output must be [1, number of exits]")
    if m.get("reference"):
        ref = m["reference"]
        check(ref["file"], [ref["input"]], ref["outputs"])
    cal = json.loads((pack / m["calibration"]["file"]).read_text())
    assert len(cal["predicted"]) == cal["n"] == len(cal["measured"])
    assert all(len(r) == len(m["exits"]) for r in cal["predicted"] + cal["measured"])
    for split in m.get("splits", {}).values():
        assert (pack / split["labels"]).stat().st_size == split["count"] * h * w
        if "images" in split:
            assert (pack / split["images"]).stat().st_size == split["count"] * h * w * 3
    if m.get("novelty"):
        nv = m["novelty"]
        assert nv["count"] == cal["n"], "novelty maps must be the calibration maps, in its order"
        assert (pack / nv["file"]).stat().st_size == nv["count"] * nv["height"] * nv["width"]
    return m
