import type { Calibration, Difficulty } from '../../plans.js';
import { defineRouter, planFor } from '../define-router.js';

interface BudgetParams {
  /** Average compute per input, as a fraction of the full model's MACs. */
  budget: number;
}

interface BudgetState {
  spent: number;
  count: number;
}

/** Share of the full model's MACs spent to reach each exit (predictor included). */
function shares(difficulty: Difficulty): number[] {
  const full = difficulty.exits[difficulty.exits.length - 1]!.macs;
  return difficulty.exits.map((e) => (e.macs + difficulty.predictorMacs) / full);
}

/** Exit minimising predicted distance + mu * cost: the Lagrangian of "best quality within a budget". */
function lagrangianExit(predicted: readonly number[], cost: readonly number[], mu: number): number {
  let best = 0;
  for (let k = 1; k < predicted.length; k++) {
    if (predicted[k]! + mu * cost[k]! < predicted[best]! + mu * cost[best]!) best = k;
  }
  return best;
}

/**
 * The price of compute (mu) at which the calibration inputs, routed by the Lagrangian rule, spend
 * on average no more than the budget: found by bisection, since spending falls as mu grows.
 */
function fitPrice(calibration: Calibration, cost: readonly number[], budget: number): number {
  const meanCost = (mu: number) => calibration.predicted.reduce((sum, row) => sum + cost[lagrangianExit(row, cost, mu)]!, 0) / calibration.predicted.length;
  if (meanCost(0) <= budget) return 0;
  let low = 0;
  let high = 1;
  while (meanCost(high) > budget && high < 1e6) high *= 2;
  for (let i = 0; i < 50; i++) {
    const mid = (low + high) / 2;
    if (meanCost(mid) > budget) low = mid;
    else high = mid;
  }
  return high;
}

export const budgetRouter = defineRouter<BudgetParams, { priceFor: (cost: readonly number[]) => number | undefined }, BudgetState>({
  id: 'exitgraph/budget',
  title: 'Compute budget',
  description:
    'Best expected quality for an average compute budget over a stream or batch (a fraction of the full model\'s MACs). Trades predicted distance against cost at a price fitted on the calibration set, and never lets the running average exceed the budget.',
  params: { type: 'object', properties: { budget: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.5, description: 'Average share of the full model\'s MACs' } } },
  prepare: ({ budget }, calibration) => {
    const prices = new Map<string, number>();
    return {
      priceFor: (cost) => {
        if (!calibration) return undefined;
        const key = cost.join(',');
        if (!prices.has(key)) prices.set(key, fitPrice(calibration, cost, budget));
        return prices.get(key);
      },
    };
  },
  createState: () => ({ spent: 0, count: 0 }),
  route: ({ difficulty }, { budget }, prepared, state) => {
    const cost = shares(difficulty);
    const predicted = difficulty.exits.map((e) => e.predicted);
    const mu = prepared.priceFor(cost);
    // Without calibration: the best predicted exit among those within the budget per input.
    let exit = mu === undefined ? bestWithin(predicted, cost, budget) : lagrangianExit(predicted, cost, mu);
    const allowance = budget * (state.count + 1) - state.spent;
    let reason = mu === undefined ? `best predicted exit within ${budget} of the full MACs` : `min predicted + ${mu.toFixed(3)} x cost`;
    if (cost[exit]! > allowance) {
      const affordable = cost.map((c, k) => (c <= allowance ? k : -1)).filter((k) => k >= 0);
      exit = affordable.length ? affordable[affordable.length - 1]! : 0;
      reason = `running average would exceed the budget: deepest affordable exit`;
    }
    state.spent += cost[exit]!;
    state.count += 1;
    return planFor(difficulty, exit, reason, { budget, running_average: state.spent / state.count });
  },
});

function bestWithin(predicted: readonly number[], cost: readonly number[], budget: number): number {
  let best = 0;
  for (let k = 1; k < predicted.length; k++) if (cost[k]! <= budget && predicted[k]! < predicted[best]!) best = k;
  return best;
}
