/** Matrix products. */
import { broadcast, entry } from './dims.js';
import type { ShapeRule, ShapeRules } from './node-view.js';

const gemm: ShapeRule = (node) => {
  const a = node.shape(0);
  const b = node.shape(1);
  const m = entry(a, node.attrs.int('transA', 0) ? 1 : 0, 'Gemm A shape');
  const n = entry(b, node.attrs.int('transB', 0) ? 0 : 1, 'Gemm B shape');
  return { shapes: [[m, n]] };
};

/** numpy.matmul: 1-D operands are promoted to matrices, and the added axis removed again. */
const matMul: ShapeRule = (node) => {
  const a = node.shape(0);
  const b = node.shape(1);
  const a2 = a.length === 1 ? [1, entry(a, 0, 'MatMul A shape')] : a;
  const b2 = b.length === 1 ? [entry(b, 0, 'MatMul B shape'), 1] : b;
  const batch = broadcast([a2.slice(0, -2), b2.slice(0, -2)]);
  const out = [...batch, entry(a2, a2.length - 2, 'MatMul A shape'), entry(b2, b2.length - 1, 'MatMul B shape')];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.splice(out.length - 1, 1);
  return { shapes: [out] };
};

export const linearAlgebraRules: ShapeRules = { Gemm: gemm, MatMul: matMul };
