/**
 * Small dense networks evaluated in JS. A difficulty predictor is typically a few fully connected
 * layers over a few hundred features: tens of thousands of MACs, which JS computes in a few
 * hundredths of a millisecond. One onnxruntime session run of any model costs about 0.2 ms right
 * after a large run has pushed onnxruntime's code and buffers out of the caches, so for such a
 * model the session run, not the arithmetic, is the cost (docs/onnx-runtime.md, "Tenth round").
 *
 * `denseChainOf` recognises an ONNX graph that is one chain (one input, one output, each node
 * reading the previous node's output and initializers only) of Flatten / Reshape to [batch, n],
 * Gemm, MatMul, Add, and the element-wise activations Relu, LeakyRelu, Softplus, Sigmoid, Tanh
 * and Identity. Anything else is not a dense chain, and the caller runs the model in onnxruntime.
 * The ONNX file stays the model: what is extracted here is derived from it, cached by content.
 */
import { onnx, toNumber, type pb } from './onnx-proto.js';
import { tensorDims, tensorValues } from './tensor-values.js';

export type DenseActivation = 'relu' | 'leaky-relu' | 'softplus' | 'sigmoid' | 'tanh';

/** One step of a chain: x -> x W + b (W stored [inputs][outputs]), x + b, or an activation. */
export type DenseLayer =
  | { readonly kind: 'linear'; readonly inputs: number; readonly outputs: number; readonly weights: Float32Array; readonly bias: Float32Array }
  | { readonly kind: 'bias'; readonly bias: Float32Array }
  | { readonly kind: 'activation'; readonly op: DenseActivation; readonly alpha: number };

/** The largest chain evaluated in JS, in MACs per input: beyond it onnxruntime's kernels win. */
export const DENSE_CHAIN_MAX_MACS = 1_000_000;

export class DenseChain {
  constructor(
    readonly input: string,
    readonly output: string,
    readonly inputLength: number,
    readonly layers: readonly DenseLayer[],
  ) {}

  get outputLength(): number {
    let width = this.inputLength;
    for (const layer of this.layers) if (layer.kind === 'linear') width = layer.outputs;
    return width;
  }

  get macs(): number {
    return this.layers.reduce((sum, layer) => sum + (layer.kind === 'linear' ? layer.inputs * layer.outputs : 0), 0);
  }

  /** One input's values (inputLength of them, batch of one) -> the output's values. */
  run(input: ArrayLike<number>): Float32Array {
    if (input.length !== this.inputLength) throw new Error(`dense chain ${this.input}: expected ${this.inputLength} values, got ${input.length}`);
    let x: Float64Array = Float64Array.from(input);
    for (const layer of this.layers) {
      if (layer.kind === 'linear') {
        const { inputs, outputs, weights, bias } = layer;
        const y = Float64Array.from(bias);
        // Row by row of W, skipping zeros: a predictor's inputs are shares, mostly 0 for the
        // classes a map lacks, and the first layer holds nearly all of the weights.
        for (let i = 0; i < inputs; i++) {
          const v = x[i]!;
          if (v === 0) continue;
          const row = i * outputs;
          for (let j = 0; j < outputs; j++) y[j]! += v * weights[row + j]!;
        }
        x = y;
      } else if (layer.kind === 'bias') {
        const { bias } = layer;
        for (let j = 0; j < x.length; j++) x[j]! += bias[bias.length === 1 ? 0 : j]!;
      } else {
        activate(x, layer.op, layer.alpha);
      }
    }
    return Float32Array.from(x);
  }

  /** Bytes for the on-disk cache: a JSON header, then every layer's numbers as float32. */
  serialize(): Uint8Array {
    const arrays: Float32Array[] = [];
    const layers = this.layers.map((layer) => {
      if (layer.kind === 'linear') {
        arrays.push(layer.weights, layer.bias);
        return { kind: layer.kind, inputs: layer.inputs, outputs: layer.outputs };
      }
      if (layer.kind === 'bias') {
        arrays.push(layer.bias);
        return { kind: layer.kind, length: layer.bias.length };
      }
      return layer;
    });
    const header = new TextEncoder().encode(JSON.stringify({ format: SERIAL_FORMAT, input: this.input, output: this.output, inputLength: this.inputLength, layers }));
    const headerBytes = Math.ceil(header.length / 4) * 4;
    const floats = arrays.reduce((n, a) => n + a.length, 0);
    const bytes = new Uint8Array(8 + headerBytes + floats * 4).fill(0x20, 8, 8 + headerBytes);
    new DataView(bytes.buffer).setUint32(0, MAGIC, true);
    new DataView(bytes.buffer).setUint32(4, headerBytes, true);
    bytes.set(header, 8);
    let offset = 8 + headerBytes;
    for (const a of arrays) {
      bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
      offset += a.byteLength;
    }
    return bytes;
  }

  /** The chain `serialize` wrote, or undefined for bytes it did not write (another format, a cut file). */
  static deserialize(bytes: Uint8Array): DenseChain | undefined {
    if (bytes.byteLength < 8) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(0, true) !== MAGIC) return undefined;
    const headerBytes = view.getUint32(4, true);
    if (8 + headerBytes > bytes.byteLength) return undefined;
    let header: { format: number; input: string; output: string; inputLength: number; layers: Array<{ kind: string; inputs?: number; outputs?: number; length?: number; op?: DenseActivation; alpha?: number }> };
    try {
      header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerBytes)));
    } catch {
      return undefined;
    }
    if (header.format !== SERIAL_FORMAT) return undefined;
    // A copy, so the floats are aligned whatever the buffer's offset.
    const data = new Float32Array(bytes.slice(8 + headerBytes).buffer);
    let at = 0;
    const take = (n: number): Float32Array | undefined => (at + n <= data.length ? data.subarray(at, (at += n)) : undefined);
    const layers: DenseLayer[] = [];
    for (const layer of header.layers) {
      if (layer.kind === 'linear') {
        const weights = take(layer.inputs! * layer.outputs!);
        const bias = take(layer.outputs!);
        if (!weights || !bias) return undefined;
        layers.push({ kind: 'linear', inputs: layer.inputs!, outputs: layer.outputs!, weights, bias });
      } else if (layer.kind === 'bias') {
        const bias = take(layer.length!);
        if (!bias) return undefined;
        layers.push({ kind: 'bias', bias });
      } else {
        layers.push({ kind: 'activation', op: layer.op!, alpha: layer.alpha ?? 0 });
      }
    }
    if (at !== data.length) return undefined;
    return new DenseChain(header.input, header.output, header.inputLength, layers);
  }
}

const MAGIC = 0x43444745; // "EGDC"
const SERIAL_FORMAT = 1;

function activate(x: Float64Array, op: DenseActivation, alpha: number): void {
  for (let j = 0; j < x.length; j++) {
    const v = x[j]!;
    switch (op) {
      case 'relu':
        x[j] = v > 0 ? v : 0;
        break;
      case 'leaky-relu':
        x[j] = v >= 0 ? v : alpha * v;
        break;
      case 'softplus':
        // log(1 + e^v) without overflow for large v.
        x[j] = v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
        break;
      case 'sigmoid':
        x[j] = 1 / (1 + Math.exp(-v));
        break;
      case 'tanh':
        x[j] = Math.tanh(v);
        break;
    }
  }
}

/**
 * The dense chain an ONNX model is, or a sentence saying why it is not one (the first node or
 * declaration that does not fit). Chains over DENSE_CHAIN_MAX_MACS are refused too.
 */
export function denseChainOf(model: pb.IModelProto): DenseChain | string {
  const graph = model.graph;
  if (!graph) return 'no graph';
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? ''));
  if (inputs.length !== 1 || graph.output?.length !== 1) return `${inputs.length} inputs and ${graph.output?.length ?? 0} outputs (a chain has one of each)`;
  const input = inputs[0]!;
  const tensorType = input.type?.tensorType;
  if (tensorType?.elemType !== onnx.TensorProto.DataType.FLOAT) return `input ${input.name} is not float32`;
  const dims = (tensorType.shape?.dim ?? []).map((d) => (Object.hasOwn(d, 'dimValue') ? toNumber(d.dimValue) : null));
  if (dims.length < 2 || dims[0] !== 1 || dims.slice(1).some((d) => d === null || d < 1)) return `input ${input.name} is not [1, ...] with fixed dimensions`;
  const inputLength = (dims.slice(1) as number[]).reduce((a, b) => a * b, 1);
  let current = input.name ?? '';
  let width = inputLength;
  let flat = dims.length === 2;
  const layers: DenseLayer[] = [];
  const constant = (name: string | undefined): { dims: number[]; values: number[] } | undefined => {
    const tensor = name === undefined ? undefined : initializers.get(name);
    const values = tensor && tensorValues(tensor);
    return tensor && values ? { dims: tensorDims(tensor), values } : undefined;
  };
  for (const node of graph.node ?? []) {
    const op = node.opType ?? '';
    const where = `node ${node.name || op} (${op})`;
    if (node.domain && node.domain !== 'ai.onnx') return `${where}: domain ${node.domain}`;
    if (node.input?.[0] !== current || node.output?.length !== 1) return `${where} does not continue the chain`;
    const attr = (name: string): pb.IAttributeProto | undefined => node.attribute?.find((a) => a.name === name);
    const intAttr = (name: string, fallback: number): number => { const a = attr(name); return a ? toNumber(a.i) : fallback; };
    const floatAttr = (name: string, fallback: number): number => attr(name)?.f ?? fallback;
    const second = node.input.length > 1 ? constant(node.input[1]) : undefined;
    if (node.input.length > 1 && !second) return `${where}: its second input is not an initializer`;
    switch (op) {
      case 'Flatten':
        if (intAttr('axis', 1) !== 1) return `${where}: axis other than 1`;
        flat = true;
        break;
      case 'Reshape': {
        const shape = second!.values;
        if (shape.length !== 2 || ![1, 0, -1].includes(shape[0]!) || (shape[1] !== -1 && shape[1] !== width)) return `${where}: not to [batch, ${width}]`;
        flat = true;
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        if (!flat) return `${where} on a tensor that is not [batch, n]`;
        const gemm = op === 'Gemm';
        if (gemm && intAttr('transA', 0) !== 0) return `${where}: transA`;
        const transB = gemm && intAttr('transB', 0) === 1;
        const b = second!;
        if (b.dims.length !== 2) return `${where}: weights are not a matrix`;
        const [rows, columns] = transB ? [b.dims[1]!, b.dims[0]!] : [b.dims[0]!, b.dims[1]!];
        if (rows !== width) return `${where}: weights take ${rows} values, the chain has ${width}`;
        const alpha = gemm ? floatAttr('alpha', 1) : 1;
        const weights = new Float32Array(rows * columns);
        for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) weights[i * columns + j] = alpha * b.values[transB ? j * rows + i : i * columns + j]!;
        const bias = new Float32Array(columns);
        if (gemm && node.input.length > 2) {
          const c = constant(node.input[2]);
          if (!c || (c.values.length !== columns && c.values.length !== 1)) return `${where}: bias is not a constant of ${columns} or 1 values`;
          const beta = floatAttr('beta', 1);
          for (let j = 0; j < columns; j++) bias[j] = beta * c.values[c.values.length === 1 ? 0 : j]!;
        }
        layers.push({ kind: 'linear', inputs: rows, outputs: columns, weights, bias });
        width = columns;
        break;
      }
      case 'Add': {
        const values = second!.values;
        if (!flat || (values.length !== width && values.length !== 1)) return `${where}: not a bias of ${width} or 1 values`;
        const last = layers[layers.length - 1];
        // MatMul then Add is how some exporters write a linear layer: fold the bias into it.
        if (last?.kind === 'linear' && values.length === width) layers[layers.length - 1] = { ...last, bias: Float32Array.from(last.bias, (v, j) => v + values[j]!) };
        else layers.push({ kind: 'bias', bias: Float32Array.from(values) });
        break;
      }
      case 'Relu':
        layers.push({ kind: 'activation', op: 'relu', alpha: 0 });
        break;
      case 'LeakyRelu':
        layers.push({ kind: 'activation', op: 'leaky-relu', alpha: floatAttr('alpha', 0.01) });
        break;
      case 'Softplus':
        layers.push({ kind: 'activation', op: 'softplus', alpha: 0 });
        break;
      case 'Sigmoid':
        layers.push({ kind: 'activation', op: 'sigmoid', alpha: 0 });
        break;
      case 'Tanh':
        layers.push({ kind: 'activation', op: 'tanh', alpha: 0 });
        break;
      case 'Identity':
        break;
      default:
        return `${where}: not a dense-chain op`;
    }
    current = node.output[0]!;
  }
  const output = graph.output[0]!.name ?? '';
  if (current !== output) return `the chain ends in ${current}, not in the output ${output}`;
  if (!flat) return 'no Flatten or Reshape to [batch, n] and no dense layer';
  const chain = new DenseChain(input.name ?? '', output, inputLength, layers);
  if (chain.macs > DENSE_CHAIN_MAX_MACS) return `${chain.macs} MACs, more than the ${DENSE_CHAIN_MAX_MACS} evaluated in JS`;
  return chain;
}
