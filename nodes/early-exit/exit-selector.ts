import { defineNode } from '../../sdk/index.js';
import { AUDIT_PARAMS, AUDITS, BUILTIN_ROUTERS, NOVELTY_PARAMS, ROUTER_STREAMS, ROUTERS, auditReason, checkNovelty, noveltyChecks, noveltyPolicy, paramsForRouter, planAudit, routerName, routerParamsSchema, tightened, type Difficulty, type ExitPlan, type QualityPromise } from '../../sdk/early-exit/index.js';

export const exitSelector = defineNode({
  id: 'exitgraph/ExitSelector',
  version: 1,
  title: 'Exit Selector',
  category: 'early-exit',
  description:
    'Picks the exit a generator takes, from a difficulty estimate and a router: threshold, risk (P(distance > tau) <= alpha, calibrated), budget (average MACs), deadline (per-item latency), fixed, full, or a router from a plugin (by id, e.g. "mypack/regions"). Each router takes only its own params. With audit_fraction > 0 a share of inputs is audited against the full model; when the audited violation rate is confidently above alpha the router is tightened, and the plan says so. Inputs unlike every calibration input (packs with novelty maps) go to the full model unless novel_inputs is trust.',
  inputs: { difficulty: { type: 'DIFFICULTY' } },
  outputs: { plan: { type: 'EXIT_PLAN' } },
  params: withQualityParams(routerParamsSchema(BUILTIN_ROUTERS, 'threshold')),
  // Stream routers (budget, deadline) remember earlier inputs, so the same input may route differently.
  cacheable: false,
  run: (ctx, inputs, params: Readonly<Record<string, unknown>>) => {
    const estimate: Difficulty = inputs.difficulty;
    const routers = ctx.services.get(ROUTERS);
    const name = String(params.router);
    const router = routers.get(name);
    if (router.evaluationOnly) throw new Error(`router "${name}" is for evaluation only (exitgraph eval); pick another router for graphs`);
    const checked = routers.params(router, paramsForRouter(router, params));
    const prepared = routers.prepared(router, checked, estimate.calibration);
    const stream = `${ctx.nodeId}|${router.id}|${JSON.stringify(checked)}`;
    const state = ctx.services.get(ROUTER_STREAMS).state(stream, router);
    // The audit's tightening: the router reads every prediction raised by the stream's offset.
    const audit = planAudit(ctx.services.get(AUDITS), stream, params, checked, router.id);
    const difficulty = tightened(estimate, audit?.offset ?? 0);
    const request = { difficulty, ...(difficulty.calibration ? { calibration: difficulty.calibration } : {}), ...(difficulty.latencyMs ? { latencyMs: difficulty.latencyMs } : {}) };
    const own: ExitPlan = router.route(request, checked, prepared, state);
    const routed = noveltyChecks(router, checked) ? checkNovelty(own, difficulty, noveltyPolicy(params)) : own;
    const full = difficulty.exits[difficulty.exits.length - 1]?.macs ?? 0;
    // The generator's escalation check reads tau and the predictions back from the plan.
    const plan: ExitPlan = {
      ...routed,
      router: router.id,
      stream,
      predicted: estimate.exits.map((e) => e.predicted),
      ...(typeof checked.tau === 'number' ? { tau: checked.tau } : {}),
      ...(audit ? { audit, reason: `${routed.reason}; ${auditReason(audit)}` } : {}),
    };
    // ---- ui payload (what the editor's HUD shows): the exit planned of how many, its cost, the promise ----
    const promise = qualityPromise(difficulty, plan, checked, prepared);
    const shown: ExitPlan = { ...plan, exitCount: difficulty.exits.length, ...(promise ? { promise } : {}) };
    ctx.ui({
      exit: shown.exit,
      exit_name: shown.exitName,
      exits: difficulty.exits.length,
      reason: shown.reason,
      router: router.id,
      expected_saving: shown.expectedMacs === undefined || !full ? undefined : 1 - shown.expectedMacs / full,
      ...(shown.expectedMacs !== undefined ? { expected_macs: shown.expectedMacs } : {}),
      ...(full ? { full_macs: full } : {}),
      ...(promise ? { promise } : {}),
    });
    return { plan: shown };
    // ---- end of ui payload ----
  },
});

/**
 * The promise a router works to, from its checked params and what it fitted: a fit with
 * calibration violations is a risk bound; a tau alone bounds the predicted distance, claimed only
 * when the plan keeps it (a deadline router may have to pick a worse exit).
 */
function qualityPromise(difficulty: Difficulty, plan: ExitPlan, params: Readonly<Record<string, unknown>>, prepared: unknown): QualityPromise | undefined {
  if (typeof params.tau !== 'number') return undefined;
  const metric = difficulty.metric;
  // A router that fits several rules (the risk router's novelty groups) says in the plan which fit
  // routed this input; otherwise the prepared fit is the one.
  const details = plan.details ?? {};
  const own = (prepared ?? {}) as { calibrationViolations?: unknown; n?: unknown };
  const fit = typeof details.calibration_violations === 'number' ? { calibrationViolations: details.calibration_violations, n: details.calibration_size } : own;
  if (typeof params.alpha !== 'number' || typeof fit.calibrationViolations !== 'number') {
    const last = plan.exit === difficulty.exits.length - 1;
    const kept = last || (difficulty.exits[plan.exit]?.predicted ?? Infinity) <= params.tau;
    return kept ? { kind: 'predicted', metric, tau: params.tau } : undefined;
  }
  return {
    kind: 'risk',
    metric,
    tau: params.tau,
    alpha: params.alpha,
    ...(typeof params.method === 'string' ? { method: params.method } : {}),
    ...(params.method === 'learn-then-test' && typeof params.delta === 'number' ? { delta: params.delta } : {}),
    calibrationViolations: fit.calibrationViolations,
    ...(typeof fit.n === 'number' ? { calibrationSize: fit.n } : {}),
  };
}

/**
 * The selector's params: the routers', then the audit's and the novelty check's (which no router
 * sees), shown for the built-in routers that have a tau, the bar both work to.
 */
function withQualityParams(schema: ReturnType<typeof routerParamsSchema>): ReturnType<typeof routerParamsSchema> {
  const withTau = BUILTIN_ROUTERS.filter((r) => !r.evaluationOnly && 'tau' in r.params.properties).map(routerName);
  const shown = Object.fromEntries(Object.entries({ ...AUDIT_PARAMS, ...NOVELTY_PARAMS }).map(([name, param]) => [name, { ...param, 'x-visible-when': { router: withTau } }]));
  return { ...schema, properties: { ...schema.properties, ...shown } };
}
