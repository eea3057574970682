/**
 * Where the scaled-out queue keeps things in Redis. Every process (server, workers, batch)
 * agrees on these names; changing one is a breaking change for mixed-version deployments.
 */
export const QUEUE_NAME = 'prompts';
/** BullMQ's key prefix: the queue's own keys are `exitgraph:prompts:*`. */
export const QUEUE_PREFIX = 'exitgraph';
/** Hash prompt id -> finished history entry (JSON). Written once per prompt (see the commit script). */
export const HISTORY_KEY = 'exitgraph:history';
/** Sorted set of prompt ids by finish time, for history order and trimming. */
export const HISTORY_ORDER_KEY = 'exitgraph:history:order';
/** Pub/sub channel carrying run events (ws messages, previews, history entries) to the server. */
export const EVENTS_CHANNEL = 'exitgraph:events';
/** Pub/sub channel carrying per-prompt cancels (interrupt, delete) to the workers. */
export const CANCEL_CHANNEL = 'exitgraph:cancel';
/** `exitgraph:cancelled:<id>`: a cancel that arrived before a worker picked the prompt up. */
export const CANCELLED_PREFIX = 'exitgraph:cancelled:';
/** Hash worker id -> capabilities and heartbeat (JSON). */
export const WORKERS_KEY = 'exitgraph:workers';
/** Queue numbers, shared so a restarted server keeps counting up. */
export const NUMBER_KEY = 'exitgraph:number';

/** BullMQ refuses integer-like custom job ids; prompt ids may be anything `[\w-]`. */
export function jobIdOf(promptId: string): string {
  return `p-${promptId}`;
}

export function promptIdOf(jobId: string): string {
  return jobId.startsWith('p-') ? jobId.slice(2) : jobId;
}
