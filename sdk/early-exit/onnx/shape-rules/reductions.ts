/** Reductions and arg-reductions: the reduced axes go to 1, or away without keepdims. */
import { normAxis } from './dims.js';
import type { ShapeRule, ShapeRules } from './node-view.js';

const REDUCE_OPS = ['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'];

const reduced = (s: readonly number[], axes: readonly number[], keep: boolean): number[] =>
  keep ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i));

/** Axes moved from an attribute to an input: ReduceSum at opset 13, the others at 18. */
const reduce: ShapeRule = (node) => {
  const s = node.shape(0);
  const axesFromInput = node.op === 'ReduceSum' ? node.opset >= 13 : node.opset >= 18;
  const given = axesFromInput ? node.value(1) : node.attrs.ints('axes');
  if (!given && node.attrs.int('noop_with_empty_axes', 0) === 1) return { shapes: [s] };
  const axes = (given ?? s.map((_, i) => i)).map((a) => normAxis(a, s.length));
  return { shapes: [reduced(s, axes, node.attrs.int('keepdims', 1) === 1)] };
};

const argReduce: ShapeRule = (node) => {
  const s = node.shape(0);
  const axis = normAxis(node.attrs.int('axis', 0), s.length);
  return { shapes: [reduced(s, [axis], node.attrs.int('keepdims', 1) === 1)] };
};

export const reductionRules: ShapeRules = {
  ...Object.fromEntries(REDUCE_OPS.map((op) => [op, reduce])),
  ArgMax: argReduce,
  ArgMin: argReduce,
};
