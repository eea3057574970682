/** Gather and Slice, with values tracked through 1-D shape tensors. */
import { entry, normAxis } from './dims.js';
import type { ShapeRule, ShapeRules } from './node-view.js';

/** `data[indices]` (negative indices from the end), or undefined when an index is out of range. */
function pick(data: readonly number[], indices: readonly number[]): number[] | undefined {
  const out: number[] = [];
  for (const i of indices) {
    const value = data[i < 0 ? i + data.length : i];
    if (value === undefined) return undefined;
    out.push(value);
  }
  return out;
}

const gather: ShapeRule = (node) => {
  const data = node.shape(0);
  const indices = node.shape(1);
  const axis = normAxis(node.attrs.int('axis', 0), data.length);
  const out = [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)];
  const dataValues = node.value(0);
  const indexValues = node.value(1);
  return { shapes: [out], values: [dataValues && indexValues && data.length === 1 ? pick(dataValues, indexValues) : undefined] };
};

interface SliceRange {
  start: number;
  end: number;
  step: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/** The range a Slice takes along an axis of size `d`, clamped as the ONNX spec says. */
function sliceRange(rawStart: number, rawEnd: number, step: number, d: number): SliceRange {
  const start = rawStart < 0 ? rawStart + d : rawStart;
  const end = rawEnd < 0 ? rawEnd + d : rawEnd;
  return step > 0 ? { start: clamp(start, 0, d), end: clamp(end, 0, d), step } : { start: clamp(start, -1, d - 1), end: clamp(end, -1, d - 1), step };
}

function sliceValues(values: readonly number[], { start, end, step }: SliceRange): number[] | undefined {
  const out: number[] = [];
  for (let i = start; step > 0 ? i < end : i > end; i += step) {
    const value = values[i];
    if (value === undefined) return undefined;
    out.push(value);
  }
  return out;
}

/** Starts, ends, axes and steps are inputs from opset 10, attributes before (without steps). */
const slice: ShapeRule = (node) => {
  const { attrs, opset } = node;
  const s = node.shape(0);
  const starts = opset >= 10 ? node.requireValue(1, 'Slice starts') : (attrs.ints('starts') ?? []);
  const ends = opset >= 10 ? node.requireValue(2, 'Slice ends') : (attrs.ints('ends') ?? []);
  const axes = (opset >= 10 ? node.value(3) : attrs.ints('axes')) ?? starts.map((_, i) => i);
  const steps = (opset >= 10 ? node.value(4) : undefined) ?? starts.map(() => 1);
  const out = [...s];
  const ranges: SliceRange[] = s.map((d) => ({ start: 0, end: d, step: 1 }));
  axes.forEach((axisRaw, i) => {
    const axis = normAxis(axisRaw, s.length);
    const range = sliceRange(entry(starts, i, 'Slice starts'), entry(ends, i, 'Slice ends'), entry(steps, i, 'Slice steps'), entry(s, axis, 'Slice input shape'));
    out[axis] = Math.max(0, Math.ceil((range.end - range.start) / range.step));
    ranges[axis] = range;
  });
  const values = node.value(0);
  const [range] = ranges;
  return { shapes: [out], values: [values && range && s.length === 1 ? sliceValues(values, range) : undefined] };
};

export const indexingRules: ShapeRules = { Gather: gather, Slice: slice };
