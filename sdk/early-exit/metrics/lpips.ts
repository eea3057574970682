/**
 * LPIPS v0.1 distance (alex, squeeze), run through onnxruntime on any device.
 *
 *   const lpips = await loadLpips({ net: 'alex', device: 'cpu' });
 *   const d = await lpips.distance([a1, a2], [b1, b2]);   // number[] (one per pair)
 *
 * The network is built at load time from the weights folder (see weights.ts, lpips-graph.ts) and
 * cached in memory per weights; optionally also as a .onnx file under the OS temp dir (never in
 * the weights folder, which may be read-only). Sessions come from the SDK's session cache and
 * run through its per-device queue.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Image } from '../../kernel/image/image.js';
import { chooseDevice, type Device, type DeviceRequest } from '../onnx/devices.js';
import { readTensor, sessionCache, type OnnxSession, type SessionCache } from '../onnx/sessions.js';
import { imagesToLpipsTensor } from './image-tensor.js';
import { buildLpipsModel, LPIPS_MIN_SIZE, LPIPS_OPSET } from './lpips-graph.js';
import { lpipsWeightFiles, readLpipsWeights, resolveLpipsWeightsDir, type LpipsNet } from './weights.js';

/** Bumped whenever the built graph changes, so file-cached models are rebuilt. */
const GRAPH_VERSION = 1;

export interface LpipsOptions {
  /** Backbone: 'alex' (default, the `lpips` package default) or 'squeeze'. */
  readonly net?: LpipsNet;
  /** 'cpu' (default), 'webgpu', 'cuda' or 'auto'. An unavailable explicit device is an error. */
  readonly device?: DeviceRequest;
  /** Weights folder; else $EXITGRAPH_WEIGHTS, else the shipped models/lpips. */
  readonly weightsDir?: string;
  /**
   * Also keep the built model as a file: `true` for `<os tmpdir>/exitgraph/lpips`, or a folder.
   * Default false (building takes well under a second; the in-memory cache always applies).
   */
  readonly fileCache?: boolean | string;
  /** Most pairs per onnxruntime run; larger requests are split. Default 16. */
  readonly maxBatch?: number;
  /** Where the LPIPS session lives: a host's sessions (e.g. the server's, in a worker thread). Default: the process-wide cache. */
  readonly sessions?: SessionCache;
}

/** NCHW float32 batch in [-1, 1], the tensor-level input. */
export interface LpipsTensor {
  readonly data: Float32Array;
  /** [N, 3, H, W] */
  readonly dims: readonly [number, number, number, number];
}

export interface Lpips {
  readonly net: LpipsNet;
  /** The device the session runs on (resolved from `auto`). */
  readonly device: Device;
  readonly weightsDir: string;
  /** sha256 of the weight files: changes when the weights do (use in cache keys). */
  readonly weightsSha256: string;
  /**
   * Distance per pair. `a` and `b` are images (or equal-length lists) in [0, 1]; each pair must
   * have one size (at least 32x32); pairs of different sizes may be mixed.
   */
  distance(a: Image | readonly Image[], b: Image | readonly Image[]): Promise<number[]>;
  /** Distance per pair for NCHW float32 batches in [-1, 1] of equal dims. */
  distanceTensor(a: LpipsTensor, b: LpipsTensor): Promise<Float32Array>;
}

/** The serialized LPIPS model, per weights identity (net + sha256 of its files). */
const modelBytes = new Map<string, Promise<{ bytes: Uint8Array; sha256: string }>>();

async function hashWeightFiles(dir: string, net: LpipsNet): Promise<string> {
  const files = lpipsWeightFiles(dir, net);
  const [manifest, blob] = await Promise.all([readFile(files.manifest, 'utf8'), readFile(files.blob)]);
  return createHash('sha256').update(manifest).update(blob).digest('hex');
}

function fileCacheDir(option: boolean | string | undefined): string | undefined {
  if (!option) return undefined;
  return option === true ? join(tmpdir(), 'exitgraph', 'lpips') : option;
}

/**
 * The LPIPS ONNX model for `net` built from the weights in `dir` (memoised in memory; with
 * `cacheDir`, also read from / written to `<cacheDir>/lpips-<net>-<sha>.onnx`).
 */
export async function lpipsModelBytes(net: LpipsNet, dir: string, cacheDir?: string): Promise<{ bytes: Uint8Array; sha256: string }> {
  const key = `${net}|${dir}|${cacheDir ?? ''}`;
  let pending = modelBytes.get(key);
  if (!pending) {
    pending = (async () => {
      if (cacheDir) {
        const sha256 = await hashWeightFiles(dir, net);
        const file = join(cacheDir, `lpips-${net}-${sha256.slice(0, 16)}-g${GRAPH_VERSION}-op${LPIPS_OPSET}.onnx`);
        const cached = await readFile(file).catch(() => undefined);
        if (cached) return { bytes: new Uint8Array(cached.buffer, cached.byteOffset, cached.byteLength), sha256 };
        const weights = await readLpipsWeights(net, dir);
        const bytes = buildLpipsModel(weights);
        // Write then rename: concurrent processes never read a half-written model.
        await mkdir(cacheDir, { recursive: true });
        const partial = `${file}.${process.pid}.partial`;
        await writeFile(partial, bytes);
        await rename(partial, file);
        return { bytes, sha256: weights.sha256 };
      }
      const weights = await readLpipsWeights(net, dir);
      return { bytes: buildLpipsModel(weights), sha256: weights.sha256 };
    })();
    modelBytes.set(key, pending);
    pending.catch(() => modelBytes.delete(key));
  }
  return pending;
}

function checkSize(width: number, height: number, where: string): void {
  if (width < LPIPS_MIN_SIZE || height < LPIPS_MIN_SIZE) {
    throw new Error(`lpips: ${where} is ${width}x${height}; LPIPS needs images of at least ${LPIPS_MIN_SIZE}x${LPIPS_MIN_SIZE}`);
  }
}

class LpipsModel implements Lpips {
  constructor(
    readonly net: LpipsNet,
    readonly device: Device,
    readonly weightsDir: string,
    readonly weightsSha256: string,
    private readonly session: OnnxSession,
    private readonly maxBatch: number,
  ) {}

  async distanceTensor(a: LpipsTensor, b: LpipsTensor): Promise<Float32Array> {
    const [n, c, h, w] = a.dims;
    if (a.dims.length !== 4 || b.dims.length !== 4 || a.dims.some((d, i) => d !== b.dims[i])) {
      throw new Error(`lpips: a and b must have the same [N, 3, H, W] dims, got [${a.dims}] and [${b.dims}]`);
    }
    if (c !== 3) throw new Error(`lpips: tensors must have 3 channels (NCHW RGB), got dims [${a.dims}]`);
    checkSize(w, h, `tensor [${a.dims}]`);
    const per = 3 * h * w;
    for (const [name, t] of [['a', a], ['b', b]] as const) {
      if (t.data.length !== n * per) throw new Error(`lpips: ${name} has ${t.data.length} values, dims [${t.dims}] need ${n * per}`);
    }
    const out = new Float32Array(n);
    for (let start = 0; start < n; start += this.maxBatch) {
      const count = Math.min(this.maxBatch, n - start);
      const dims = [count, 3, h, w];
      const slice = (t: LpipsTensor) => t.data.subarray(start * per, (start + count) * per);
      const result = await this.session.run({ a: new ort.Tensor('float32', slice(a), dims), b: new ort.Tensor('float32', slice(b), dims) });
      const distance = result.distance;
      if (!distance) throw new Error('lpips: the model returned no "distance" output');
      out.set(await readTensor(distance), start);
      distance.dispose();
    }
    return out;
  }

  async distance(a: Image | readonly Image[], b: Image | readonly Image[]): Promise<number[]> {
    const as = Array.isArray(a) ? (a as readonly Image[]) : [a as Image];
    const bs = Array.isArray(b) ? (b as readonly Image[]) : [b as Image];
    if (as.length !== bs.length) throw new Error(`lpips: ${as.length} image(s) in a but ${bs.length} in b; give one b per a`);
    // Group pairs by size: each group is one batch (or a few, by maxBatch).
    const groups = new Map<string, number[]>();
    as.forEach((ia, i) => {
      const ib = bs[i]!;
      if (ia.width !== ib.width || ia.height !== ib.height) {
        throw new Error(`lpips: pair ${i} differs in size: a is ${ia.width}x${ia.height}, b is ${ib.width}x${ib.height}`);
      }
      checkSize(ia.width, ia.height, `pair ${i}`);
      const key = `${ia.width}x${ia.height}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    const result = new Array<number>(as.length);
    for (const indices of groups.values()) {
      const { width: w, height: h } = as[indices[0]!]!;
      const dims = [indices.length, 3, h, w] as const;
      const ta = imagesToLpipsTensor(indices.map((i) => as[i]!));
      const tb = imagesToLpipsTensor(indices.map((i) => bs[i]!));
      const d = await this.distanceTensor({ data: ta, dims }, { data: tb, dims });
      indices.forEach((i, k) => (result[i] = d[k]!));
    }
    return result;
  }
}

/**
 * Builds (or reuses) the LPIPS network and its onnxruntime session. Throws, naming every place
 * it looked, when the weights folder is missing; throws DeviceUnavailableError for a device that
 * is not available here.
 */
export async function loadLpips(options: LpipsOptions = {}): Promise<Lpips> {
  const net = options.net ?? 'alex';
  if (net !== 'alex' && net !== 'squeeze') throw new Error(`unknown LPIPS net "${net as string}", expected alex or squeeze`);
  const maxBatch = options.maxBatch ?? 16;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`lpips: maxBatch must be a positive integer, got ${maxBatch}`);
  const dir = resolveLpipsWeightsDir(options.weightsDir);
  const requested = options.device ?? 'cpu';
  // cpu needs no probe (probing would initialise every GPU provider just to pick the cpu).
  const device = requested === 'cpu' ? 'cpu' : (await chooseDevice(requested)).device;
  const { bytes, sha256 } = await lpipsModelBytes(net, dir, fileCacheDir(options.fileCache));
  // No warm-up by the cache: its warm-up feeds 1 for symbolic dims (H = W = 1 is too small for
  // LPIPS), and its freeDimensions would also pin N, H and W. We warm up at 64x64 instead.
  const session = await (options.sessions ?? sessionCache).get(bytes, { device, warmUp: false });
  const model = new LpipsModel(net, device, dir, sha256, session, maxBatch);
  await warmUpOnce(model, session);
  return model;
}

const warmed = new WeakSet<OnnxSession>();
async function warmUpOnce(model: LpipsModel, session: OnnxSession): Promise<void> {
  if (warmed.has(session)) return;
  warmed.add(session);
  const dims = [1, 3, 64, 64] as const;
  const zeros = new Float32Array(3 * 64 * 64);
  await model.distanceTensor({ data: zeros, dims }, { data: zeros, dims });
}

const sharedByCache = new WeakMap<SessionCache, Map<string, Promise<Lpips>>>();

/** A process-wide LPIPS per (net, device, weights folder): what nodes and commands use. */
export function sharedLpips(options: LpipsOptions = {}): Promise<Lpips> {
  const net = options.net ?? 'alex';
  const key = `${net}|${options.device ?? 'cpu'}|${options.weightsDir ?? ''}|${process.env.EXITGRAPH_WEIGHTS ?? ''}`;
  const cache = options.sessions ?? sessionCache;
  let shared = sharedByCache.get(cache);
  if (!shared) sharedByCache.set(cache, (shared = new Map()));
  let pending = shared.get(key);
  if (!pending) {
    pending = loadLpips({ ...options, net });
    shared.set(key, pending);
    pending.catch(() => shared.delete(key));
  }
  return pending;
}
