/** Ops whose output has their input's shape, and broadcasting element-wise ops. */
import { broadcast, entry } from './dims.js';
import type { NodeView, ShapeRule, ShapeRules } from './node-view.js';

const SAME_SHAPE_OPS = [
  'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Softplus', 'Softsign',
  'Exp', 'Log', 'Sqrt', 'Abs', 'Neg', 'Reciprocal', 'Round', 'Sign', 'Erf', 'Sin', 'Cos', 'Not',
  'Dropout', 'Clip', 'Gelu', 'Mish', 'IsNaN', 'IsInf',
  'InstanceNormalization', 'BatchNormalization', 'LayerNormalization', 'GroupNormalization', 'LpNormalization',
  'Softmax', 'LogSoftmax', 'Hardmax', 'CumSum',
];

/** Same shape; values are tracked only through the ops PyTorch's shape arithmetic uses. */
const sameShape: ShapeRule = (node) => ({ shapes: [node.shape(0)], values: [undefined] });
const sameShapeAndValues: ShapeRule = (node) => ({ shapes: [node.shape(0)], values: [node.value(0)] });
const sameShapeMappedValues = (fn: (v: number) => number): ShapeRule => (node) => ({ shapes: [node.shape(0)], values: [node.value(0)?.map(fn)] });

/** Element-wise arithmetic on tracked values, when both sides have n or 1 elements. */
function combine(fn: (x: number, y: number) => number, a: number[], b: number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  if (a.length !== n && a.length !== 1) return undefined;
  if (b.length !== n && b.length !== 1) return undefined;
  const at = (v: number[], i: number): number => entry(v, v.length === 1 ? 0 : i, 'operand');
  return Array.from({ length: n }, (_, i) => fn(at(a, i), at(b, i)));
}

/** Broadcast the given inputs; with `arithmetic`, also compute two tracked operands. */
const broadcasting = (arithmetic?: (x: number, y: number) => number): ShapeRule => (node: NodeView) => {
  const present = node.presentInputs;
  const shape = broadcast(present.map((name) => node.shapeOf(name)));
  const a = node.valueOf(present[0]);
  const b = node.valueOf(present[1]);
  return { shapes: [shape], values: [arithmetic && a && b && present.length === 2 ? combine(arithmetic, a, b) : undefined] };
};

const NO_ARITHMETIC_BROADCAST = ['Mean', 'Sum', 'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Mod', 'Where', 'BitShift'];

export const elementwiseRules: ShapeRules = {
  ...Object.fromEntries(SAME_SHAPE_OPS.map((op) => [op, sameShape])),
  Identity: sameShapeAndValues,
  Cast: sameShapeAndValues,
  Floor: sameShapeMappedValues(Math.floor),
  Ceil: sameShapeMappedValues(Math.ceil),
  ...Object.fromEntries(NO_ARITHMETIC_BROADCAST.map((op) => [op, broadcasting()])),
  Add: broadcasting((x, y) => x + y),
  Sub: broadcasting((x, y) => x - y),
  Mul: broadcasting((x, y) => x * y),
  Div: broadcasting((x, y) => x / y),
  Max: broadcasting(Math.max),
  Min: broadcasting(Math.min),
  Pow: broadcasting(Math.pow),
};
