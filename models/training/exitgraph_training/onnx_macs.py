"""MACs of an ONNX graph, counted the way exitgraph's TypeScript loader counts them:
Conv (output elements x Cin/group x kernel area), ConvTranspose (input elements x Cout/group x
kernel area), Gemm and MatMul (M x N x K). Other ops count zero."""
import numpy as np
import onnx
from onnx import shape_inference


def _shapes(model):
    inferred = shape_inference.infer_shapes(model)
    shapes = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        dims = [d.dim_value for d in vi.type.tensor_type.shape.dim]
        shapes[vi.name] = dims
    for init in inferred.graph.initializer:
        shapes[init.name] = list(init.dims)
    return shapes


def count_macs(path_or_model):
    model = onnx.load(path_or_model) if isinstance(path_or_model, (str, bytes)) or hasattr(path_or_model, "__fspath__") else path_or_model
    shapes = _shapes(model)
    total = 0
    for node in model.graph.node:
        if node.op_type == "Conv":
            w = shapes[node.input[1]]
            out = shapes[node.output[0]]
            total += int(np.prod(out)) * int(np.prod(w[1:]))
        elif node.op_type == "ConvTranspose":
            w = shapes[node.input[1]]
            x = shapes[node.input[0]]
            group = next((a.i for a in node.attribute if a.name == "group"), 1)
            total += int(np.prod(x)) * (w[1] * group // group) * int(np.prod(w[2:]))
        elif node.op_type in ("Gemm", "MatMul"):
            a, out = shapes[node.input[0]], shapes[node.output[0]]
            total += int(np.prod(out)) * a[-1]
    return total
