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
  /** Work that must not overlap a prompt (freeing models): runs before the next prompt. */
  readonly #between: (() => Promise<void>)[] = [];
  #working = false;
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
    this.#wake();
  }

  /** Runs `job` once no prompt is running (now when idle, else right after the current prompt). */
  between(job: () => Promise<void>): Promise<void> {
    return new Promise<void>((done, fail) => {
      this.#between.push(() => job().then(done, fail));
      this.#wake();
    });
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

  /**
   * Removes pending prompts by id; returns the removed ones (exactly those asked for that were
   * waiting). A running prompt is left to `interrupt`, as in ComfyUI: nothing is cancelled here.
   */
  remove(ids: readonly string[]): { removed: T[]; cancelled: string[] } {
    const removed: T[] = [];
    for (const id of new Set(ids)) {
      const at = this.#pending.findIndex((e) => e.id === id);
      if (at >= 0) removed.push(...this.#pending.splice(at, 1));
    }
    if (removed.length) this.onChange();
    return { removed, cancelled: [] };
  }

  /** Removes every pending prompt; returns them. */
  clear(): T[] {
    const removed = this.#pending.splice(0);
    if (removed.length) this.onChange();
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

  #wake(): void {
    if (this.#working) return;
    this.#working = true;
    this.#drained = this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      await this.#work();
    } finally {
      // Cleared in the same step that found nothing left, so an `add` right after wakes a new drain.
      this.#working = false;
    }
  }

  async #work(): Promise<void> {
    while ((this.#pending.length && !this.#closed) || this.#between.length) {
      const job = this.#between.shift();
      if (job) {
        await job();
        continue;
      }
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
