/**
 * Format 2's input-only stages (e.g. the source portrait's appearance encoding), run before
 * segment 0. A stage marked `cache: per_input` is computed once per distinct content of the
 * tensors it reads (SHA-256 of their bytes) and reused across runs of the same runner, so a
 * sequence of driving frames with one source pays for the source's encoding once. The cache is an
 * LRU of a few entries: enough for a handful of sources in turn, bounded whatever the stream.
 */
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { readTensor, type OnnxSession } from '../onnx/sessions.js';
import type { StageSpec } from './manifest.js';
import type { PackStep } from './pack-plan.js';

/** Default number of stage results a runner keeps. */
export const STAGE_CACHE_SIZE = 4;

/** What running (or fetching) the stages of one run gave. */
export interface StageOutputs {
  /** Every stage output by tensor name (cpu tensors, owned by the cache: never dispose them). */
  readonly tensors: Readonly<Record<string, ort.Tensor>>;
  /** Stages actually run (not served from the cache), with their MACs and time. */
  readonly ran: readonly { readonly step: string; readonly file: string; readonly macs: number; readonly ms: number }[];
  /** MACs of the stages run now (0 when every stage came from the cache). */
  readonly macs: number;
  /** Stages served from the cache. */
  readonly cached: readonly string[];
}

/** How the cache runs one stage session: in the runner's turn, stopping when the run's signal fired. */
export interface StageHost {
  session(stepId: string): Promise<OnnxSession>;
  inTurn<T>(signal: AbortSignal | undefined, job: () => Promise<T>): Promise<T>;
  readonly macsOf: (stepId: string) => number;
}

export class StageCache {
  /** Stage outputs by `stage id | content hash of its inputs`; Map order is recency (oldest first). */
  readonly #entries = new Map<string, Readonly<Record<string, ort.Tensor>>>();
  /** Content hash per tensor object: the same source image reaches the runner as the same tensor. */
  readonly #hashes = new WeakMap<ort.Tensor, string>();
  hits = 0;
  misses = 0;

  constructor(readonly capacity = STAGE_CACHE_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new Error(`stage cache size must be a non-negative integer, got ${capacity}`);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Runs (or fetches) every stage in order; each reads pack inputs and earlier stages' outputs. */
  async run(host: StageHost, stages: readonly PackStep[], specs: readonly StageSpec[], inputs: Readonly<Record<string, ort.Tensor>>, signal?: AbortSignal): Promise<StageOutputs> {
    const pool: Record<string, ort.Tensor> = { ...inputs };
    const tensors: Record<string, ort.Tensor> = {};
    const ran: StageOutputs['ran'][number][] = [];
    const cached: string[] = [];
    for (const [i, step] of stages.entries()) {
      const feeds = Object.fromEntries(step.inputs.map((name) => [name, pool[name]!]));
      const cacheable = specs[i]?.cache === 'per_input' && this.capacity > 0;
      const key = cacheable ? await this.#key(step, feeds) : undefined;
      let outputs = key ? this.#take(key) : undefined;
      if (outputs) {
        cached.push(step.id);
        this.hits++;
      } else {
        const session = await host.session(step.id);
        const { fetched, ms } = await host.inTurn(signal, async () => {
          const start = performance.now();
          const result = await session.run(feeds, step.outputs);
          return { fetched: result, ms: performance.now() - start };
        });
        outputs = await onCpu(fetched, step.outputs);
        ran.push({ step: step.id, file: step.file, macs: host.macsOf(step.id), ms });
        if (key) {
          this.misses++;
          this.#put(key, outputs);
        }
      }
      Object.assign(pool, outputs);
      Object.assign(tensors, outputs);
    }
    return { tensors, ran, macs: ran.reduce((sum, r) => sum + r.macs, 0), cached };
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries.clear();
  }

  async #key(step: PackStep, feeds: Readonly<Record<string, ort.Tensor>>): Promise<string> {
    const parts = [step.id];
    for (const name of step.inputs) parts.push(`${name}=${await this.#hash(feeds[name]!)}`);
    return parts.join('|');
  }

  async #hash(tensor: ort.Tensor): Promise<string> {
    const known = this.#hashes.get(tensor);
    if (known) return known;
    const data = (await readTensor(tensor)) as ArrayBufferView;
    const hash = createHash('sha256')
      .update(`${tensor.type}[${tensor.dims.join(',')}]`)
      .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      .digest('base64url');
    this.#hashes.set(tensor, hash);
    return hash;
  }

  #take(key: string): Readonly<Record<string, ort.Tensor>> | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    // Most recently used last.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  #put(key: string, outputs: Readonly<Record<string, ort.Tensor>>): void {
    this.#entries.set(key, outputs);
    while (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
  }
}

/** Stage outputs as cpu tensors (a cached tensor must outlive every run, so none stays in GPU memory). */
async function onCpu(fetched: Readonly<Record<string, ort.Tensor>>, names: readonly string[]): Promise<Record<string, ort.Tensor>> {
  const out: Record<string, ort.Tensor> = {};
  for (const name of names) {
    const tensor = fetched[name]!;
    out[name] = tensor.location === 'cpu' ? tensor : new ort.Tensor('float32', await readTensor(tensor), tensor.dims);
  }
  return out;
}
