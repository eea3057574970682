import { checkNovelty, DEFAULT_NOVELTY_POLICY, noveltyChecks, type NoveltyPolicy } from '../novelty/novelty-policy.js';
import type { Difficulty, ExitPlan } from '../plans.js';
import type { RouteRequest } from '../routers/define-router.js';
import type { AnyRouterDefinition } from '../routers/define-router.js';
import type { RouterRegistry } from '../routers/router-registry.js';
import { RouterTally, type RouterFigures } from './router-tally.js';
import type { PackEvaluation } from './pack-evaluation.js';

export type { RouterFigures } from './router-tally.js';

/**
 * Routes every input of an evaluation with a router (fresh state, inputs in order, so stream
 * routers see a stream) and scores the choices against the measured distances.
 */
export function evaluateRouter(evaluation: PackEvaluation, registry: RouterRegistry, name: string, params: Record<string, unknown>, tau: number, novelty: NoveltyPolicy = DEFAULT_NOVELTY_POLICY): RouterFigures {
  return routeEvaluation(evaluation, registry, name, params, tau, novelty).figures;
}

/** The exit a router takes per input (fresh state, inputs in order), with the figures. */
export function routeEvaluation(
  evaluation: PackEvaluation,
  registry: RouterRegistry,
  name: string,
  params: Record<string, unknown>,
  tau: number,
  novelty: NoveltyPolicy = DEFAULT_NOVELTY_POLICY,
): { figures: RouterFigures; exits: readonly number[]; plans: readonly ExitPlan[] } {
  const router: AnyRouterDefinition = registry.get(name);
  const checked = registry.params(router, params);
  const prepared = registry.prepared(router, checked, evaluation.calibration);
  const state = router.createState?.();
  const usesPrediction = router.usesPrediction !== false;
  const E = evaluation.exits.length;
  const tally = new RouterTally(E, tau, evaluation.fullMacs, evaluation.latencyMs[E - 1]!);
  const exits: number[] = [];
  const plans: ExitPlan[] = [];
  const checksNovelty = noveltyChecks(router, checked);
  evaluation.predicted.forEach((predicted, i) => {
    const measured = evaluation.measured[i]!;
    const difficulty = evaluatedDifficulty(evaluation, predicted, usesPrediction, i);
    const request: RouteRequest = { difficulty, latencyMs: evaluation.latencyMs, measured, ...(evaluation.calibration ? { calibration: evaluation.calibration } : {}) };
    const own = router.route(request, checked, prepared, state);
    const plan = checksNovelty ? checkNovelty(own, difficulty, novelty) : own;
    plans.push(plan);
    const exit = plan.exit;
    const macs = evaluation.exits[exit]!.macs + (usesPrediction ? evaluation.predictorMacs : 0);
    const latency = evaluation.latencyMs[exit]! + (usesPrediction ? evaluation.predictorLatencyMs : 0);
    router.observe?.(state, { exit, macs, latencyMs: evaluation.latencyMs[exit]! });
    exits.push(exit);
    tally.record(exit, macs, latency, measured[exit]!, plan.novelty?.escalatedFrom !== undefined);
  });
  const figures = tally.figures(router.id, checked);
  return { figures, exits, plans };
}

/** The cheapest single fixed exit whose violation rate at tau is <= alpha (the full model if none). */
export function bestFixedExit(evaluation: PackEvaluation, registry: RouterRegistry, tau: number, alpha: number): RouterFigures {
  const E = evaluation.exits.length;
  for (let k = 0; k < E; k++) {
    const figures = evaluateRouter(evaluation, registry, 'fixed', { exit: k }, tau);
    if (figures.violation_rate <= alpha || k === E - 1) return figures;
  }
  throw new Error('unreachable: the last exit always qualifies');
}

/** What a Difficulty Estimator would have handed the router for evaluated input `index`. */
export function evaluatedDifficulty(evaluation: PackEvaluation, predicted: readonly number[], usesPrediction: boolean, index?: number): Difficulty {
  const novelty = index === undefined ? undefined : evaluation.novelty?.[index];
  return {
    pack: evaluation.pack,
    metric: evaluation.metric,
    exits: evaluation.exits.map((e, k) => ({ name: e.name, predicted: predicted[k]!, macs: e.macs })),
    predictorMacs: usesPrediction ? evaluation.predictorMacs : 0,
    ...(evaluation.calibration ? { calibration: evaluation.calibration } : {}),
    latencyMs: evaluation.latencyMs,
    ...(novelty ? { novelty } : {}),
  };
}
