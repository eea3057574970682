/**
 * The client side of a session worker (session-worker.ts): sessions created and run in a worker
 * thread, so the calling thread stays free while a model runs. The server uses it: a model run
 * inside onnxruntime-node is synchronous, and on the server's thread it would hold every request
 * (and an interrupt) until it ends.
 *
 * Costs: a copy of the feeds into the worker (outputs come back by transfer, without a copy) and
 * one message round trip per run, well under a millisecond for a pack's tensors. CPU only: GPU
 * tensors cannot cross threads.
 *
 * If the worker dies (a native crash), its pending runs fail with the reason, its sessions are
 * gone and `onExit` tells the owner to forget them; the next session starts a new worker.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import type { Feeds, Fetched, InputMetadata, SessionHandle } from './session-handle.js';
import { FeedBuffers, feedsToWire, fetchedFromWire, type WorkerReply, type WorkerRequest } from './session-wire.js';

type Pending = { resolve: (reply: WorkerReply & { ok: true }) => void; reject: (error: Error) => void };
type RequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

/**
 * The compiled worker entry. Next to this module in the build (in the CLI bundle, dist/cli/,
 * the worker is an entry beside the chunks); when this module runs from the TypeScript sources
 * (the tests), the build's copy under dist/.
 */
export function sessionWorkerEntry(): URL {
  const sibling = new URL('./session-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const built = new URL('../../../dist/sdk/early-exit/onnx/session-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(`the session worker entry is missing (looked for ${fileURLToPath(sibling)} and ${fileURLToPath(built)}); run \`npm run build\``);
}

export class SessionWorker {
  #worker: Worker | undefined;
  #exitReason: string | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  /** @internal Feed buffers back from the worker, filled again by the next runs. */
  readonly feedBuffers = new FeedBuffers();

  /** `onExit` runs when the worker stops on its own (not on `terminate`). */
  constructor(private readonly onExit: (reason: string) => void = () => undefined) {}

  /** Whether the worker is running (it starts with the first session). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  async create(model: string | Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<SessionHandle> {
    // Bytes are copied so the caller's model buffer (often cached) stays usable.
    const bytes = typeof model === 'string' ? model : model.slice();
    const reply = await this.#request({ op: 'create', model: bytes, options }, typeof bytes === 'string' ? [] : [bytes.buffer as ArrayBuffer]);
    const session = reply.session!;
    const worker = this.#worker;
    return {
      inputNames: reply.inputNames ?? [],
      outputNames: reply.outputNames ?? [],
      inputMetadata: (reply.inputMetadata ?? []) as readonly InputMetadata[],
      run: async (feeds: Feeds, fetches?: readonly string[]): Promise<Fetched> => {
        if (this.#worker !== worker) throw new Error(`this ONNX session's worker is gone (${this.#exitReason ?? 'terminated'}); get the session again`);
        const { wire, transfer } = feedsToWire(feeds, this.feedBuffers);
        const result = await this.#request({ op: 'run', session, feeds: wire, ...(fetches ? { fetches } : {}) }, transfer);
        if (result.feedBuffers) this.feedBuffers.give(result.feedBuffers);
        return fetchedFromWire(result.outputs ?? {});
      },
      release: async () => {
        if (this.#worker === worker) await this.#request({ op: 'release', session }, []);
      },
    };
  }

  /** Stops the worker; its sessions are released with it. */
  async terminate(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (!worker) return;
    this.#failAll('the session worker was terminated');
    await worker.terminate();
  }

  #start(): Worker {
    const worker = new Worker(sessionWorkerEntry());
    worker.on('message', (reply: WorkerReply) => {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      this.#idle();
      if (reply.ok) pending.resolve(reply);
      else pending.reject(new Error(reply.message));
    });
    const stopped = (reason: string) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#exitReason = reason;
      this.#failAll(`the ONNX session worker stopped: ${reason}`);
      this.onExit(reason);
    };
    worker.on('error', (error) => stopped(error.message));
    worker.on('exit', (code) => stopped(`exit code ${code}`));
    this.#worker = worker;
    worker.unref();
    return worker;
  }

  #request(body: RequestBody, transfer: ArrayBuffer[]): Promise<WorkerReply & { ok: true }> {
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // Keep the process alive while a request is out; an idle worker must not.
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage({ ...body, id } as WorkerRequest, transfer);
    });
  }

  #idle(): void {
    if (this.#pending.size === 0) this.#worker?.unref();
  }

  #failAll(message: string): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(new Error(message));
  }
}
