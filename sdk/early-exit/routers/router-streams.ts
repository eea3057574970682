import { defineService } from '../../kernel/host/host-services.js';
import type { ExitPlan } from '../plans.js';
import type { AnyRouterDefinition } from './define-router.js';

/**
 * Stream-level routers (budget, deadline) keep state across inputs. A stream is one ExitSelector
 * node with one router and params, alive as long as its host (a server's queue of prompts, a
 * batch run). Plans carry the stream key so a generator can report back what an input cost.
 */
interface Stream {
  readonly router: AnyRouterDefinition;
  readonly state: unknown;
}

export class RouterStreams {
  readonly #streams = new Map<string, Stream>();

  /** The state of a stream, created by the router on first use (or when its router changed). */
  state(key: string, router: AnyRouterDefinition): unknown {
    let stream = this.#streams.get(key);
    if (!stream || stream.router !== router) {
      stream = { router, state: router.createState?.() };
      this.#streams.set(key, stream);
    }
    return stream.state;
  }

  /** Feeds a measured cost back to the router that made the plan (no-op for stateless routers). */
  observe(plan: ExitPlan, observation: { macs: number; latencyMs?: number }): void {
    const stream = plan.stream === undefined ? undefined : this.#streams.get(plan.stream);
    stream?.router.observe?.(stream.state, { exit: plan.exit, ...observation });
  }

  /** Forgets every stream's state (a server resetting its policy). */
  reset(): void {
    this.#streams.clear();
  }

  get size(): number {
    return this.#streams.size;
  }
}

/** The host's router streams. */
export const ROUTER_STREAMS = defineService('exitgraph/router-streams', () => new RouterStreams());
