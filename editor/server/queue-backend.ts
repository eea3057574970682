import type { Host } from '../../sdk/index.js';
import type { QueuedPrompt } from './prompt-runner.js';
import type { RunEventSink, ServerHistory, ServerQueue } from './prompt-surfaces.js';

/** What a queue backend needs from the server it plugs into. */
export interface QueueBackendDeps {
  /** The server's host: its registry checks prompts before they are queued. */
  readonly host: Host;
  /** The server's websocket hub: run events from wherever prompts run are sent on through it. */
  readonly hub: RunEventSink;
  /** Called whenever the queue's length changes (the server sends `status` messages). */
  readonly onChange: () => void;
  readonly log: (message: string) => void;
}

export interface OpenedQueueBackend {
  readonly queue: ServerQueue<QueuedPrompt>;
  readonly history: ServerHistory;
  /** State for `/system_stats` (whether the store is reachable, which workers are live). */
  health(): Record<string, unknown>;
}

/**
 * A queue that is not the embedded in-process one: prompts run elsewhere (workers) and their
 * events come back through `deps.hub`. `open` rejects when the backend cannot be reached.
 */
export interface QueueBackend {
  open(deps: QueueBackendDeps): Promise<OpenedQueueBackend>;
}
