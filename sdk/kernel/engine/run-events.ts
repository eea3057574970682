import type { Image } from '../image/image.js';
import type { PreviewDetails } from '../node/node-context.js';

/** Everything a run reports, in order, to the CLI, the server's websocket and tests. */
export type RunEvent =
  | { type: 'run:start'; runId: string; device: string; nodes: string[] }
  | { type: 'node:start'; runId: string; nodeId: string; classType: string }
  | { type: 'node:progress'; runId: string; nodeId: string; done: number; total: number }
  | { type: 'node:preview'; runId: string; nodeId: string; image: Image; details?: PreviewDetails }
  | { type: 'node:log'; runId: string; nodeId: string; level: 'info' | 'warn'; message: string }
  | { type: 'node:cached'; runId: string; nodeId: string; classType: string; ui?: Record<string, unknown> }
  | { type: 'node:done'; runId: string; nodeId: string; classType: string; ms: number; ui?: Record<string, unknown> }
  | { type: 'node:error'; runId: string; nodeId: string; classType: string; message: string; cause?: string }
  | { type: 'run:end'; runId: string; status: RunStatus; ms: number; error?: string };

export type RunStatus = 'success' | 'error' | 'cancelled';

export type RunEventListener = (event: RunEvent) => void;
