import type { HistoryEntry } from './prompt-history.js';
import type { QueueEntry } from './prompt-queue.js';
import type { HubMessage } from './ws-hub.js';

/**
 * What the routes read and change of the prompt queue. The embedded `PromptQueue` implements
 * it, and so does the Redis-backed queue of a scaled-out server (scale-out/), which keeps a
 * local mirror so that these reads stay synchronous.
 */
export interface ServerQueue<T extends QueueEntry> {
  /** The next queue number (`front` puts the prompt ahead of everything pending). */
  nextNumber(front?: boolean): number;
  add(entry: T): void;
  /** The running prompt (the oldest one, when several workers run prompts at once). */
  readonly running: T | undefined;
  readonly pending: readonly T[];
  /** Pending plus running. */
  readonly remaining: number;
  /**
   * Removes pending prompts by id; returns those removed, and the ids of running prompts that were
   * cancelled instead (a scaled-out queue cancels a running prompt on its worker; the embedded
   * queue, as ComfyUI's, leaves running prompts to /interrupt).
   */
  remove(ids: readonly string[]): { removed: T[]; cancelled: string[] };
  /** Removes every pending prompt; returns them. */
  clear(): T[];
  /** Runs `job` once no prompt of this server's host is running (now when idle). */
  between(job: () => Promise<void>): Promise<void>;
  /** Cancels the running prompt (only if it is `id`, when given). Returns whether one was cancelled. */
  interrupt(id?: string): boolean;
  /** Stops taking prompts and releases what the queue holds. */
  close(): Promise<void>;
}

/** What the routes read and change of the finished prompts (`/history`). */
export interface ServerHistory {
  record(id: string, entry: HistoryEntry): void;
  get(id: string): HistoryEntry | undefined;
  list(maxItems?: number): Record<string, HistoryEntry>;
  delete(ids: readonly string[]): void;
  clear(): void;
}

/** Where a run's websocket messages go: the server's hub, or a relay to it (a worker). */
export interface RunEventSink {
  send(clientId: string | undefined, message: HubMessage): void;
  sendPreview(clientId: string | undefined, png: Uint8Array, meta: { node_id: string; prompt_id: string }): void;
}

/** Where a finished run is recorded: the server's history, or a relay to it (a worker). */
export interface HistoryRecorder {
  record(id: string, entry: HistoryEntry): void;
}
