/**
 * A small builder of ONNX models in TypeScript, so exitgraph can make networks at load time
 * (metrics such as LPIPS, device probes, test fixtures) without a Python toolchain.
 *
 *   const g = new OnnxGraphBuilder({ opset: 17 });
 *   g.input('x', 'float32', [1, 3, 'H', 'W']);
 *   g.initializer('w', weights, [8, 3, 3, 3]);
 *   g.node('Conv', ['x', 'w'], ['y'], { pads: [1, 1, 1, 1] });
 *   g.output('y', 'float32', [1, 8, 'H', 'W']);
 *   const bytes = g.toBytes();   // feed to InferenceSession.create(bytes)
 *
 * Encoding goes through the generated protobuf classes of `onnx-proto`.
 */
import { elementTypeCode, onnx, type OnnxElementType, type pb } from './onnx-proto.js';

/** A dimension: a fixed size, or a symbolic name (`dim_param`) such as 'N' or 'H'. */
export type Dim = number | string;

/** Typed arrays the builder can store as tensors (initializers, Constant values, tensor attributes). */
export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

/** A tensor value given with its shape. A bare typed array is a 1-D tensor. */
export interface TensorValue {
  readonly data: TensorData;
  readonly dims: readonly number[];
}

/** An attribute whose ONNX type is stated explicitly (when the plain-number guess would be wrong). */
export type TypedAttribute =
  | { readonly float: number }
  | { readonly floats: readonly number[] }
  | { readonly int: number }
  | { readonly ints: readonly number[] };

/**
 * Attribute values. Plain numbers become INT when integral and FLOAT otherwise, except for
 * attribute names ONNX defines as floats (alpha, epsilon, ...), which are always FLOAT; arrays
 * follow the same rule. Use a TypedAttribute to force a type, a typed array or TensorValue for a
 * tensor attribute (e.g. Constant's `value`).
 */
export type AttributeValue = number | readonly number[] | string | readonly string[] | TensorData | TensorValue | TypedAttribute;

export interface OnnxGraphBuilderOptions {
  /** Default-domain opset version. */
  readonly opset?: number;
  readonly graphName?: string;
  readonly producer?: string;
}

/**
 * Attribute names that ONNX types as float(s) even when the value happens to be integral
 * (Gemm alpha=1, LeakyRelu alpha, BatchNormalization epsilon, ...). onnxruntime rejects an INT
 * attribute where a FLOAT is declared, so a bare `1` must not become INT for these.
 */
const FLOAT_ATTRIBUTES = new Set(['alpha', 'beta', 'gamma', 'epsilon', 'momentum', 'value_float', 'value_floats', 'bias', 'lambd', 'spatial_scale', 'scales', 'extrapolation_value', 'cubic_coeff_a', 'ratio']);

const textEncoder = new TextEncoder();

export class OnnxGraphBuilder {
  readonly opset: number;
  private readonly graphName: string;
  private readonly producer: string;
  private readonly inputs: pb.IValueInfoProto[] = [];
  private readonly outputs: pb.IValueInfoProto[] = [];
  private readonly initializers: pb.ITensorProto[] = [];
  private readonly nodes: pb.INodeProto[] = [];
  private readonly usedNames = new Set<string>();
  private counter = 0;

  constructor(options: OnnxGraphBuilderOptions = {}) {
    this.opset = options.opset ?? 17;
    this.graphName = options.graphName ?? 'exitgraph';
    this.producer = options.producer ?? 'exitgraph';
  }

  /** Declares a graph input. */
  input(name: string, type: OnnxElementType, dims: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares a graph output (the tensor must be produced by some node or be an input/initializer). */
  output(name: string, type: OnnxElementType, dims: readonly Dim[]): string {
    this.outputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Adds a constant tensor stored in the model (weights, shapes, axes). */
  initializer(name: string, data: TensorData, dims: readonly number[] = [data.length]): string {
    this.claim(name);
    this.initializers.push(tensorProto(name, data, dims));
    return name;
  }

  /** Adds a node. Returns its first output name, for chaining. */
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, AttributeValue> = {}, name?: string): string {
    for (const output of outputs) this.claim(output);
    this.nodes.push({
      opType,
      input: [...inputs],
      output: [...outputs],
      name: name ?? `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([attrName, value]) => attribute(attrName, value)),
    });
    return outputs[0] ?? '';
  }

  /** Adds a Constant node holding `data` and returns its output name (fresh unless given). */
  constant(data: TensorData, dims: readonly number[] = [data.length], name?: string): string {
    const out = name ?? this.fresh('const');
    this.node('Constant', [], [out], { value: { data, dims } });
    return out;
  }

  /** Adds a single-output node with a fresh output name and returns that name. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttributeValue> = {}, outputName?: string): string {
    return this.node(opType, inputs, [outputName ?? this.fresh(opType.toLowerCase())], attrs);
  }

  /** A tensor name not used yet in this graph, starting with `prefix`. */
  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.usedNames.has(name));
    return name;
  }

  /** The ModelProto message (for callers that want to inspect or adjust it before encoding). */
  toModel(): pb.ModelProto {
    return onnx.ModelProto.create({
      irVersion: 8,
      producerName: this.producer,
      opsetImport: [{ domain: '', version: this.opset }],
      graph: {
        name: this.graphName,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
        node: this.nodes,
      },
    });
  }

  /** The serialized model, ready for `InferenceSession.create(bytes)` or a .onnx file. */
  toBytes(): Uint8Array {
    return onnx.ModelProto.encode(this.toModel()).finish();
  }

  private claim(name: string): void {
    if (!name) throw new Error('OnnxGraphBuilder: tensor names must be non-empty');
    if (this.usedNames.has(name)) throw new Error(`OnnxGraphBuilder: tensor name "${name}" is already defined`);
    this.usedNames.add(name);
  }
}

function valueInfo(name: string, type: OnnxElementType, dims: readonly Dim[]): pb.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: elementTypeCode(type),
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function elementTypeOf(data: TensorData): OnnxElementType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int8Array) return 'int8';
  return 'uint8';
}

/** A TensorProto with raw little-endian bytes (the compact form; Node runs on little-endian hosts). */
export function tensorProto(name: string, data: TensorData, dims: readonly number[]): pb.ITensorProto {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`OnnxGraphBuilder: tensor "${name}" has ${data.length} values but dims [${dims.join(', ')}] need ${count}`);
  return {
    name,
    dims: [...dims],
    dataType: elementTypeCode(elementTypeOf(data)),
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice(),
  };
}

function isTensorData(value: unknown): value is TensorData {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

function attribute(name: string, value: AttributeValue): pb.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: textEncoder.encode(value) };
  if (typeof value === 'number') {
    return FLOAT_ATTRIBUTES.has(name) || !Number.isInteger(value) ? { name, type: T.FLOAT, f: value } : { name, type: T.INT, i: value };
  }
  if (isTensorData(value)) return { name, type: T.TENSOR, t: tensorProto('', value, [value.length]) };
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return { name, type: T.STRINGS, strings: (value as string[]).map((s) => textEncoder.encode(s)) };
    const numbers = value as number[];
    return FLOAT_ATTRIBUTES.has(name) || !numbers.every(Number.isInteger) ? { name, type: T.FLOATS, floats: numbers } : { name, type: T.INTS, ints: numbers };
  }
  const typed = value as TypedAttribute | TensorValue;
  if ('data' in typed) return { name, type: T.TENSOR, t: tensorProto('', typed.data, typed.dims) };
  if ('float' in typed) return { name, type: T.FLOAT, f: typed.float };
  if ('floats' in typed) return { name, type: T.FLOATS, floats: [...typed.floats] };
  if ('int' in typed) return { name, type: T.INT, i: typed.int };
  return { name, type: T.INTS, ints: [...typed.ints] };
}
