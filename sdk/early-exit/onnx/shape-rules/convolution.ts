/** Convolutions and pooling: the windowed ops whose spatial size follows kernel, stride, pads. */
import { batchChannels, entry } from './dims.js';
import type { NodeAttributes } from './node-attributes.js';
import { UnknownShape, type ShapeRule, type ShapeRules } from './node-view.js';

/** Spatial output size of Conv / pooling along each axis. */
function windowedOutput(inSpatial: readonly number[], kernel: readonly number[], attrs: NodeAttributes, ceilMode: boolean): number[] {
  const rank = inSpatial.length;
  const strides = attrs.ints('strides') ?? Array<number>(rank).fill(1);
  const dilations = attrs.ints('dilations') ?? Array<number>(rank).fill(1);
  const pads = attrs.ints('pads') ?? Array<number>(2 * rank).fill(0);
  const autoPad = attrs.string('auto_pad', 'NOTSET');
  return inSpatial.map((size, i) => {
    const stride = entry(strides, i, 'strides');
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(size / stride);
    const effective = entry(dilations, i, 'dilations') * (entry(kernel, i, 'kernel_shape') - 1) + 1;
    const padded = autoPad === 'VALID' ? size : size + entry(pads, i, 'pads') + entry(pads, i + rank, 'pads');
    const round = ceilMode ? Math.ceil : Math.floor;
    return round((padded - effective) / stride) + 1;
  });
}

const conv: ShapeRule = (node) => {
  const { attrs } = node;
  const { batch, spatial } = batchChannels(node.shape(0), 'Conv input');
  const weight = node.shape(1);
  const kernel = attrs.ints('kernel_shape') ?? weight.slice(2);
  return { shapes: [[batch, entry(weight, 0, 'Conv weight shape'), ...windowedOutput(spatial, kernel, attrs, false)]] };
};

const convTranspose: ShapeRule = (node) => {
  const { attrs } = node;
  const { batch, spatial } = batchChannels(node.shape(0), 'ConvTranspose input');
  const weight = node.shape(1);
  const channels = entry(weight, 1, 'ConvTranspose weight shape') * attrs.int('group', 1);
  const kernel = attrs.ints('kernel_shape') ?? weight.slice(2);
  const rank = kernel.length;
  const explicit = attrs.ints('output_shape');
  if (explicit) return { shapes: [[batch, channels, ...explicit.slice(-rank)]] };
  const strides = attrs.ints('strides') ?? Array<number>(rank).fill(1);
  const dilations = attrs.ints('dilations') ?? Array<number>(rank).fill(1);
  const pads = attrs.ints('pads') ?? Array<number>(2 * rank).fill(0);
  const outPad = attrs.ints('output_padding') ?? Array<number>(rank).fill(0);
  const out = spatial.map(
    (size, i) =>
      entry(strides, i, 'strides') * (size - 1) + entry(outPad, i, 'output_padding') + (entry(kernel, i, 'kernel_shape') - 1) * entry(dilations, i, 'dilations') + 1 -
      entry(pads, i, 'pads') - entry(pads, i + rank, 'pads'),
  );
  return { shapes: [[batch, channels, ...out]] };
};

/** MaxPool's second output (indices) has the same shape as the first. */
const pool: ShapeRule = (node) => {
  const { attrs, op } = node;
  const { batch, channels, spatial } = batchChannels(node.shape(0), `${op} input`);
  const kernel = attrs.ints('kernel_shape');
  if (!kernel) throw new UnknownShape(`${op} without kernel_shape`);
  const shape = [batch, channels, ...windowedOutput(spatial, kernel, attrs, attrs.int('ceil_mode', 0) === 1)];
  return { shapes: [shape, shape] };
};

const globalPool: ShapeRule = (node) => {
  const { batch, channels, spatial } = batchChannels(node.shape(0), `${node.op} input`);
  return { shapes: [[batch, channels, ...spatial.map(() => 1)]] };
};

export const convolutionRules: ShapeRules = {
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: pool,
  AveragePool: pool,
  LpPool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
};
