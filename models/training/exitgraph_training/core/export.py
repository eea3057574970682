"""ONNX export of a trained early-exit model into a pack (docs/pack-format.md), parity vectors,
per-exit costs and calibration.json.

The task adapter lists the pack's files (`export_files`: module, input and output tensor names in
the pack's tensor pool, in export order); this module exports each with opset 17, checks it with
onnx.checker and shape inference against PyTorch, counts its MACs (onnx_macs) and writes parity
vectors: PyTorch inputs and outputs as raw float32, which exitgraph's TypeScript tests run through
onnxruntime (Python has no onnxruntime here):

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

from ..onnx_macs import count_macs
from .evaluation import run_exits
from .tensors import split_size, split_slice

OPSET = 17


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
    """Exports the files, keeps their MACs and the parity cases."""

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
        outs = _outputs(module, inputs)
        for name, t in list(zip(input_names, inputs)) + list(zip(output_names, outs)):
            if shapes.get(name) != list(t.shape):
                raise AssertionError(f"{file}: tensor {name} has ONNX shape {shapes.get(name)}, "
                                     f"PyTorch shape {list(t.shape)}")
        self.macs[file] = count_macs(model)
        self.parity_case(file, input_names, inputs, output_names, outs)
        return outs

    def replay(self, module, inputs, file, input_names, output_names):
        """A further parity sample for a file already exported (no re-export)."""
        outs = _outputs(module, inputs)
        self.parity_case(file, input_names, inputs, output_names, outs)
        return outs

    def parity_case(self, file, in_names, ins, out_names, outs):
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


def _outputs(module, inputs):
    with torch.no_grad():
        outs = module(*inputs)
    return list(outs) if isinstance(outs, (tuple, list)) else [outs]


class Reference(nn.Module):
    """reference.onnx: every exit of the network from one graph (the runtime's monolithic
    reference); the adapter's forward pass, the guides and the heads, as in evaluation."""

    def __init__(self, adapter, backbone, heads, guides):
        super().__init__()
        self.adapter = adapter
        self.backbone, self.heads, self.guides = backbone, heads, guides

    def forward(self, *inputs):
        return tuple(run_exits(self.adapter, self.backbone, self.heads, self.guides, list(inputs)))


def export_model(adapter, out_dir, backbone, heads, guides, predictor, samples, parity_dir=None):
    """Export every ONNX file of the pack (the adapter's `export_files`, in order); `samples`: a
    split whose inputs feed the parity vectors (each file is exported once, its parity recorded
    for each sample). Returns the PackExporter (macs per file, parity cases)."""
    ex = PackExporter(out_dir, parity_dir)
    files = adapter.export_files(backbone, heads, guides, predictor)
    for s in range(split_size(samples)):
        run = ex.add if s == 0 else ex.replay
        pool = dict(zip(adapter.input_names, adapter.to_tensors(split_slice(samples, s, s + 1))))
        pool.update(adapter.derived_tensors(pool))
        for f in files:
            missing = [n for n in f.inputs if n not in pool]
            if missing:
                raise ValueError(f"{f.file}: input {missing[0]} is produced by no earlier file")
            outs = run(f.module, [pool[n] for n in f.inputs], f.file, f.inputs, f.outputs)
            pool.update(zip(f.outputs, outs))
    ex.stage_files = [f.file for f in files if f.stage]
    return ex


def exit_costs(macs, num_segments, num_exits):
    """MACs to reach each exit: segments 0..after_segment, the guide retrieval for guided exits,
    and the exit's head. Exit k (k < last) sits after segment k; the last after the last segment.
    Input-only stages (format 2) are not in these per-sample costs: they are reported apart."""
    seg = [macs[f"segment{i}.onnx"] for i in range(num_segments)]
    costs = []
    for k in range(num_exits):
        after = k if k < num_exits - 1 else num_segments - 1
        c = sum(seg[:after + 1]) + macs[f"head{k}.onnx"]
        if k < num_exits - 1:
            c += macs["guides.onnx"]
        costs.append(c)
    return costs


def exit_names(num_exits):
    return [f"exit{k}" for k in range(num_exits - 1)] + ["full"]


def write_calibration(out, num_exits, predicted, measured, metric="lpips-alex"):
    """calibration.json: predicted and measured distance to the full output per calibration
    sample and exit (what exitgraph's risk routers calibrate on)."""
    (Path(out) / "calibration.json").write_text(json.dumps({
        "metric": metric, "split": "calibration", "n": int(len(predicted)),
        "exits": exit_names(num_exits),
        "predicted": np.round(predicted.astype(np.float64), 6).tolist(),
        "measured": np.round(measured.astype(np.float64), 6).tolist()}))


def write_u8(path, array):
    """A split file: the array's bytes, uint8, C order."""
    Path(path).write_bytes(np.ascontiguousarray(array, np.uint8).tobytes())
