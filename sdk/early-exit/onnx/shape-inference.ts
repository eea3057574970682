/**
 * Static shape inference over an ONNX graph, for cost counting.
 *
 * Why our own and not the shapes a file declares: PyTorch exports only the graph inputs' and
 * outputs' shapes, so the shapes of the tensors in between (which MACs depend on) must be
 * inferred; ONNX's reference shape inference is a Python/C++ library, and onnxruntime does not
 * expose intermediate shapes. The rules below cover the ops exitgraph's packs and metrics use,
 * including the Shape -> Gather/Slice -> Concat -> Resize/Reshape chains PyTorch emits, for which
 * small integer tensors are also evaluated ("values"). An op without a rule leaves its outputs
 * unknown and is reported, so a cost is never silently wrong. test/onnx checks these shapes
 * against the ones onnxruntime actually produces.
 */
import { toNumber, type pb } from './onnx-proto.js';
import { tensorDims, tensorValues } from './tensor-values.js';

export interface InferredShapes {
  /** Shape of every tensor whose shape could be inferred. */
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  /** Nodes whose output shapes could not be inferred, with why. */
  readonly unresolved: readonly { readonly node: string; readonly opType: string; readonly reason: string }[];
}

/** Largest tensor whose values are tracked (shapes, axes, scales, sizes are all tiny). */
const MAX_TRACKED_VALUES = 64;

type Attrs = Map<string, pb.IAttributeProto>;

const UNARY_SAME_SHAPE = new Set([
  'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Softplus', 'Softsign',
  'Exp', 'Log', 'Sqrt', 'Abs', 'Neg', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sign', 'Erf', 'Sin', 'Cos', 'Not',
  'Identity', 'Cast', 'Dropout', 'Clip', 'Gelu', 'Mish', 'IsNaN', 'IsInf',
  'InstanceNormalization', 'BatchNormalization', 'LayerNormalization', 'GroupNormalization', 'LpNormalization',
  'Softmax', 'LogSoftmax', 'Hardmax', 'CumSum',
]);
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Mean', 'Sum', 'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Mod', 'Where', 'BitShift']);
const REDUCTIONS = new Set(['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare']);

class UnknownShape extends Error {}

export function inferShapes(graph: pb.IGraphProto, opset: number, inputShapes: Readonly<Record<string, readonly number[]>> = {}): InferredShapes {
  const shapes = new Map<string, readonly number[]>();
  const values = new Map<string, number[]>();
  const unresolved: { node: string; opType: string; reason: string }[] = [];

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
    if (inputShapes[name]) {
      shapes.set(name, [...inputShapes[name]]);
      continue;
    }
    if (shapes.has(name)) continue;
    const dims = input.type?.tensorType?.shape?.dim;
    if (dims && dims.every((d) => !d.dimParam && Object.hasOwn(d, 'dimValue'))) shapes.set(name, dims.map((d) => toNumber(d.dimValue)));
  }

  const shapeOf = (name: string): readonly number[] => {
    const s = shapes.get(name);
    if (!s) throw new UnknownShape(`shape of input "${name}" unknown`);
    return s;
  };
  const valueOf = (name: string | undefined): number[] | undefined => (name ? values.get(name) : undefined);
  const requireValue = (name: string | undefined, what: string): number[] => {
    const v = valueOf(name);
    if (!v) throw new UnknownShape(`${what} ("${name}") is not a constant`);
    return v;
  };

  for (const node of graph.node ?? []) {
    const op = node.opType ?? '';
    const inputs = node.input ?? [];
    const outputs = node.output ?? [];
    const attrs: Attrs = new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
    try {
      const result = inferNode(op, inputs, attrs, opset, shapeOf, valueOf, requireValue);
      result.shapes.forEach((shape, i) => {
        if (outputs[i] && shape) shapes.set(outputs[i]!, shape);
      });
      result.values?.forEach((value, i) => {
        if (outputs[i] && value && value.length <= MAX_TRACKED_VALUES) values.set(outputs[i]!, value);
      });
    } catch (error) {
      if (!(error instanceof UnknownShape)) throw error;
      unresolved.push({ node: node.name || outputs[0] || op, opType: op, reason: error.message });
    }
  }
  return { shapes, unresolved };
}

interface NodeResult {
  shapes: (readonly number[] | undefined)[];
  values?: (number[] | undefined)[];
}

function attrInt(attrs: Attrs, name: string, fallback: number): number {
  const a = attrs.get(name);
  return a && a.i != null ? toNumber(a.i) : fallback;
}
function attrInts(attrs: Attrs, name: string): number[] | undefined {
  const a = attrs.get(name);
  return a?.ints?.length ? a.ints.map(toNumber) : undefined;
}
function attrFloats(attrs: Attrs, name: string): number[] | undefined {
  const a = attrs.get(name);
  return a?.floats?.length ? [...a.floats] : undefined;
}
function attrString(attrs: Attrs, name: string, fallback: string): string {
  const s = attrs.get(name)?.s;
  return s?.length ? new TextDecoder().decode(s) : fallback;
}

const normAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);
const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

function broadcast(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d !== 1) {
        if (dim !== 1 && dim !== d) throw new UnknownShape(`shapes [${shapes.map((x) => x.join('x')).join('], [')}] do not broadcast`);
        dim = d;
      }
    }
    out.push(dim);
  }
  return out;
}

/** Element-wise arithmetic on tracked values (shape arithmetic PyTorch emits: Mul, Div, Add, ...). */
function elementwise(op: string, a: number[], b: number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  if (a.length !== n && a.length !== 1) return undefined;
  if (b.length !== n && b.length !== 1) return undefined;
  const at = (v: number[], i: number): number => (v.length === 1 ? v[0]! : v[i]!);
  const f: Record<string, (x: number, y: number) => number> = {
    Add: (x, y) => x + y, Sub: (x, y) => x - y, Mul: (x, y) => x * y, Div: (x, y) => x / y,
    Max: Math.max, Min: Math.min, Pow: Math.pow,
  };
  const fn = f[op];
  return fn ? Array.from({ length: n }, (_, i) => fn(at(a, i), at(b, i))) : undefined;
}

/** Spatial output size of Conv / pooling along each axis. */
function windowedOutput(inSpatial: readonly number[], kernel: readonly number[], attrs: Attrs, ceilMode: boolean): number[] {
  const rank = inSpatial.length;
  const strides = attrInts(attrs, 'strides') ?? Array(rank).fill(1);
  const dilations = attrInts(attrs, 'dilations') ?? Array(rank).fill(1);
  const pads = attrInts(attrs, 'pads') ?? Array(2 * rank).fill(0);
  const autoPad = attrString(attrs, 'auto_pad', 'NOTSET');
  return inSpatial.map((size, i) => {
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(size / strides[i]!);
    const effective = dilations[i]! * (kernel[i]! - 1) + 1;
    const padded = autoPad === 'VALID' ? size : size + pads[i]! + pads[i + rank]!;
    const round = ceilMode ? Math.ceil : Math.floor;
    return round((padded - effective) / strides[i]!) + 1;
  });
}

function inferNode(
  op: string,
  inputs: readonly string[],
  attrs: Attrs,
  opset: number,
  shapeOf: (name: string) => readonly number[],
  valueOf: (name: string | undefined) => number[] | undefined,
  requireValue: (name: string | undefined, what: string) => number[],
): NodeResult {
  const x = (): readonly number[] => shapeOf(inputs[0]!);

  if (op === 'Constant') {
    const t = attrs.get('value')?.t;
    if (t) return { shapes: [tensorDims(t)], values: [product(tensorDims(t)) <= MAX_TRACKED_VALUES ? tensorValues(t) : undefined] };
    const ints = attrInts(attrs, 'value_ints');
    if (ints) return { shapes: [[ints.length]], values: [ints] };
    const floats = attrFloats(attrs, 'value_floats');
    if (floats) return { shapes: [[floats.length]], values: [floats] };
    const int = attrs.get('value_int');
    if (int) return { shapes: [[]], values: [[toNumber(int.i)]] };
    const float = attrs.get('value_float');
    if (float) return { shapes: [[]], values: [[float.f ?? 0]] };
    throw new UnknownShape('Constant without a supported value');
  }
  if (UNARY_SAME_SHAPE.has(op)) {
    const v = op === 'Cast' || op === 'Identity' ? valueOf(inputs[0]) : op === 'Floor' ? valueOf(inputs[0])?.map(Math.floor) : op === 'Ceil' ? valueOf(inputs[0])?.map(Math.ceil) : undefined;
    return { shapes: [x()], values: [v] };
  }
  if (BROADCAST.has(op)) {
    const present = inputs.filter(Boolean);
    const shape = broadcast(present.map(shapeOf));
    const a = valueOf(present[0]);
    const b = valueOf(present[1]);
    return { shapes: [shape], values: [a && b && present.length === 2 ? elementwise(op, a, b) : undefined] };
  }
  switch (op) {
    case 'Shape': {
      const s = x();
      const start = normAxis(attrInt(attrs, 'start', 0), s.length);
      const endAttr = attrs.get('end');
      const end = endAttr ? normAxis(toNumber(endAttr.i), s.length) : s.length;
      const v = s.slice(Math.max(0, start), Math.min(s.length, end));
      return { shapes: [[v.length]], values: [v] };
    }
    case 'Size':
      return { shapes: [[]], values: [[product(x())]] };
    case 'Conv': {
      const s = x();
      const w = shapeOf(inputs[1]!);
      const kernel = attrInts(attrs, 'kernel_shape') ?? w.slice(2);
      return { shapes: [[s[0]!, w[0]!, ...windowedOutput(s.slice(2), kernel, attrs, false)]] };
    }
    case 'ConvTranspose': {
      const s = x();
      const w = shapeOf(inputs[1]!);
      const group = attrInt(attrs, 'group', 1);
      const kernel = attrInts(attrs, 'kernel_shape') ?? w.slice(2);
      const rank = kernel.length;
      const explicit = attrInts(attrs, 'output_shape');
      if (explicit) return { shapes: [[s[0]!, w[1]! * group, ...explicit.slice(-rank)]] };
      const strides = attrInts(attrs, 'strides') ?? Array(rank).fill(1);
      const dilations = attrInts(attrs, 'dilations') ?? Array(rank).fill(1);
      const pads = attrInts(attrs, 'pads') ?? Array(2 * rank).fill(0);
      const outPad = attrInts(attrs, 'output_padding') ?? Array(rank).fill(0);
      const spatial = s.slice(2).map((size, i) => strides[i]! * (size - 1) + outPad[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - pads[i]! - pads[i + rank]!);
      return { shapes: [[s[0]!, w[1]! * group, ...spatial]] };
    }
    case 'MaxPool':
    case 'AveragePool':
    case 'LpPool': {
      const s = x();
      const kernel = attrInts(attrs, 'kernel_shape');
      if (!kernel) throw new UnknownShape(`${op} without kernel_shape`);
      const shape = [s[0]!, s[1]!, ...windowedOutput(s.slice(2), kernel, attrs, attrInt(attrs, 'ceil_mode', 0) === 1)];
      return { shapes: [shape, shape] };
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
    case 'GlobalLpPool': {
      const s = x();
      return { shapes: [[s[0]!, s[1]!, ...s.slice(2).map(() => 1)]] };
    }
    case 'Gemm': {
      const a = x();
      const b = shapeOf(inputs[1]!);
      const m = attrInt(attrs, 'transA', 0) ? a[1]! : a[0]!;
      const n = attrInt(attrs, 'transB', 0) ? b[0]! : b[1]!;
      return { shapes: [[m, n]] };
    }
    case 'MatMul': {
      const a = x();
      const b = shapeOf(inputs[1]!);
      const a2 = a.length === 1 ? [1, a[0]!] : a;
      const b2 = b.length === 1 ? [b[0]!, 1] : b;
      const batch = broadcast([a2.slice(0, -2), b2.slice(0, -2)]);
      const out = [...batch, a2[a2.length - 2]!, b2[b2.length - 1]!];
      if (a.length === 1) out.splice(out.length - 2, 1);
      if (b.length === 1) out.splice(out.length - 1, 1);
      return { shapes: [out] };
    }
    case 'Concat': {
      const all = inputs.filter(Boolean).map(shapeOf);
      const axis = normAxis(attrInt(attrs, 'axis', 0), all[0]!.length);
      const shape = [...all[0]!];
      shape[axis] = all.reduce((sum, s) => sum + s[axis]!, 0);
      const vals = inputs.filter(Boolean).map(valueOf);
      return { shapes: [shape], values: [all[0]!.length === 1 && vals.every(Boolean) ? vals.flatMap((v) => v!) : undefined] };
    }
    case 'Resize':
    case 'Upsample': {
      const s = x();
      // Resize: X, roi, scales, sizes (opset >= 11); Upsample and Resize-10: X, scales.
      const sizes = op === 'Resize' && opset >= 11 ? valueOf(inputs[3]) : undefined;
      if (sizes && sizes.length) {
        const axes = attrInts(attrs, 'axes');
        if (!axes) return { shapes: [sizes] };
        const out = [...s];
        axes.forEach((axis, i) => (out[normAxis(axis, s.length)] = sizes[i]!));
        return { shapes: [out] };
      }
      const scales = op === 'Resize' && opset >= 11 ? valueOf(inputs[2]) : (valueOf(inputs[1]) ?? attrFloats(attrs, 'scales'));
      if (!scales || !scales.length) throw new UnknownShape(`${op} sizes/scales are not constants`);
      return { shapes: [s.map((d, i) => Math.floor(d * scales[i]!))] };
    }
    case 'Reshape': {
      const s = x();
      const target = requireValue(inputs[1], 'Reshape shape');
      const allowZero = attrInt(attrs, 'allowzero', 0) === 1;
      const out = target.map((d, i) => (d === 0 && !allowZero ? s[i]! : d));
      const known = out.filter((d) => d !== -1);
      const minus = out.indexOf(-1);
      if (minus >= 0) out[minus] = product(s) / product(known);
      return { shapes: [out], values: [valueOf(inputs[0])] };
    }
    case 'Flatten': {
      const s = x();
      const axis = normAxis(attrInt(attrs, 'axis', 1), s.length);
      return { shapes: [[product(s.slice(0, axis)), product(s.slice(axis))]], values: [valueOf(inputs[0])] };
    }
    case 'Transpose': {
      const s = x();
      const perm = attrInts(attrs, 'perm') ?? s.map((_, i) => s.length - 1 - i);
      return { shapes: [perm.map((p) => s[p]!)] };
    }
    case 'Unsqueeze': {
      const s = x();
      const axes = opset >= 13 ? requireValue(inputs[1], 'Unsqueeze axes') : (attrInts(attrs, 'axes') ?? []);
      const rank = s.length + axes.length;
      const sorted = axes.map((a) => normAxis(a, rank)).sort((a, b) => a - b);
      const out = [...s];
      for (const a of sorted) out.splice(a, 0, 1);
      return { shapes: [out], values: [valueOf(inputs[0])] };
    }
    case 'Squeeze': {
      const s = x();
      const given = opset >= 13 ? valueOf(inputs[1]) : attrInts(attrs, 'axes');
      const axes = given ? given.map((a) => normAxis(a, s.length)) : s.flatMap((d, i) => (d === 1 ? [i] : []));
      return { shapes: [s.filter((_, i) => !axes.includes(i))], values: [valueOf(inputs[0])] };
    }
    case 'Gather': {
      const data = x();
      const indices = shapeOf(inputs[1]!);
      const axis = normAxis(attrInt(attrs, 'axis', 0), data.length);
      const out = [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)];
      const dv = valueOf(inputs[0]);
      const iv = valueOf(inputs[1]);
      const v = dv && iv && data.length === 1 ? iv.map((i) => dv[i < 0 ? i + dv.length : i]!) : undefined;
      return { shapes: [out], values: [v] };
    }
    case 'Slice': {
      const s = x();
      const starts = opset >= 10 ? requireValue(inputs[1], 'Slice starts') : (attrInts(attrs, 'starts') ?? []);
      const ends = opset >= 10 ? requireValue(inputs[2], 'Slice ends') : (attrInts(attrs, 'ends') ?? []);
      const axes = (opset >= 10 ? valueOf(inputs[3]) : attrInts(attrs, 'axes')) ?? starts.map((_, i) => i);
      const steps = (opset >= 10 ? valueOf(inputs[4]) : undefined) ?? starts.map(() => 1);
      const out = [...s];
      const ranges = s.map((d) => ({ start: 0, end: d, step: 1 }));
      axes.forEach((axisRaw, i) => {
        const axis = normAxis(axisRaw, s.length);
        const d = s[axis]!;
        const step = steps[i]!;
        const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
        let start = starts[i]! < 0 ? starts[i]! + d : starts[i]!;
        let end = ends[i]! < 0 ? ends[i]! + d : ends[i]!;
        start = step > 0 ? clamp(start, 0, d) : clamp(start, -1, d - 1);
        end = step > 0 ? clamp(end, 0, d) : clamp(end, -1, d - 1);
        out[axis] = Math.max(0, Math.ceil((end - start) / step));
        ranges[axis] = { start, end, step };
      });
      const v = valueOf(inputs[0]);
      let sliced: number[] | undefined;
      if (v && s.length === 1) {
        const { start, end, step } = ranges[0]!;
        sliced = [];
        for (let i = start; step > 0 ? i < end : i > end; i += step) sliced.push(v[i]!);
      }
      return { shapes: [out], values: [sliced] };
    }
    case 'ConstantOfShape': {
      const shape = requireValue(inputs[0], 'ConstantOfShape shape');
      const fill = attrs.get('value')?.t;
      const fillValue = fill ? (tensorValues(fill)?.[0] ?? 0) : 0;
      return { shapes: [shape], values: [product(shape) <= MAX_TRACKED_VALUES ? Array(product(shape)).fill(fillValue) : undefined] };
    }
    case 'Expand': {
      const target = requireValue(inputs[1], 'Expand shape');
      return { shapes: [broadcast([x(), target])] };
    }
    case 'Tile': {
      const repeats = requireValue(inputs[1], 'Tile repeats');
      return { shapes: [x().map((d, i) => d * repeats[i]!)] };
    }
    case 'Pad': {
      const s = x();
      const pads = opset >= 11 ? requireValue(inputs[1], 'Pad pads') : (attrInts(attrs, 'pads') ?? []);
      const axes = opset >= 18 ? valueOf(inputs[3]) : undefined;
      const out = [...s];
      const list = axes ?? s.map((_, i) => i);
      list.forEach((axisRaw, i) => {
        const axis = normAxis(axisRaw, s.length);
        out[axis] = s[axis]! + pads[i]! + pads[i + list.length]!;
      });
      return { shapes: [out] };
    }
    case 'Split': {
      const s = x();
      const axis = normAxis(attrInt(attrs, 'axis', 0), s.length);
      const split = (opset >= 13 ? valueOf(inputs[1]) : attrInts(attrs, 'split')) ?? undefined;
      const count = split?.length ?? attrInt(attrs, 'num_outputs', 0);
      if (!split && !count) throw new UnknownShape('Split needs split sizes or num_outputs');
      const sizes = split ?? Array.from({ length: count }, (_, i) => Math.min(Math.ceil(s[axis]! / count), s[axis]! - i * Math.ceil(s[axis]! / count)));
      return { shapes: sizes.map((size) => s.map((d, i) => (i === axis ? size : d))) };
    }
    case 'ArgMax':
    case 'ArgMin': {
      const s = x();
      const axis = normAxis(attrInt(attrs, 'axis', 0), s.length);
      const keep = attrInt(attrs, 'keepdims', 1) === 1;
      return { shapes: [keep ? s.map((d, i) => (i === axis ? 1 : d)) : s.filter((_, i) => i !== axis)] };
    }
    case 'DepthToSpace': {
      const s = x();
      const b = attrInt(attrs, 'blocksize', 1);
      return { shapes: [[s[0]!, s[1]! / (b * b), s[2]! * b, s[3]! * b]] };
    }
    case 'SpaceToDepth': {
      const s = x();
      const b = attrInt(attrs, 'blocksize', 1);
      return { shapes: [[s[0]!, s[1]! * b * b, s[2]! / b, s[3]! / b]] };
    }
    case 'Range': {
      const [start, limit, delta] = [requireValue(inputs[0], 'Range start')[0]!, requireValue(inputs[1], 'Range limit')[0]!, requireValue(inputs[2], 'Range delta')[0]!];
      return { shapes: [[Math.max(0, Math.ceil((limit - start) / delta))]] };
    }
  }
  if (REDUCTIONS.has(op)) {
    const s = x();
    // Axes moved from an attribute to an input: ReduceSum at opset 13, the others at 18.
    const axesFromInput = op === 'ReduceSum' ? opset >= 13 : opset >= 18;
    const given = axesFromInput ? valueOf(inputs[1]) : attrInts(attrs, 'axes');
    const noop = attrInt(attrs, 'noop_with_empty_axes', 0) === 1;
    if (!given && noop) return { shapes: [s] };
    const axes = (given ?? s.map((_, i) => i)).map((a) => normAxis(a, s.length));
    const keep = attrInt(attrs, 'keepdims', 1) === 1;
    return { shapes: [keep ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i))] };
  }
  throw new UnknownShape(`no shape rule for op ${op}`);
}
