/**
 * Constants and the small integer tensors PyTorch computes shapes with (Shape, Size, Range,
 * ConstantOfShape): their values are tracked so that a later Reshape or Resize can be sized.
 */
import { toNumber } from '../onnx-proto.js';
import { tensorDims, tensorValues } from '../tensor-values.js';
import { entry, normAxis, product } from './dims.js';
import { MAX_TRACKED_VALUES, UnknownShape, type ShapeRule, type ShapeRules } from './node-view.js';

const constant: ShapeRule = ({ attrs }) => {
  const tensor = attrs.tensor('value');
  if (tensor) {
    const dims = tensorDims(tensor);
    return { shapes: [dims], values: [product(dims) <= MAX_TRACKED_VALUES ? tensorValues(tensor) : undefined] };
  }
  const ints = attrs.ints('value_ints');
  if (ints) return { shapes: [[ints.length]], values: [ints] };
  const floats = attrs.floats('value_floats');
  if (floats) return { shapes: [[floats.length]], values: [floats] };
  const int = attrs.get('value_int');
  if (int) return { shapes: [[]], values: [[toNumber(int.i)]] };
  const float = attrs.get('value_float');
  if (float) return { shapes: [[]], values: [[float.f ?? 0]] };
  throw new UnknownShape('Constant without a supported value');
};

const shape: ShapeRule = (node) => {
  const s = node.shape(0);
  const start = normAxis(node.attrs.int('start', 0), s.length);
  const end = node.attrs.has('end') ? normAxis(node.attrs.int('end', 0), s.length) : s.length;
  const dims = s.slice(Math.max(0, start), Math.min(s.length, end));
  return { shapes: [[dims.length]], values: [dims] };
};

const size: ShapeRule = (node) => ({ shapes: [[]], values: [[product(node.shape(0))]] });

const constantOfShape: ShapeRule = (node) => {
  const dims = node.requireValue(0, 'ConstantOfShape shape');
  const fill = node.attrs.tensor('value');
  const fillValue = fill ? (tensorValues(fill)?.[0] ?? 0) : 0;
  const count = product(dims);
  return { shapes: [dims], values: [count <= MAX_TRACKED_VALUES ? Array<number>(count).fill(fillValue) : undefined] };
};

const range: ShapeRule = (node) => {
  const scalar = (index: number, what: string): number => entry(node.requireValue(index, what), 0, what);
  const [start, limit, delta] = [scalar(0, 'Range start'), scalar(1, 'Range limit'), scalar(2, 'Range delta')];
  return { shapes: [[Math.max(0, Math.ceil((limit - start) / delta))]] };
};

export const shapeValueRules: ShapeRules = {
  Constant: constant,
  Shape: shape,
  Size: size,
  ConstantOfShape: constantOfShape,
  Range: range,
};
