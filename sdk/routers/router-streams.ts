import type { ExitPlan } from '../ports/port-values.js';
import type { AnyRouterDefinition } from './define-router.js';

/**
 * Stream-level routers (budget, deadline) keep state across inputs. A stream is one ExitSelector
 * node with one router and params, alive for the process (a server's queue of prompts, a batch
 * run). Plans carry the stream key so a generator can report back what an input really cost.
 */
interface Stream {
  readonly router: AnyRouterDefinition;
  readonly state: unknown;
}

const streams = new Map<string, Stream>();

export function streamState(key: string, router: AnyRouterDefinition): unknown {
  let stream = streams.get(key);
  if (!stream || stream.router !== router) {
    stream = { router, state: router.createState?.() };
    streams.set(key, stream);
  }
  return stream.state;
}

/** Feeds a measured cost back to the router that made the plan (no-op for stateless routers). */
export function observeExit(plan: ExitPlan, observation: { macs: number; latencyMs?: number }): void {
  const key = plan.details?.stream;
  const stream = typeof key === 'string' ? streams.get(key) : undefined;
  stream?.router.observe?.(stream.state, { exit: plan.exit, ...observation });
}

/** Forgets every stream's state (tests, or a server resetting its policy). */
export function resetRouterStreams(): void {
  streams.clear();
}
