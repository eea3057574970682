/** Ops that rearrange, join, split or pad a tensor's elements. */
import { batchChannels, broadcast, entry, normAxis, product } from './dims.js';
import { UnknownShape, type ShapeRule, type ShapeRules } from './node-view.js';

/** Target dims: 0 copies the input's dim (unless allowzero), one -1 takes what is left. */
const reshape: ShapeRule = (node) => {
  const s = node.shape(0);
  const target = node.requireValue(1, 'Reshape shape');
  const allowZero = node.attrs.int('allowzero', 0) === 1;
  const out = target.map((d, i) => (d === 0 && !allowZero ? entry(s, i, 'Reshape input shape') : d));
  const known = out.filter((d) => d !== -1);
  const minus = out.indexOf(-1);
  if (minus >= 0) out[minus] = product(s) / product(known);
  return { shapes: [out], values: [node.value(0)] };
};

const flatten: ShapeRule = (node) => {
  const s = node.shape(0);
  const axis = normAxis(node.attrs.int('axis', 1), s.length);
  return { shapes: [[product(s.slice(0, axis)), product(s.slice(axis))]], values: [node.value(0)] };
};

const transpose: ShapeRule = (node) => {
  const s = node.shape(0);
  const perm = node.attrs.ints('perm') ?? s.map((_, i) => s.length - 1 - i);
  return { shapes: [perm.map((p) => entry(s, p, 'Transpose input shape'))] };
};

/** Axes are an input from opset 13, an attribute before. */
const unsqueeze: ShapeRule = (node) => {
  const s = node.shape(0);
  const axes = node.opset >= 13 ? node.requireValue(1, 'Unsqueeze axes') : (node.attrs.ints('axes') ?? []);
  const rank = s.length + axes.length;
  const sorted = axes.map((a) => normAxis(a, rank)).sort((a, b) => a - b);
  const out = [...s];
  for (const a of sorted) out.splice(a, 0, 1);
  return { shapes: [out], values: [node.value(0)] };
};

/** Without axes, every dim of size 1 goes. */
const squeeze: ShapeRule = (node) => {
  const s = node.shape(0);
  const given = node.opset >= 13 ? node.value(1) : node.attrs.ints('axes');
  const axes = given ? given.map((a) => normAxis(a, s.length)) : s.flatMap((d, i) => (d === 1 ? [i] : []));
  return { shapes: [s.filter((_, i) => !axes.includes(i))], values: [node.value(0)] };
};

/** Joined 1-D values are tracked (PyTorch concatenates shape pieces before a Reshape). */
const concat: ShapeRule = (node) => {
  const present = node.presentInputs;
  const all = present.map((name) => node.shapeOf(name));
  const [first] = all;
  if (!first) throw new UnknownShape('Concat without inputs');
  const axis = normAxis(node.attrs.int('axis', 0), first.length);
  const shape = [...first];
  shape[axis] = all.reduce((sum, s) => sum + entry(s, axis, 'Concat input shape'), 0);
  const values = present.map((name) => node.valueOf(name));
  const known = values.filter((v): v is number[] => v !== undefined);
  return { shapes: [shape], values: [first.length === 1 && known.length === values.length ? known.flat() : undefined] };
};

/** `count` parts of `dim`, the last one smaller when they do not divide evenly. */
function equalParts(dim: number, count: number): number[] {
  const part = Math.ceil(dim / count);
  return Array.from({ length: count }, (_, i) => Math.min(part, dim - i * part));
}

/** Sizes from the `split` input (opset 13) or attribute, else `num_outputs` near-equal parts. */
const split: ShapeRule = (node) => {
  const s = node.shape(0);
  const axis = normAxis(node.attrs.int('axis', 0), s.length);
  const given = node.opset >= 13 ? node.value(1) : node.attrs.ints('split');
  const count = given?.length ?? node.attrs.int('num_outputs', 0);
  if (!given && !count) throw new UnknownShape('Split needs split sizes or num_outputs');
  const sizes = given ?? equalParts(entry(s, axis, 'Split input shape'), count);
  return { shapes: sizes.map((size) => s.map((d, i) => (i === axis ? size : d))) };
};

const expand: ShapeRule = (node) => {
  const target = node.requireValue(1, 'Expand shape');
  return { shapes: [broadcast([node.shape(0), target])] };
};

const tile: ShapeRule = (node) => {
  const repeats = node.requireValue(1, 'Tile repeats');
  return { shapes: [node.shape(0).map((d, i) => d * entry(repeats, i, 'Tile repeats'))] };
};

/** Pads are [begin of each axis..., end of each axis...]; axes an input from opset 18. */
const pad: ShapeRule = (node) => {
  const s = node.shape(0);
  const pads = node.opset >= 11 ? node.requireValue(1, 'Pad pads') : (node.attrs.ints('pads') ?? []);
  const axes = (node.opset >= 18 ? node.value(3) : undefined) ?? s.map((_, i) => i);
  const out = [...s];
  axes.forEach((axisRaw, i) => {
    const axis = normAxis(axisRaw, s.length);
    out[axis] = entry(s, axis, 'Pad input shape') + entry(pads, i, 'Pad pads') + entry(pads, i + axes.length, 'Pad pads');
  });
  return { shapes: [out] };
};

const depthToSpace: ShapeRule = (node) => {
  const { batch, channels, spatial } = batchChannels(node.shape(0), 'DepthToSpace input');
  const b = node.attrs.int('blocksize', 1);
  return { shapes: [[batch, channels / (b * b), entry(spatial, 0, 'DepthToSpace height') * b, entry(spatial, 1, 'DepthToSpace width') * b]] };
};

const spaceToDepth: ShapeRule = (node) => {
  const { batch, channels, spatial } = batchChannels(node.shape(0), 'SpaceToDepth input');
  const b = node.attrs.int('blocksize', 1);
  return { shapes: [[batch, channels * b * b, entry(spatial, 0, 'SpaceToDepth height') / b, entry(spatial, 1, 'SpaceToDepth width') / b]] };
};

export const reshapingRules: ShapeRules = {
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Concat: concat,
  Split: split,
  Expand: expand,
  Tile: tile,
  Pad: pad,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
};
