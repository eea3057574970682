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

/**
 * Fewest calibration inputs per novelty group: Learn-then-Test at alpha 0.1 cannot certify any
 * lambda on fewer than about 22 inputs, and needs about 100 to certify a useful one.
 */
const MIN_GROUP_SIZE = 100;

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
      novelty_groups: { type: 'integer', minimum: 1, maximum: 10, default: 4, description: 'Packs with novelty maps: calibration inputs split into this many groups by how far each is from the others (at most one group per 100 calibration inputs), one lambda per group, each fitted at delta / groups so that all groups hold at once with probability 1 - delta; an input takes the lambda of its group, so inputs unlike most calibration inputs get the bound fitted on the calibration inputs most like them (1: one lambda for all)' },
    },
  },
  prepare: (params, calibration) => {
    if (!calibration) throw new Error('the risk router needs a calibration set; this pack ships none');
    const fit = (part: Calibration, delta: number): FittedLambda =>
      params.method === 'learn-then-test' ? learnThenTestLambda(part, params.tau, params.alpha, delta) : conformalLambda(part, params.tau, params.alpha);
    const whole = fit(calibration, params.delta);
    const count = Math.min(params.novelty_groups, Math.floor(calibration.predicted.length / MIN_GROUP_SIZE));
    if (!calibration.novelty || count < 2) return whole;
    // Learn-then-Test per group at delta / groups: each group's bound fails with probability at
    // most that, so all of them hold at once (and with them any mix of groups a stream brings)
    // with probability >= 1 - delta. Conformal bounds hold in expectation per group, and so for
    // any mix, without a correction.
    const groups = groupedLambdas(calibration, count, (part) => fit(part, params.delta / count));
    return { ...whole, groups };
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
    // The fit this input was routed by: its figures are the promise's (the Exit Selector reads them).
    return planFor(difficulty, exit, reason, {
      lambda: fit.lambda,
      tau: params.tau,
      alpha: params.alpha,
      calibration_violations: fit.calibrationViolations,
      calibration_size: fit.n,
      ...(group !== undefined ? { novelty_group: group + 1, novelty_groups: groups!.fits.length } : {}),
    });
  },
});
