import { defineNode, routers, streamState, type Difficulty, type ExitPlan } from '../../sdk/index.js';

/** Router params the selector exposes as widgets; each router takes the ones its schema declares. */
interface SelectorParams {
  router: string;
  tau: number;
  alpha: number;
  method: 'conformal' | 'learn-then-test';
  delta: number;
  budget: number;
  deadline_ms: number;
  exit: number;
  /** Params of custom routers, by name. */
  extra: Record<string, unknown>;
}

export const exitSelector = defineNode({
  id: 'exitgraph/ExitSelector',
  version: 1,
  title: 'Exit Selector',
  category: 'early-exit',
  description:
    'Picks the exit a generator takes, from a difficulty estimate and a router: threshold, risk (P(distance > tau) <= alpha, calibrated), budget (average MACs), deadline (per-item latency), fixed, full, or a router from a plugin (by id, e.g. "mypack/regions").',
  inputs: { difficulty: { type: 'DIFFICULTY' } },
  outputs: { plan: { type: 'EXIT_PLAN' } },
  params: {
    type: 'object',
    properties: {
      router: { type: 'string', default: 'threshold', 'x-suggestions': ['threshold', 'risk', 'budget', 'deadline', 'fixed', 'full'], description: 'Router name or plugin router id' },
      tau: { type: 'number', minimum: 0, default: 0.1, description: 'Quality threshold: distance to the full output' },
      alpha: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.1, description: 'risk: allowed probability of exceeding tau' },
      method: { type: 'string', enum: ['conformal', 'learn-then-test'], default: 'learn-then-test', description: 'risk: calibration method (learn-then-test: alpha holds with probability 1 - delta; conformal: in expectation)' },
      delta: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.1, description: 'risk, learn-then-test: failure probability of the calibration' },
      budget: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.5, description: 'budget: average share of the full MACs' },
      deadline_ms: { type: 'number', exclusiveMinimum: 0, default: 50, description: 'deadline: per-item latency target' },
      exit: { type: 'integer', default: 0, description: 'fixed: exit index (-1 = full model)' },
      extra: { type: 'object', default: {}, description: 'Params for custom routers' },
    },
  },
  // Stream routers (budget, deadline) remember earlier inputs, so the same input may route differently.
  cacheable: false,
  run: (ctx, inputs, params: SelectorParams) => {
    const difficulty: Difficulty = inputs.difficulty;
    const router = routers.get(params.router);
    if (router.evaluationOnly) throw new Error(`router "${params.router}" is for evaluation only (exitgraph eval); pick another router for graphs`);
    const declared = Object.keys(router.params.properties);
    const given: Record<string, unknown> = { ...params.extra };
    for (const name of declared) if (name in params && !(name in params.extra)) given[name] = params[name as keyof SelectorParams];
    const checked = routers.params(router, given);
    const prepared = routers.prepared(router, checked, difficulty.calibration);
    const stream = `${ctx.nodeId}|${router.id}|${JSON.stringify(checked)}`;
    const state = streamState(stream, router);
    const request = { difficulty, ...(difficulty.calibration ? { calibration: difficulty.calibration } : {}), ...(difficulty.latencyMs ? { latencyMs: difficulty.latencyMs } : {}) };
    const plan: ExitPlan = router.route(request, checked, prepared, state);
    const full = difficulty.exits[difficulty.exits.length - 1]!.macs;
    ctx.ui({ exit: plan.exit, exit_name: plan.exitName, reason: plan.reason, expected_saving: plan.expectedMacs === undefined ? undefined : 1 - plan.expectedMacs / full });
    // The generator's escalation check reads tau and the predictions back from the plan.
    const predicted = difficulty.exits.map((e) => e.predicted);
    return { plan: { ...plan, details: { ...plan.details, stream, router: router.id, predicted, ...(typeof checked.tau === 'number' ? { tau: checked.tau } : {}) } } };
  },
});
