import type { Calibration, Difficulty, ExitPlan } from '../plans.js';
import type { ParamsSchema } from '../../kernel/node/define-node.js';

/** Everything a router sees about one input. */
export interface RouteRequest {
  /** Predicted distance and cumulative MACs per exit (from a DifficultyEstimator). */
  readonly difficulty: Difficulty;
  /** The pack's calibration set, when it ships one. */
  readonly calibration?: Calibration;
  /** Measured latency per exit on the current device (ms), when known. */
  readonly latencyMs?: readonly number[];
  /** True distances per exit: only in evaluation (the oracle router needs them). */
  readonly measured?: readonly number[];
}

/**
 * A router: picks an exit per input from predicted distances and costs. `prepare` runs once per
 * (calibration, params) — where calibrated routers fit their thresholds — and `route` once per
 * input. `createState` gives stream-level routers (budget, deadline) memory across inputs.
 */
export interface RouterDefinition<P = Record<string, unknown>, Prepared = unknown, State = unknown> {
  /** Namespaced id, e.g. `exitgraph/risk`; ExitSelector also accepts the bare name for built-ins. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly params: ParamsSchema;
  /** Needs true distances: evaluation only. */
  readonly evaluationOnly?: boolean;
  /** Reads the predictor's distances (default true); its MACs count against the saving. */
  readonly usesPrediction?: boolean;
  readonly prepare?: (params: P, calibration: Calibration | undefined) => Prepared;
  readonly createState?: () => State;
  readonly route: (request: RouteRequest, params: P, prepared: Prepared, state: State) => ExitPlan;
  /** Tells a stream-level router what an input really cost (e.g. measured latency). */
  readonly observe?: (state: State, observation: { exit: number; macs: number; latencyMs?: number }) => void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRouterDefinition = RouterDefinition<any, any, any>;

export function defineRouter<P, Prepared = undefined, State = undefined>(router: RouterDefinition<P, Prepared, State>): RouterDefinition<P, Prepared, State> {
  if (!/^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*\/[a-z][a-z0-9_-]*$/i.test(router.id)) {
    throw new Error(`router ${JSON.stringify(router.id)}: id must be "namespace/name"`);
  }
  if (typeof router.route !== 'function') throw new Error(`router ${router.id}: route must be a function`);
  if (router.params?.type !== 'object') throw new Error(`router ${router.id}: params must be a JSON Schema object`);
  return Object.freeze({ ...router });
}

/** Builds a plan for exit k of a difficulty estimate. */
export function planFor(difficulty: Difficulty, exit: number, reason: string, details?: Record<string, unknown>): ExitPlan {
  const chosen = difficulty.exits[exit];
  if (!chosen) throw new Error(`exit ${exit} does not exist (the pack has ${difficulty.exits.length} exits)`);
  return {
    exit,
    exitName: chosen.name,
    reason,
    expectedDistance: chosen.predicted,
    expectedMacs: chosen.macs + difficulty.predictorMacs,
    ...(details ? { details } : {}),
  };
}
