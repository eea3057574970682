/**
 * Static shape inference over an ONNX graph, for cost counting.
 *
 * Why our own and not the shapes a file declares: PyTorch exports only the graph inputs' and
 * outputs' shapes, so the shapes of the tensors in between (which MACs depend on) must be
 * inferred; ONNX's reference shape inference is a Python/C++ library, and onnxruntime does not
 * expose intermediate shapes. The rules below cover the ops exitgraph's packs and metrics use,
 * including the Shape -> Gather/Slice -> Concat -> Resize/Reshape chains PyTorch emits, for which
 * small integer tensors are also evaluated ("values"). Each op's rule is a small function in
 * shape-rules/ (one file per op family). An op without a rule leaves its outputs unknown and is
 * reported, so a cost is never silently wrong. test/onnx checks these shapes
 * against the ones onnxruntime actually produces.
 */
import { toNumber, type pb } from './onnx-proto.js';
import { MAX_TRACKED_VALUES, NodeAttributes, NodeView, SHAPE_RULES, UnknownShape, type ShapeResult } from './shape-rules/index.js';
import { tensorDims, tensorValues } from './tensor-values.js';

export interface InferredShapes {
  /** Shape of every tensor whose shape could be inferred. */
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  /** Nodes whose output shapes could not be inferred, with why. */
  readonly unresolved: readonly { readonly node: string; readonly opType: string; readonly reason: string }[];
}

/** What is known before the first node: initializers (shapes, small values) and graph inputs. */
function seedKnown(graph: pb.IGraphProto, inputShapes: Readonly<Record<string, readonly number[]>>): { shapes: Map<string, readonly number[]>; values: Map<string, number[]> } {
  const shapes = new Map<string, readonly number[]>();
  const values = new Map<string, number[]>();
  for (const init of graph.initializer ?? []) {
    const dims = tensorDims(init);
    shapes.set(init.name ?? '', dims);
    if (dims.reduce((a, b) => a * b, 1) <= MAX_TRACKED_VALUES) {
      const v = tensorValues(init);
      if (v) values.set(init.name ?? '', v);
    }
  }
  for (const input of graph.input ?? []) {
    const name = input.name ?? '';
    const given = inputShapes[name];
    if (given) {
      shapes.set(name, [...given]);
      continue;
    }
    if (shapes.has(name)) continue;
    const dims = input.type?.tensorType?.shape?.dim;
    if (dims && dims.every((d) => !d.dimParam && Object.hasOwn(d, 'dimValue'))) shapes.set(name, dims.map((d) => toNumber(d.dimValue)));
  }
  return { shapes, values };
}

/** The rule for the node's op; UnknownShape when there is none. */
function inferNode(node: NodeView): ShapeResult {
  const rule = SHAPE_RULES.get(node.op);
  if (!rule) throw new UnknownShape(`no shape rule for op ${node.op}`);
  return rule(node);
}

export function inferShapes(graph: pb.IGraphProto, opset: number, inputShapes: Readonly<Record<string, readonly number[]>> = {}): InferredShapes {
  const { shapes, values } = seedKnown(graph, inputShapes);
  const unresolved: { node: string; opType: string; reason: string }[] = [];

  for (const node of graph.node ?? []) {
    const op = node.opType ?? '';
    const outputs = node.output ?? [];
    try {
      const result = inferNode(new NodeView(op, opset, node.input ?? [], new NodeAttributes(node.attribute ?? []), shapes, values));
      outputs.forEach((output, i) => {
        if (!output) return;
        const shape = result.shapes[i];
        if (shape) shapes.set(output, shape);
        const value = result.values?.[i];
        if (value && value.length <= MAX_TRACKED_VALUES) values.set(output, value);
      });
    } catch (error) {
      if (!(error instanceof UnknownShape)) throw error;
      unresolved.push({ node: node.name || outputs[0] || op, opType: op, reason: error.message });
    }
  }
  return { shapes, unresolved };
}
