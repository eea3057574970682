import type { Host } from '../../sdk/index.js';
import type { LogRing } from './log-ring.js';
import type { PromptHistory } from './prompt-history.js';
import type { PromptQueue } from './prompt-queue.js';
import type { QueuedPrompt } from './prompt-runner.js';
import type { WsHub } from './ws-hub.js';
import type { ServerWorkspace } from './workspace-paths.js';

/** What every route module works with: the one host, the workspace, the queue and its history. */
export interface ServerContext {
  readonly host: Host;
  readonly workspace: ServerWorkspace;
  readonly queue: PromptQueue<QueuedPrompt>;
  readonly history: PromptHistory;
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
}
