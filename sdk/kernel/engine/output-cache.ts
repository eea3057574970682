/** What a run of a node left: its outputs and the ui payload it reported (replayed on a hit). */
export interface CachedNode {
  readonly outputs: Record<string, unknown>;
  readonly ui?: Record<string, unknown>;
}

export interface OutputCacheOptions {
  /** Most entries kept. Default 256. */
  readonly maxEntries?: number;
  /** Most bytes kept (by `approximateBytes` of each entry). Default 512 MiB. */
  readonly maxBytes?: number;
}

export const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;

/**
 * Node outputs kept across runs in one process, keyed by content (see `cache-key.ts`). Bounded by
 * entry count and by bytes, least recently used out first; an entry larger than the whole budget
 * is not kept. Evicting never takes anything from a running prompt: a run holds its own
 * reference to every output it produced or got from here until it ends, so the cache only
 * decides what later runs can reuse.
 */
export class OutputCache {
  readonly #entries = new Map<string, { node: CachedNode; bytes: number }>();
  readonly maxEntries: number;
  readonly maxBytes: number;
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(options: OutputCacheOptions | number = {}) {
    const resolved = typeof options === 'number' ? { maxEntries: options } : options;
    this.maxEntries = resolved.maxEntries ?? 256;
    this.maxBytes = resolved.maxBytes ?? DEFAULT_CACHE_BYTES;
  }

  get(key: string): CachedNode | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.node;
  }

  set(key: string, outputs: Record<string, unknown>, ui?: Record<string, unknown>): void {
    this.#remove(key);
    const node: CachedNode = ui ? { outputs, ui } : { outputs };
    const bytes = approximateBytes(node);
    if (bytes > this.maxBytes) return;
    this.#entries.set(key, { node, bytes });
    this.#bytes += bytes;
    while (this.#entries.size > this.maxEntries || this.#bytes > this.maxBytes) this.#remove(this.#entries.keys().next().value!);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Bytes held, as `approximateBytes` counts them. */
  get bytes(): number {
    return this.#bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}

/** Items walked before an estimate stops counting (the buffers of images dominate anyway). */
const WALK_LIMIT = 100_000;
const OBJECT_OVERHEAD = 64;

/**
 * About how many bytes a value holds: typed arrays and buffers by their length, strings at two
 * bytes a character, plus a fixed overhead per object. Walked with an explicit stack, each
 * object once, at most `WALK_LIMIT` items.
 */
export function approximateBytes(value: unknown): number {
  let bytes = 0;
  let walked = 0;
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length && walked++ < WALK_LIMIT) {
    const item = stack.pop();
    if (typeof item === 'string') bytes += 2 * item.length;
    else if (typeof item === 'number' || typeof item === 'bigint') bytes += 8;
    else if (typeof item === 'boolean') bytes += 4;
    else if (item !== null && typeof item === 'object') {
      if (seen.has(item)) continue;
      seen.add(item);
      if (ArrayBuffer.isView(item)) bytes += item.byteLength;
      else if (item instanceof ArrayBuffer) bytes += item.byteLength;
      else {
        bytes += OBJECT_OVERHEAD;
        for (const child of item instanceof Map ? item.values() : Array.isArray(item) ? item : Object.values(item)) stack.push(child);
      }
    }
  }
  return bytes;
}
