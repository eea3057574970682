import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { parseApiPrompt, validateGraph, type Host, type ValidGraph } from '../../../sdk/index.js';
import { HttpError } from '../http-error.js';
import type { QueuedPrompt } from '../prompt-runner.js';
import type { ServerQueue } from '../prompt-surfaces.js';
import { CANCEL_CHANNEL, CANCELLED_PREFIX, jobIdOf, NUMBER_KEY } from './keys.js';
import type { PromptJobData, WorkerInfo } from './relay-events.js';
import { nodeTypesOf, noCapableWorker } from './worker-registry.js';

export interface RedisQueueDeps {
  readonly queue: Queue<PromptJobData>;
  readonly redis: Redis;
  readonly host: Host;
  /** The Redis URL as shown in messages. */
  readonly shown: string;
  readonly isConnected: () => boolean;
  readonly workers: () => readonly WorkerInfo[];
  readonly onChange: () => void;
  readonly log: (message: string) => void;
  /** Closes the connections the queue's owner opened for it. */
  readonly release: () => Promise<void>;
}

/** A cancel reaches the worker at once (pub/sub) or, if none runs it yet, when one picks it up. */
const CANCEL_TTL_S = 600;

/**
 * The prompt queue of a scaled-out server: a BullMQ queue in Redis, run by workers. It keeps a
 * local mirror of the pending and running prompts, so the routes read it synchronously; the
 * mirror follows the queue's events (`track`) and is rebuilt from Redis by `load`.
 */
export class RedisPromptQueue implements ServerQueue<QueuedPrompt> {
  #pending: QueuedPrompt[] = [];
  readonly #running = new Map<string, QueuedPrompt>();
  #counter = 0;
  #closed = false;

  constructor(private readonly deps: RedisQueueDeps) {}

  nextNumber(front = false): number {
    this.#counter += 1;
    this.deps.redis.set(NUMBER_KEY, String(this.#counter)).catch(() => {});
    return front ? -this.#counter : this.#counter;
  }

  add(entry: QueuedPrompt): void {
    if (this.#closed) throw new Error('the server is shutting down');
    if (!this.deps.isConnected()) throw new HttpError(503, `the prompt queue at ${this.deps.shown} is unreachable; the prompt was not queued (try again when it is back)`, 'queue_unavailable');
    const nodeTypes = nodeTypesOf(entry.prompt);
    const workers = this.deps.workers();
    // With no live worker the prompt waits for one; with some, one of them must have its nodes.
    const refusal = workers.length ? noCapableWorker(workers, nodeTypes, this.deps.host) : undefined;
    if (refusal) throw new HttpError(400, refusal, 'no_capable_worker');
    this.#insert(entry);
    const data: PromptJobData = { id: entry.id, number: entry.number, prompt: entry.prompt, extraData: entry.extraData, outputs: entry.outputs, ...(entry.clientId ? { clientId: entry.clientId } : {}), nodeTypes };
    this.deps.queue
      .add('prompt', data, { jobId: jobIdOf(entry.id), lifo: entry.number < 0, removeOnComplete: true, removeOnFail: true })
      .catch((error: Error) => {
        this.deps.log(`prompt ${entry.id} could not be queued in Redis: ${error.message}`);
        this.forget(entry.id);
      });
    this.deps.onChange();
  }

  get running(): QueuedPrompt | undefined {
    return this.#running.values().next().value;
  }

  /** Every running prompt (one per busy worker slot). */
  get runningAll(): QueuedPrompt[] {
    return [...this.#running.values()];
  }

  get pending(): readonly QueuedPrompt[] {
    return this.#pending;
  }

  get remaining(): number {
    return this.#pending.length + this.#running.size;
  }

  /** Removes pending prompts; a prompt already running is cancelled on its worker instead. */
  remove(ids: readonly string[]): { removed: QueuedPrompt[]; cancelled: string[] } {
    const removed: QueuedPrompt[] = [];
    const cancelled: string[] = [];
    for (const id of ids) {
      const at = this.#pending.findIndex((e) => e.id === id);
      if (at >= 0) {
        removed.push(...this.#pending.splice(at, 1));
        // A worker may have taken it meanwhile (then the job is locked and stays): cancel it there.
        this.deps.queue
          .remove(jobIdOf(id))
          .then((gone) => (gone ? undefined : this.#cancel(id)))
          .catch(() => this.#cancel(id));
      } else if (this.#running.has(id)) {
        // Its worker records it as interrupted.
        this.#cancel(id);
        cancelled.push(id);
      }
    }
    if (removed.length || cancelled.length) this.deps.onChange();
    return { removed, cancelled };
  }

  clear(): QueuedPrompt[] {
    const cleared = this.#pending;
    this.#pending = [];
    for (const entry of cleared) this.deps.queue.remove(jobIdOf(entry.id)).catch(() => {});
    if (cleared.length) this.deps.onChange();
    return cleared;
  }

  /** Prompts run on the workers, never on this server's host: its models are free now. */
  between(job: () => Promise<void>): Promise<void> {
    return job();
  }

  interrupt(id?: string): boolean {
    const targets = id === undefined ? [...this.#running.keys()] : this.#running.has(id) ? [id] : [];
    for (const target of targets) this.#cancel(target);
    return targets.length > 0;
  }

  async close(): Promise<void> {
    // The queue lives on in Redis: closing the server keeps pending prompts for the next start.
    this.#closed = true;
    await this.deps.release();
  }

  /** The queue says a worker took the prompt. */
  started(id: string, data?: PromptJobData): void {
    const at = this.#pending.findIndex((e) => e.id === id);
    const entry = at >= 0 ? this.#pending.splice(at, 1)[0] : data ? this.#entryOf(data) : undefined;
    if (entry && !this.#running.has(id)) this.#running.set(id, entry);
    this.deps.onChange();
  }

  /** A prompt another process queued (`exitgraph batch --queue`). */
  queued(data: PromptJobData): void {
    if (this.#running.has(data.id) || this.#pending.some((e) => e.id === data.id)) return;
    this.#insert(this.#entryOf(data));
    this.#counter = Math.max(this.#counter, Math.abs(data.number));
    this.deps.onChange();
  }

  /** The prompt ended (or was removed); returns its entry when the mirror had it. */
  forget(id: string): QueuedPrompt | undefined {
    const entry = this.#running.get(id) ?? this.#pending.find((e) => e.id === id);
    this.#running.delete(id);
    this.#pending = this.#pending.filter((e) => e.id !== id);
    if (entry) this.deps.onChange();
    return entry;
  }

  /** Rebuilds the mirror from Redis (at start, and when Redis is back after an outage). */
  async load(highestKnownNumber: number): Promise<void> {
    const [waiting, active, stored] = await Promise.all([
      this.deps.queue.getJobs(['waiting', 'prioritized', 'delayed']),
      this.deps.queue.getJobs(['active']),
      this.deps.redis.get(NUMBER_KEY),
    ]);
    this.#pending = [];
    this.#running.clear();
    for (const job of waiting) if (job?.data) this.#insert(this.#entryOf(job.data));
    for (const job of active) if (job?.data) this.#running.set(job.data.id, this.#entryOf(job.data));
    const numbers = [...this.#pending, ...this.#running.values()].map((e) => Math.abs(e.number));
    this.#counter = Math.max(this.#counter, highestKnownNumber, Number(stored) || 0, ...numbers);
    this.deps.onChange();
  }

  #insert(entry: QueuedPrompt): void {
    const at = this.#pending.findIndex((e) => e.number > entry.number);
    this.#pending.splice(at < 0 ? this.#pending.length : at, 0, entry);
  }

  #cancel(id: string): void {
    this.deps.redis
      .multi()
      .set(`${CANCELLED_PREFIX}${id}`, '1', 'EX', CANCEL_TTL_S)
      .publish(CANCEL_CHANNEL, id)
      .exec()
      .catch((error: Error) => this.deps.log(`could not cancel prompt ${id}: ${error.message}`));
  }

  /** A mirror entry for a job read back from Redis: the graph is validated again against this host. */
  #entryOf(data: PromptJobData): QueuedPrompt {
    const workflow = (data.extraData.extra_pnginfo as { workflow?: unknown } | undefined)?.workflow;
    const parsed = parseApiPrompt(data.prompt, workflow);
    const graph = validateGraph(parsed.graph, this.deps.host.registry, { requireOutputs: true }).graph ?? (parsed.graph as unknown as ValidGraph);
    return { id: data.id, number: data.number, prompt: data.prompt, extraData: data.extraData, outputs: data.outputs, ...(data.clientId ? { clientId: data.clientId } : {}), graph };
  }
}
