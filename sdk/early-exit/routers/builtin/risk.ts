import type { Calibration } from '../../plans.js';
import { defineRouter, planFor } from '../define-router.js';
import { conformalLambda, exitForLambda, groupedLambdas, learnThenTestLambda, noveltyGroup, type FittedLambda, type GroupedLambdas } from '../risk-control.js';

interface RiskParams {
  tau: number;
  alpha: number;
  method: 'conformal' | 'learn-then-test';
  delta: number;
  novelty_groups: number;
}

/** The fit over the whole calibration set, and the per-group fits when the pack has novelty distances. */
interface RiskFit extends FittedLambda {
  readonly groups?: GroupedLambdas;
}

export const riskRouter = defineRouter<RiskParams, RiskFit>({
  id: 'exitgraph/risk',
  title: 'Risk-controlled',
  description:
    'Keeps P(true distance > tau) <= alpha: the earliest exit predicted <= lambda, with lambda fitted on the pack\'s calibration set by Learn-then-Test (holds with probability 1 - delta; the default) or conformal risk control (holds in expectation). On packs with novelty maps, inputs near and far from the calibration set get lambdas fitted apart (novelty_groups).',
  params: {
    type: 'object',
    properties: {
      tau: { type: 'number', minimum: 0, maximum: 1, default: 0.1, description: 'Quality threshold: largest allowed distance (LPIPS) to the full output' },
      alpha: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.1, description: 'Allowed probability of exceeding tau' },
      // Learn-then-Test by default: alpha then caps the violation rate of this deployment with
      // probability 1 - delta. Conformal risk control bounds it only in expectation over
      // calibration sets, so one run lands above alpha about half the time.
      method: { type: 'string', enum: ['conformal', 'learn-then-test'], default: 'learn-then-test', description: 'Calibration: learn-then-test (alpha holds with probability 1 - delta) or conformal (in expectation)' },
      delta: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.1, description: 'Learn-then-Test: failure probability of the calibration' },
      // Four groups of about 125 on a 500-input calibration set: few enough that a group's
      // Learn-then-Test still certifies a useful lambda, enough that the farthest quarter (where
      // hand-painted maps land) is fitted on its own.
      novelty_groups: { type: 'integer', minimum: 1, maximum: 10, default: 4, description: 'Packs with novelty maps: calibration inputs split into this many groups by how far each is from the others, one lambda per group; an input takes the lambda of its group, so inputs unlike most calibration inputs get the bound fitted on the calibration inputs most like them (1: one lambda for all)' },
    },
  },
  prepare: (params, calibration) => {
    if (!calibration) throw new Error('the risk router needs a calibration set; this pack ships none');
    const fit = (part: Calibration): FittedLambda =>
      params.method === 'learn-then-test' ? learnThenTestLambda(part, params.tau, params.alpha, params.delta) : conformalLambda(part, params.tau, params.alpha);
    const whole = fit(calibration);
    if (!calibration.novelty || params.novelty_groups < 2) return whole;
    const groups = groupedLambdas(calibration, params.novelty_groups, fit);
    // The promise's figures are the groups' totals: what the routing rule as a whole did on the calibration set.
    return { ...whole, calibrationViolations: groups.calibrationViolations, n: groups.n, groups };
  },
  route: ({ difficulty }, params, fitted) => {
    const groups = fitted.groups;
    const distance = difficulty.novelty?.distance;
    // An input without a novelty score (the pack's estimator gave none) takes the whole set's lambda.
    const group = groups && distance !== undefined ? noveltyGroup(groups.edges, distance) : undefined;
    const fit = group === undefined ? fitted : groups!.fits[group]!;
    const exit = exitForLambda(difficulty.exits.map((e) => e.predicted), fit.lambda);
    const where = group === undefined ? '' : `, novelty group ${group + 1} of ${groups!.fits.length} (distance ${distance!.toFixed(3)})`;
    const how = `lambda ${Number.isFinite(fit.lambda) ? fit.lambda.toFixed(4) : 'none'} (${params.method}, ${fit.calibrationViolations}/${fit.n} calibration violations${where})`;
    const reason = exit < difficulty.exits.length - 1 ? `predicted ${difficulty.exits[exit]!.predicted.toFixed(3)} <= ${how}` : `no early exit predicted <= ${how}`;
    return planFor(difficulty, exit, reason, { lambda: fit.lambda, tau: params.tau, alpha: params.alpha, ...(group !== undefined ? { novelty_group: group } : {}) });
  },
});
