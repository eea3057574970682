import type { HistoryEntry } from '../prompt-history.js';
import type { HubMessage } from '../ws-hub.js';

/** What workers publish on the events channel for the server to pass on. */
export type RelayEvent =
  | { readonly kind: 'message'; readonly clientId?: string; readonly message: HubMessage }
  | { readonly kind: 'preview'; readonly clientId?: string; readonly png: string; readonly meta: { node_id: string; prompt_id: string } }
  | { readonly kind: 'history'; readonly id: string; readonly entry: HistoryEntry };

/** The data of one queued prompt's job: everything a worker needs to run it (the graph is re-validated there). */
export interface PromptJobData {
  readonly id: string;
  readonly number: number;
  readonly prompt: Record<string, unknown>;
  readonly extraData: Record<string, unknown>;
  readonly outputs: string[];
  readonly clientId?: string;
  /** Node types the prompt uses, for routing to a worker that has them. */
  readonly nodeTypes: string[];
}

/** A worker's declared capabilities, refreshed by its heartbeat. */
export interface WorkerInfo {
  readonly id: string;
  readonly hostname: string;
  readonly pid: number;
  readonly device: string;
  readonly concurrency: number;
  /** Node types as `id` and `id@version`. */
  readonly nodeTypes: string[];
  /** Packs (origins) its nodes come from. */
  readonly packs: string[];
  readonly plugins: string[];
  /** Last heartbeat, ms since the epoch. */
  readonly seen: number;
}

export function parseRelayEvent(text: string): RelayEvent | undefined {
  try {
    const value = JSON.parse(text) as RelayEvent;
    return typeof value === 'object' && value !== null && typeof value.kind === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
