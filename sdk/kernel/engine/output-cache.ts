/** What a run of a node left: its outputs and the ui payload it reported (replayed on a hit). */
export interface CachedNode {
  readonly outputs: Record<string, unknown>;
  readonly ui?: Record<string, unknown>;
}

/**
 * Node outputs kept across runs in one process, keyed by content (see `cache-key.ts`). Bounded by
 * entry count, least recently used out first.
 */
export class OutputCache {
  readonly #entries = new Map<string, CachedNode>();
  hits = 0;
  misses = 0;

  constructor(readonly maxEntries = 256) {}

  get(key: string): CachedNode | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) {
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  set(key: string, outputs: Record<string, unknown>, ui?: Record<string, unknown>): void {
    this.#entries.delete(key);
    this.#entries.set(key, ui ? { outputs, ui } : { outputs });
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
