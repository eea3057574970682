import { defineRouter, planFor } from '../define-router.js';
import { conformalLambda, exitForLambda, learnThenTestLambda, type FittedLambda } from '../risk-control.js';

interface RiskParams {
  tau: number;
  alpha: number;
  method: 'conformal' | 'learn-then-test';
  delta: number;
}

export const riskRouter = defineRouter<RiskParams, FittedLambda>({
  id: 'exitgraph/risk',
  title: 'Risk-controlled',
  description:
    'Keeps P(true distance > tau) <= alpha: the earliest exit predicted <= lambda, with lambda fitted on the pack\'s calibration set by Learn-then-Test (holds with probability 1 - delta; the default) or conformal risk control (holds in expectation).',
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
    },
  },
  prepare: (params, calibration) => {
    if (!calibration) throw new Error('the risk router needs a calibration set; this pack ships none');
    return params.method === 'learn-then-test'
      ? learnThenTestLambda(calibration, params.tau, params.alpha, params.delta)
      : conformalLambda(calibration, params.tau, params.alpha);
  },
  route: ({ difficulty }, params, fitted) => {
    const exit = exitForLambda(difficulty.exits.map((e) => e.predicted), fitted.lambda);
    const how = `lambda ${Number.isFinite(fitted.lambda) ? fitted.lambda.toFixed(4) : 'none'} (${params.method}, ${fitted.calibrationViolations}/${fitted.n} calibration violations)`;
    const reason = exit < difficulty.exits.length - 1 ? `predicted ${difficulty.exits[exit]!.predicted.toFixed(3)} <= ${how}` : `no early exit predicted <= ${how}`;
    return planFor(difficulty, exit, reason, { lambda: fitted.lambda, tau: params.tau, alpha: params.alpha });
  },
});
