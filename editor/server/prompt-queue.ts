/** What the queue needs of an entry. */
export interface QueueEntry {
  readonly id: string;
  readonly number: number;
}

export type PromptExecutor<T extends QueueEntry> = (entry: T, signal: AbortSignal) => Promise<void>;

/**
 * Prompts waiting to run, in `number` order, and the one worker that runs them one at a time.
 * The executor must not throw; if it does anyway, the error is logged and the next prompt runs.
 */
export class PromptQueue<T extends QueueEntry> {
  readonly #pending: T[] = [];
  #running: { entry: T; stop: AbortController } | undefined;
  #counter = 0;
  #drained: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly execute: PromptExecutor<T>,
    private readonly onChange: () => void,
    private readonly log: (message: string) => void,
  ) {}

  /** The next queue number (`front` puts the prompt ahead of everything pending). */
  nextNumber(front = false): number {
    this.#counter += 1;
    return front ? -this.#counter : this.#counter;
  }

  add(entry: T): void {
    if (this.#closed) throw new Error('the server is shutting down');
    const at = this.#pending.findIndex((e) => e.number > entry.number);
    this.#pending.splice(at < 0 ? this.#pending.length : at, 0, entry);
    this.onChange();
    if (!this.#running) this.#drained = this.#drain();
  }

  get running(): T | undefined {
    return this.#running?.entry;
  }

  get pending(): readonly T[] {
    return this.#pending;
  }

  /** Pending plus running. */
  get remaining(): number {
    return this.#pending.length + (this.#running ? 1 : 0);
  }

  /** Removes pending prompts by id; returns how many were removed. */
  remove(ids: readonly string[]): number {
    let removed = 0;
    for (const id of ids) {
      const at = this.#pending.findIndex((e) => e.id === id);
      if (at >= 0) {
        this.#pending.splice(at, 1);
        removed += 1;
      }
    }
    if (removed) this.onChange();
    return removed;
  }

  clear(): number {
    const removed = this.#pending.splice(0).length;
    if (removed) this.onChange();
    return removed;
  }

  /** Cancels the running prompt (only if it is `id`, when given). Returns whether one was cancelled. */
  interrupt(id?: string): boolean {
    const running = this.#running;
    if (!running || (id !== undefined && running.entry.id !== id)) return false;
    running.stop.abort(new Error('interrupted'));
    return true;
  }

  /** Stops taking prompts, drops the pending ones, cancels the running one and waits for it. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#pending.splice(0);
    this.interrupt();
    await this.#drained;
  }

  async #drain(): Promise<void> {
    while (this.#pending.length && !this.#closed) {
      const entry = this.#pending.shift()!;
      const stop = new AbortController();
      this.#running = { entry, stop };
      this.onChange();
      try {
        await this.execute(entry, stop.signal);
      } catch (error) {
        this.log(`prompt ${entry.id} failed outside the engine: ${(error as Error)?.stack ?? String(error)}`);
      }
      this.#running = undefined;
      this.onChange();
    }
  }
}
