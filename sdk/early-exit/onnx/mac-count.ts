/**
 * Multiply-accumulates of an ONNX graph, counted from the graph itself (never typed by hand).
 *
 * Counted ops and rules (the same as models/training/exitgraph_training/onnx_macs.py, so the
 * Python toolkit and exitgraph agree on every figure):
 *   Conv           output elements x (Cin / group) x kernel area      = |Y| x prod(W.shape[1:])
 *   ConvTranspose  input elements x (Cout / group) x kernel area      = |X| x prod(W.shape[1:])
 *   Gemm, MatMul   output elements x the reduced dimension K
 * Everything else (activations, normalization, resize, element-wise arithmetic, pooling) is
 * memory-bound and small next to these, and counts zero; `otherOps` lists what was left out.
 */
import type { pb } from './onnx-proto.js';
import { inferShapes, type InferredShapes } from './shape-inference.js';

export interface MacCount {
  readonly total: number;
  /** MACs per counted op type. */
  readonly byOp: Readonly<Record<string, number>>;
  /** Counted nodes whose shapes could not be inferred (their MACs are missing from `total`). */
  readonly uncounted: readonly string[];
  /** Shape-inference failures anywhere in the graph (may explain `uncounted`). */
  readonly unresolved: InferredShapes['unresolved'];
  /** Op types present but not counted, with node counts. */
  readonly otherOps: Readonly<Record<string, number>>;
  /** Every tensor shape inferred on the way (graph outputs included). */
  readonly shapes: InferredShapes['shapes'];
}

const COUNTED = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

export function countMacs(graph: pb.IGraphProto, opset: number, inputShapes: Readonly<Record<string, readonly number[]>> = {}): MacCount {
  const inferred = inferShapes(graph, opset, inputShapes);
  const { shapes } = inferred;
  const byOp: Record<string, number> = {};
  const otherOps: Record<string, number> = {};
  const uncounted: string[] = [];
  let total = 0;
  for (const node of graph.node ?? []) {
    const op = node.opType ?? '';
    if (!COUNTED.has(op)) {
      otherOps[op] = (otherOps[op] ?? 0) + 1;
      continue;
    }
    const [a, b] = node.input ?? [];
    const inA = a ? shapes.get(a) : undefined;
    const inB = b ? shapes.get(b) : undefined;
    const out = node.output?.[0] ? shapes.get(node.output[0]) : undefined;
    let macs: number | undefined;
    if (op === 'Conv' && out && inB) macs = product(out) * product(inB.slice(1));
    else if (op === 'ConvTranspose' && inA && inB) macs = product(inA) * product(inB.slice(1));
    else if (op === 'Gemm' && out && inA) {
      const transA = node.attribute?.find((x) => x.name === 'transA')?.i;
      const k = transA ? inA[0]! : inA[1]!;
      macs = product(out) * k;
    } else if (op === 'MatMul' && out && inA) macs = product(out) * inA[inA.length - 1]!;
    if (macs === undefined) {
      uncounted.push(node.name || node.output?.[0] || op);
      continue;
    }
    byOp[op] = (byOp[op] ?? 0) + macs;
    total += macs;
  }
  return { total, byOp, uncounted, unresolved: inferred.unresolved, otherOps, shapes };
}
