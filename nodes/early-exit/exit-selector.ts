import { defineNode } from '../../sdk/index.js';
import { AUDIT_PARAMS, AUDITS, BUILTIN_ROUTERS, ROUTER_STREAMS, ROUTERS, auditReason, paramsForRouter, planAudit, routerName, routerParamsSchema, tightened, type Difficulty, type ExitPlan } from '../../sdk/early-exit/index.js';

export const exitSelector = defineNode({
  id: 'exitgraph/ExitSelector',
  version: 1,
  title: 'Exit Selector',
  category: 'early-exit',
  description:
    'Picks the exit a generator takes, from a difficulty estimate and a router: threshold, risk (P(distance > tau) <= alpha, calibrated), budget (average MACs), deadline (per-item latency), fixed, full, or a router from a plugin (by id, e.g. "mypack/regions"). Each router takes only its own params. With audit_fraction > 0 a share of inputs is audited against the full model; when the audited violation rate is confidently above alpha the router is tightened, and the plan says so.',
  inputs: { difficulty: { type: 'DIFFICULTY' } },
  outputs: { plan: { type: 'EXIT_PLAN' } },
  params: withAuditParams(routerParamsSchema(BUILTIN_ROUTERS, 'threshold')),
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
    const routed: ExitPlan = router.route(request, checked, prepared, state);
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
    ctx.ui({ exit: plan.exit, exit_name: plan.exitName, reason: plan.reason, expected_saving: plan.expectedMacs === undefined || !full ? undefined : 1 - plan.expectedMacs / full });
    return { plan };
  },
});

/**
 * The selector's params: the routers', then the audit's (which no router sees), shown for the
 * built-in routers that have a tau, the bar an audit measures against.
 */
function withAuditParams(schema: ReturnType<typeof routerParamsSchema>): ReturnType<typeof routerParamsSchema> {
  const withTau = BUILTIN_ROUTERS.filter((r) => !r.evaluationOnly && 'tau' in r.params.properties).map(routerName);
  const audit = Object.fromEntries(Object.entries(AUDIT_PARAMS).map(([name, param]) => [name, { ...param, 'x-visible-when': { router: withTau } }]));
  return { ...schema, properties: { ...schema.properties, ...audit } };
}
