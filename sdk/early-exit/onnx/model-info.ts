/**
 * What an ONNX file declares: opset, real inputs and outputs (name, element type, shape), its
 * graph. Read by decoding the protobuf, not by creating a session, so a pack can be checked
 * without onnxruntime and a corrupt file is reported as such rather than as a runtime failure.
 */
import { readFile } from 'node:fs/promises';
import { elementTypeName, onnx, toNumber, type pb } from './onnx-proto.js';

/** A dimension as declared: a size, a symbolic name, or null when the file leaves it open. */
export type DeclaredDim = number | string | null;

export interface TensorDeclaration {
  readonly name: string;
  /** 'float32', 'int64', ... (`code<N>` for types exitgraph does not name). */
  readonly type: string;
  /** Null when the file declares no shape at all. */
  readonly shape: readonly DeclaredDim[] | null;
}

export interface OnnxModelInfo {
  readonly opset: number;
  /** Graph inputs that are not initializers: what a caller must feed. */
  readonly inputs: readonly TensorDeclaration[];
  readonly outputs: readonly TensorDeclaration[];
  readonly graph: pb.IGraphProto;
}

/** The file could not be read as an ONNX model. `file` is the path or a label for in-memory bytes. */
export class OnnxDecodeError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: not a valid ONNX model (${detail})`);
    this.name = 'OnnxDecodeError';
  }
}

export function declaration(value: pb.IValueInfoProto): TensorDeclaration {
  const tensor = value.type?.tensorType;
  const dims = tensor?.shape?.dim;
  return {
    name: value.name ?? '',
    type: elementTypeName(tensor?.elemType ?? 0),
    // Decoded messages carry a field as an own property only when the file sets it.
    shape: dims ? dims.map((d) => (d.dimParam ? d.dimParam : Object.hasOwn(d, 'dimValue') ? toNumber(d.dimValue) : null)) : null,
  };
}

/** Decodes ONNX bytes. Throws OnnxDecodeError naming `file` when they are not a usable model. */
export function decodeModel(bytes: Uint8Array, file = '<bytes>'): OnnxModelInfo {
  let model: pb.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new OnnxDecodeError(file, `protobuf decoding failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Random bytes sometimes decode "successfully" into an empty message; a model needs a graph.
  const graph = model.graph;
  if (!graph) throw new OnnxDecodeError(file, 'no graph');
  if (!graph.output?.length) throw new OnnxDecodeError(file, 'the graph declares no outputs');
  if (!graph.node?.length) throw new OnnxDecodeError(file, 'the graph has no nodes');
  const opset = model.opsetImport?.find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
  if (opset == null) throw new OnnxDecodeError(file, 'no opset_import for the default ONNX domain');
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  return {
    opset: toNumber(opset),
    inputs: (graph.input ?? []).filter((v) => !initializers.has(v.name)).map(declaration),
    outputs: (graph.output ?? []).map(declaration),
    graph,
  };
}

/** Reads and decodes an ONNX file; errors name the file. */
export async function readModelInfo(path: string): Promise<OnnxModelInfo> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new OnnxDecodeError(path, code === 'ENOENT' ? 'file not found' : `cannot read: ${(error as Error).message}`);
  }
  return decodeModel(bytes, path);
}
