/** A finished prompt, in the shape ComfyUI's `GET /history` answers. */
export interface HistoryEntry {
  /** `[number, prompt_id, prompt, extra_data, outputs_to_execute]`. */
  prompt: [number, string, unknown, Record<string, unknown>, string[]];
  /** What output nodes reported, by node id (e.g. `{ images: [{ filename, subfolder, type }] }`). */
  outputs: Record<string, Record<string, unknown>>;
  status: { status_str: 'success' | 'error'; completed: boolean; messages: [string, Record<string, unknown>][] };
  meta: Record<string, { node_id: string; display_node: string; parent_node: null; real_node_id: string }>;
}

export interface PromptHistoryOptions {
  /** Most entries kept. Default 1000. */
  readonly maxEntries?: number;
  /** Most bytes kept, as the entries' JSON. Default 64 MiB. */
  readonly maxBytes?: number;
}

export const DEFAULT_HISTORY_BYTES = 64 * 1024 * 1024;

/**
 * Finished prompts, newest last, bounded by count and by bytes (each entry's JSON size, measured
 * once when recorded), oldest out first. The newest entry is always kept, however large, so the
 * client that queued it can read its result.
 */
export class PromptHistory {
  readonly #entries = new Map<string, { entry: HistoryEntry; bytes: number }>();
  readonly maxEntries: number;
  readonly maxBytes: number;
  #bytes = 0;

  constructor(options: PromptHistoryOptions | number = {}) {
    const resolved = typeof options === 'number' ? { maxEntries: options } : options;
    this.maxEntries = resolved.maxEntries ?? 1000;
    this.maxBytes = resolved.maxBytes ?? DEFAULT_HISTORY_BYTES;
  }

  record(id: string, entry: HistoryEntry): void {
    this.#remove(id);
    const bytes = Buffer.byteLength(JSON.stringify(entry));
    this.#entries.set(id, { entry, bytes });
    this.#bytes += bytes;
    while (this.#entries.size > 1 && (this.#entries.size > this.maxEntries || this.#bytes > this.maxBytes)) this.#remove(this.#entries.keys().next().value!);
  }

  get(id: string): HistoryEntry | undefined {
    return this.#entries.get(id)?.entry;
  }

  /** Bytes held (the entries' JSON). */
  get bytes(): number {
    return this.#bytes;
  }

  /** The newest `maxItems` entries (all when undefined), oldest first, keyed by prompt id. */
  list(maxItems?: number): Record<string, HistoryEntry> {
    const all = [...this.#entries].map(([id, { entry }]) => [id, entry] as const);
    return Object.fromEntries(maxItems === undefined ? all : all.slice(Math.max(0, all.length - maxItems)));
  }

  delete(ids: readonly string[]): void {
    for (const id of ids) this.#remove(id);
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #remove(id: string): void {
    const held = this.#entries.get(id);
    if (!held) return;
    this.#entries.delete(id);
    this.#bytes -= held.bytes;
  }
}
