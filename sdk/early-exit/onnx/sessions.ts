/**
 * ONNX Runtime sessions: created once per model per device, tuned for this machine, warmed up,
 * and run through the per-device queue.
 *
 * A model is identified by its file (resolved path + size + modification time, so a rebuilt pack
 * is reloaded), by the SHA-256 of its bytes (models built in memory, e.g. metrics networks), or
 * by the content id of a model built on demand (a pack exit's merged graph).
 *
 * Sessions are created through the on-disk cache of optimized models (optimized-model-cache.ts),
 * so a second process skips graph optimization, and building a merged model at all.
 */
import { defineService, type HostServices } from '../../kernel/host/host-services.js';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { chooseDevice, executionProviders, type Device } from './devices.js';
import { OnnxGraphBuilder } from './graph-builder.js';
import { createWithOptimizedCache, defaultOptimizedModelDir, fileContentHash } from './optimized-model-cache.js';
import { deviceRunQueue, type DeviceRunQueue } from './run-queue.js';
import { inProcessHandle, type Feeds, type Fetched, type SessionHandle } from './session-handle.js';
import { SessionWorker } from './session-worker-client.js';

export type { Feeds, Fetched, SessionHandle } from './session-handle.js';

/**
 * A model built only when no cached session or optimized file has it. `id` names what `build`
 * returns by content (e.g. a hash of the files it merges and how), so it is stable across
 * processes.
 */
export interface BuiltModel {
  readonly id: string;
  build(): Promise<Uint8Array>;
}

/** A model file path, the serialized model itself, or a model built on demand. */
export type ModelSource = string | Uint8Array | BuiltModel;

function isBuilt(source: ModelSource): source is BuiltModel {
  return typeof source === 'object' && !(source instanceof Uint8Array);
}

export interface SessionRequest {
  readonly device: Device;
  /**
   * Leave outputs in GPU memory (`preferredOutputLocation: 'gpu-buffer'`) so the next session
   * can read them without a round trip through the CPU. Only webgpu supports this in
   * onnxruntime-node (its IO binding knows WebGPU buffers only); elsewhere it is ignored.
   */
  readonly outputsOnDevice?: boolean;
  /** Values for symbolic dimensions, used by the warm-up run (default 1). */
  readonly freeDimensions?: Readonly<Record<string, number>>;
  /**
   * Run the model once on zeros when created, so the first real run does not pay for kernel
   * compilation and memory planning. Default true; off for a session whose first real run comes
   * at once (warming it would only run the model twice).
   */
  readonly warmUp?: boolean;
  /** Intra-op threads (default: every core). One suits tiny models, whose ops are too small to share out. */
  readonly threads?: number;
}

/** True when `device` can keep session outputs in device memory under onnxruntime-node. */
export function supportsDeviceOutputs(device: Device): boolean {
  return device === 'webgpu';
}

/** Session options suited to this machine. */
export function sessionOptions(request: SessionRequest): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: executionProviders(request.device),
    // All cores for one op: segment graphs are chains, so intra-op parallelism is what helps.
    intraOpNumThreads: request.threads ?? availableParallelism(),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Only the warnings that matter; ORT's info-level shape-merge chatter is noise to users.
    logSeverityLevel: 3,
    // Every session owns a thread pool whose threads by default spin after each op waiting for
    // more work. A pack runs several sessions back to back, so spinning threads of the previous
    // session steal the cores from the next one (measured on 2 cores: a 4-segment run took 16x
    // one session of the same network). Sleeping instead costs a single session little.
    extra: { session: { intra_op: { allow_spinning: process.env.EXITGRAPH_ORT_SPIN === '1' ? '1' : '0' }, inter_op: { allow_spinning: '0' } } },
    ...(request.outputsOnDevice && supportsDeviceOutputs(request.device) ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
    ...(request.freeDimensions ? { freeDimensionOverrides: { ...request.freeDimensions } } : {}),
  };
}

/** One cached session: the ORT session (here or in a session worker) plus what exitgraph needs to know about it. */
export class OnnxSession {
  constructor(
    readonly key: string,
    readonly device: Device,
    readonly session: SessionHandle,
    readonly outputsOnDevice: boolean,
    private readonly queue: DeviceRunQueue,
  ) {}

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /**
   * Runs the model through the device queue. `fetches` limits which outputs are returned (all
   * nodes still run: onnxruntime does not prune the graph by fetches). Outputs left on the device
   * (see `outputsOnDevice`) must be disposed by the caller, or read with `getData(true)`.
   */
  run(feeds: Feeds, fetches?: readonly string[]): Promise<Fetched> {
    return this.queue.run(this.device, () => this.session.run(feeds, fetches));
  }

  /** A run on zeros of the declared input shapes (symbolic dimensions from `freeDimensions`, else 1). */
  async warmUp(freeDimensions: Readonly<Record<string, number>> = {}): Promise<void> {
    const feeds: Feeds = {};
    for (const meta of this.session.inputMetadata) {
      if (!meta.isTensor) continue;
      const dims = meta.shape.map((d) => (typeof d === 'number' ? d : (freeDimensions[d] ?? 1)));
      feeds[meta.name] = zeros(meta.type, dims);
    }
    const outputs = await this.run(feeds);
    for (const tensor of Object.values(outputs)) tensor.dispose();
  }
}

function zeros(type: ort.Tensor.Type, dims: number[]): ort.Tensor {
  const count = dims.reduce((a, b) => a * b, 1);
  switch (type) {
    case 'int64':
      return new ort.Tensor('int64', new BigInt64Array(count), dims);
    case 'int32':
      return new ort.Tensor('int32', new Int32Array(count), dims);
    case 'uint8':
      return new ort.Tensor('uint8', new Uint8Array(count), dims);
    case 'bool':
      return new ort.Tensor('bool', new Uint8Array(count), dims);
    default:
      return new ort.Tensor('float32', new Float32Array(count), dims);
  }
}

/** The cache key of a model source: file identity or content hash. */
export async function modelKey(source: ModelSource): Promise<string> {
  if (isBuilt(source)) return `built:${source.id}`;
  if (typeof source === 'string') {
    const path = resolve(source);
    const info = await stat(path);
    return `file:${path}:${info.size}:${info.mtimeMs}`;
  }
  return `sha256:${createHash('sha256').update(source).digest('hex')}`;
}

export interface SessionCacheOptions {
  readonly queue?: DeviceRunQueue;
  /** Folder of onnxruntime's optimized models; false turns that cache off. Default: see optimized-model-cache.ts. */
  readonly optimizedModelDir?: string | false;
  /**
   * Create and run cpu sessions in a worker thread (session-worker-client.ts), so this thread is
   * free while a model runs: what a server needs. Other devices stay here (their tensors cannot
   * cross threads). Default false: a one-shot command gains nothing and would pay the worker's
   * start.
   */
  readonly offThread?: boolean;
}

/**
 * Sessions by (model, device, output location, threads). Concurrent requests for the same session
 * share one creation; a failed creation is forgotten so a later request can retry.
 */
export class SessionCache {
  readonly #sessions = new Map<string, Promise<OnnxSession>>();
  readonly #queue: DeviceRunQueue;
  readonly #optimizedDir: string | undefined;
  #optimizedHits = 0;
  /** Content hashes of model files, by (path, size, modification time). */
  readonly #fileHashes = new Map<string, Promise<string>>();
  /** Devices whose sessions could not save an optimized graph here: not tried again. */
  readonly #unsavable = new Set<Device>();
  readonly #worker: SessionWorker | undefined;
  /** Keys of the sessions that live in the worker: forgotten if it dies. */
  readonly #workerKeys = new Set<string>();

  constructor(options: SessionCacheOptions = {}) {
    this.#queue = options.queue ?? deviceRunQueue;
    this.#optimizedDir = options.optimizedModelDir === false ? undefined : (options.optimizedModelDir ?? defaultOptimizedModelDir());
    this.#worker = options.offThread ? new SessionWorker(() => this.#forgetWorkerSessions()) : undefined;
  }

  /** Whether cpu sessions run in a worker thread (see `SessionCacheOptions.offThread`). */
  get offThread(): boolean {
    return this.#worker !== undefined;
  }

  /** How many sessions were created from an optimized file already on disk. */
  get optimizedHits(): number {
    return this.#optimizedHits;
  }

  async get(source: ModelSource, request: SessionRequest): Promise<OnnxSession> {
    // Throws DeviceUnavailableError, naming the device and how to enable it, before any load.
    if (request.device !== 'cpu') await chooseDevice(request.device);
    const outputsOnDevice = Boolean(request.outputsOnDevice && supportsDeviceOutputs(request.device));
    const key = `${await modelKey(source)}|${request.device}|${outputsOnDevice ? 'device' : 'cpu'}|${request.threads ?? 'all'}`;
    let pending = this.#sessions.get(key);
    if (!pending) {
      pending = this.#create(key, source, { ...request, outputsOnDevice });
      this.#sessions.set(key, pending);
      pending.catch(() => this.#sessions.delete(key));
    }
    return pending;
  }

  /** How many sessions are cached (or being created). */
  get size(): number {
    return this.#sessions.size;
  }

  /** Releases every cached session (their native memory, GPU buffers included) and stops the session worker. */
  async clear(): Promise<void> {
    const pending = [...this.#sessions.values()];
    this.#sessions.clear();
    this.#workerKeys.clear();
    for (const session of await Promise.allSettled(pending)) {
      if (session.status === 'fulfilled') await session.value.session.release();
    }
    await this.#worker?.terminate();
  }

  #forgetWorkerSessions(): void {
    for (const key of this.#workerKeys) this.#sessions.delete(key);
    this.#workerKeys.clear();
  }

  /** The content of a model source, as a hash (for the optimized-model cache). */
  async #contentHash(source: ModelSource): Promise<string> {
    if (isBuilt(source)) return source.id;
    if (typeof source !== 'string') return createHash('sha256').update(source).digest('hex');
    const id = await modelKey(source);
    let hash = this.#fileHashes.get(id);
    if (!hash) {
      hash = fileContentHash(source);
      this.#fileHashes.set(id, hash);
      hash.catch(() => this.#fileHashes.delete(id));
    }
    return hash;
  }

  async #create(key: string, source: ModelSource, request: SessionRequest): Promise<OnnxSession> {
    const options = sessionOptions(request);
    const load = async (): Promise<string | Uint8Array> => (isBuilt(source) ? source.build() : source);
    const worker = request.device === 'cpu' ? this.#worker : undefined;
    if (worker) this.#workerKeys.add(key);
    const createSession = worker
      ? (model: string | Uint8Array, opts: ort.InferenceSession.SessionOptions) => worker.create(model, opts)
      : async (model: string | Uint8Array, opts: ort.InferenceSession.SessionOptions) =>
          inProcessHandle(typeof model === 'string' ? await ort.InferenceSession.create(model, opts) : await ort.InferenceSession.create(model, opts));
    let session: SessionHandle;
    if (this.#optimizedDir && !this.#unsavable.has(request.device)) {
      const created = await createWithOptimizedCache(this.#optimizedDir, await this.#contentHash(source), load, options, createSession);
      session = created.session;
      if (created.hit) this.#optimizedHits++;
      if (!created.saved) this.#unsavable.add(request.device);
    } else {
      session = await createSession(await load(), options);
    }
    const wrapped = new OnnxSession(key, request.device, session, Boolean(request.outputsOnDevice), this.#queue);
    if (request.warmUp ?? true) await wrapped.warmUp(request.freeDimensions);
    return wrapped;
  }
}

/** The process-wide session cache. */
export const sessionCache = new SessionCache();

/**
 * Reads a float32 tensor's values on the CPU. A tensor in GPU memory is downloaded and its GPU
 * buffer released. Not with `tensor.getData()`: in onnxruntime-node 1.30 that aborts the whole
 * process for a 'gpu-buffer' tensor ("terminate called after throwing an instance of 'char
 * const*'"). It is fed instead to an Identity session whose output lives on the CPU, so
 * onnxruntime itself copies it back.
 */
export async function readTensor(tensor: ort.Tensor): Promise<Float32Array> {
  if (tensor.type !== 'float32') throw new Error(`readTensor: expected a float32 tensor, got ${tensor.type}`);
  if (tensor.location === 'cpu' || tensor.location === 'cpu-pinned') return tensor.data as Float32Array;
  if (tensor.location !== 'gpu-buffer') throw new Error(`readTensor: cannot read a tensor located in ${tensor.location}`);
  const session = await sessionCache.get(identityModel(tensor.dims.length), { device: 'webgpu', warmUp: false });
  const { y } = await session.run({ x: tensor });
  tensor.dispose();
  return y!.data as Float32Array;
}

const identityModels = new Map<number, Uint8Array>();
/** Identity over a float32 tensor of any shape of the given rank. */
function identityModel(rank: number): Uint8Array {
  let bytes = identityModels.get(rank);
  if (!bytes) {
    const g = new OnnxGraphBuilder({ graphName: 'exitgraph-download' });
    const dims = Array.from({ length: rank }, (_, i) => `d${i}`);
    g.input('x', 'float32', dims);
    g.node('Identity', ['x'], ['y']);
    g.output('y', 'float32', dims);
    bytes = g.toBytes();
    identityModels.set(rank, bytes);
  }
  return bytes;
}

/** The host's ONNX sessions: released when the host closes. */
export const ONNX_SESSIONS = defineService('exitgraph/onnx-sessions', () => new SessionCache(), (cache) => cache.clear());

/**
 * Makes a host's cpu sessions run in a worker thread (see `SessionCacheOptions.offThread`).
 * Returns false when the host already uses its sessions (they stay where they are).
 */
export function runSessionsOffThread(services: Pick<HostServices, 'has' | 'provide'>): boolean {
  if (services.has(ONNX_SESSIONS)) return false;
  services.provide(ONNX_SESSIONS, new SessionCache({ offThread: true }));
  return true;
}
