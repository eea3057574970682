/**
 * The messages between a session worker and its client, and tensors as they cross: type, dims
 * and a typed array whose buffer is transferred (never a view of a larger buffer, which
 * structured cloning would copy whole).
 */
import * as ort from 'onnxruntime-node';
import type { Feeds, Fetched, InputMetadata } from './session-handle.js';

export type TensorData = Float32Array | BigInt64Array | Int32Array | Uint8Array;

export interface WireTensor {
  readonly type: ort.Tensor.Type;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

export type WorkerRequest =
  | { readonly op: 'create'; readonly id: number; readonly model: string | Uint8Array; readonly options: ort.InferenceSession.SessionOptions }
  | { readonly op: 'run'; readonly id: number; readonly session: number; readonly feeds: Record<string, WireTensor>; readonly fetches?: readonly string[] }
  | { readonly op: 'release'; readonly id: number; readonly session: number };

export type WorkerReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly session?: number;
      readonly inputNames?: readonly string[];
      readonly outputNames?: readonly string[];
      readonly inputMetadata?: readonly InputMetadata[];
      readonly outputs?: Record<string, WireTensor>;
      /** A run's feed buffers, handed back for the client to fill again (see FeedBuffers). */
      readonly feedBuffers?: readonly ArrayBuffer[];
    }
  | { readonly id: number; readonly ok: false; readonly message: string };

/** A CPU tensor as plain data, with its own buffer (copied when the tensor's data is a view). */
export function toWire(tensor: ort.Tensor): WireTensor {
  if (tensor.location !== 'cpu' && tensor.location !== 'cpu-pinned') {
    throw new Error(`a session worker only takes CPU tensors, got one located in ${tensor.location}`);
  }
  const data = tensor.data as TensorData;
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
  return { type: tensor.type, dims: [...tensor.dims], data: whole ? data : (data.slice() as TensorData) };
}

export function fromWire(wire: WireTensor): ort.Tensor {
  return new ort.Tensor(wire.type as 'float32', wire.data as Float32Array, [...wire.dims]);
}

/**
 * Buffers that carried feeds to the worker and came back, by size, to carry the next ones. Why:
 * a feed is copied into a buffer that is then transferred, and on first touch every page of a
 * fresh buffer is faulted in. Copying a coalesced batch of 16 landscape maps (10 MB) into fresh
 * buffers held the server's thread for 35 to 40 ms per batch (the longest event-loop block of a
 * 32-generator prompt was 100 to 145 ms, stacking and packing included); a recycled buffer only
 * costs the copy. At most `perSize` buffers of a size and `maxBytes` in all are kept.
 */
export class FeedBuffers {
  readonly #free = new Map<number, ArrayBuffer[]>();
  #bytes = 0;

  constructor(
    private readonly perSize = 4,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  /** Bytes held for reuse. */
  get bytes(): number {
    return this.#bytes;
  }

  take(byteLength: number): ArrayBuffer {
    const buffer = this.#free.get(byteLength)?.pop();
    if (!buffer) return new ArrayBuffer(byteLength);
    this.#bytes -= byteLength;
    return buffer;
  }

  give(buffers: readonly ArrayBuffer[]): void {
    for (const buffer of buffers) {
      const size = buffer.byteLength;
      const free = this.#free.get(size) ?? [];
      if (size === 0 || free.length >= this.perSize || this.#bytes + size > this.maxBytes) continue;
      free.push(buffer);
      this.#free.set(size, free);
      this.#bytes += size;
    }
  }
}

type TypedArrayOf = new (buffer: ArrayBuffer, byteOffset: number, length: number) => TensorData;

export function feedsToWire(feeds: Feeds, buffers: FeedBuffers): { wire: Record<string, WireTensor>; transfer: ArrayBuffer[] } {
  const wire: Record<string, WireTensor> = {};
  for (const [name, tensor] of Object.entries(feeds)) {
    const data = tensor.data as TensorData;
    // Feeds belong to the caller (pooled buffers, views of batches): always send a copy.
    const copy = new (data.constructor as TypedArrayOf)(buffers.take(data.byteLength), 0, data.length);
    (copy as Float32Array).set(data as Float32Array);
    wire[name] = { type: tensor.type, dims: [...tensor.dims], data: copy };
  }
  return { wire, transfer: Object.values(wire).map((t) => t.data.buffer as ArrayBuffer) };
}

export function fetchedFromWire(outputs: Record<string, WireTensor>): Fetched {
  return Object.fromEntries(Object.entries(outputs).map(([name, wire]) => [name, fromWire(wire)]));
}
