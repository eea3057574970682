/** A finished prompt, in the shape ComfyUI's `GET /history` answers. */
export interface HistoryEntry {
  /** `[number, prompt_id, prompt, extra_data, outputs_to_execute]`. */
  prompt: [number, string, unknown, Record<string, unknown>, string[]];
  /** What output nodes reported, by node id (e.g. `{ images: [{ filename, subfolder, type }] }`). */
  outputs: Record<string, Record<string, unknown>>;
  status: { status_str: 'success' | 'error'; completed: boolean; messages: [string, Record<string, unknown>][] };
  meta: Record<string, { node_id: string; display_node: string; parent_node: null; real_node_id: string }>;
}

/** Finished prompts, newest last, keeping at most `limit`. */
export class PromptHistory {
  readonly #entries = new Map<string, HistoryEntry>();

  constructor(private readonly limit = 1000) {}

  record(id: string, entry: HistoryEntry): void {
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    while (this.#entries.size > this.limit) this.#entries.delete(this.#entries.keys().next().value!);
  }

  get(id: string): HistoryEntry | undefined {
    return this.#entries.get(id);
  }

  /** The newest `maxItems` entries (all when undefined), oldest first, keyed by prompt id. */
  list(maxItems?: number): Record<string, HistoryEntry> {
    const all = [...this.#entries];
    return Object.fromEntries(maxItems === undefined ? all : all.slice(Math.max(0, all.length - maxItems)));
  }

  delete(ids: readonly string[]): void {
    for (const id of ids) this.#entries.delete(id);
  }

  clear(): void {
    this.#entries.clear();
  }
}
