import type { Host } from '../../sdk/index.js';
import type { LogRing } from './log-ring.js';
import type { QueuedPrompt } from './prompt-runner.js';
import type { ServerHistory, ServerQueue } from './prompt-surfaces.js';
import type { WsHub } from './ws-hub.js';
import type { ServerWorkspace } from './workspace-paths.js';

/** What every route module works with: the one host, the workspace, the queue and its history. */
export interface ServerContext {
  readonly host: Host;
  readonly workspace: ServerWorkspace;
  readonly queue: ServerQueue<QueuedPrompt>;
  readonly history: ServerHistory;
  readonly hub: WsHub;
  readonly device: string;
  /** Largest accepted upload, in bytes. */
  readonly maxUploadBytes: number;
  /** Folder of example graphs (`examples/graphs`). */
  readonly examplesDir: string;
  readonly version: string;
  readonly log: (message: string) => void;
  /** What `log` was given lately, for `/internal/logs`. */
  readonly logs: LogRing;
  /** ComfyUI frontend settings, kept in memory for this server's lifetime. */
  readonly settings: Map<string, unknown>;
  /** The shared queue's state for `/system_stats` (reachable, workers), when the queue is not in-process. */
  readonly queueHealth?: () => Record<string, unknown>;
}
