import type { Difficulty, ExitPlan, PlanNovelty } from '../plans.js';
import type { AnyRouterDefinition } from '../routers/define-router.js';

/**
 * The Exit Selector's (and eval's) params for novel inputs. They are the selector's, not a
 * router's: every router that promises a quality (has a tau) gets the same check.
 */
export const NOVELTY_PARAMS = {
  novel_inputs: {
    type: 'string',
    enum: ['full', 'trust'],
    default: 'full',
    description:
      "What to do with an input unlike every calibration input (novelty p-value below novelty_level): 'full' runs the full model, because the predictor and the calibrated bound say nothing about such inputs; 'trust' routes it like any other",
  },
  novelty_level: {
    type: 'number',
    exclusiveMinimum: 0,
    maximum: 0.5,
    default: 0.01,
    description: 'An input is novel when fewer than this share of calibration inputs are as far from their nearest neighbour as it is from its nearest calibration input (a conformal test: about this share of ordinary inputs is flagged too)',
  },
} as const;

export interface NoveltyPolicy {
  readonly mode: 'full' | 'trust';
  readonly level: number;
}

/** The policy from a selector's params (defaults where absent). */
export function noveltyPolicy(params: Readonly<Record<string, unknown>>): NoveltyPolicy {
  const mode = params.novel_inputs === 'trust' ? 'trust' : 'full';
  const level = typeof params.novelty_level === 'number' ? params.novelty_level : NOVELTY_PARAMS.novelty_level.default;
  return { mode, level };
}

/**
 * Applies the policy to a router's plan: a novel input planned to an early exit goes to the
 * full model, and the plan's reason says why. Plans of inputs without a novelty score (packs
 * without novelty maps) are returned as they are.
 */
export function checkNovelty(plan: ExitPlan, difficulty: Difficulty, policy: NoveltyPolicy): ExitPlan {
  const score = difficulty.novelty;
  if (!score) return plan;
  const novel = score.pValue < policy.level;
  const last = difficulty.exits.length - 1;
  const base: PlanNovelty = { pValue: score.pValue, distance: score.distance, level: policy.level, novel };
  if (!novel || policy.mode === 'trust' || plan.exit === last) return { ...plan, novelty: base };
  const full = difficulty.exits[last]!;
  const why =
    `novel input: its nearest calibration map is at distance ${score.distance.toFixed(3)}, farther than all but ` +
    `${((score.pValue * (score.n + 1) - 1) / score.n * 100).toFixed(1)}% of calibration maps are from theirs (p ${score.pValue.toFixed(3)} < ${policy.level}); ` +
    `the predictor and the calibration say nothing about such inputs, so the full model (the router had planned ${plan.exitName}: ${plan.reason})`;
  return {
    ...plan,
    exit: last,
    exitName: full.name,
    reason: why,
    expectedDistance: full.predicted,
    expectedMacs: full.macs + difficulty.predictorMacs,
    novelty: { ...base, escalatedFrom: plan.exit },
  };
}

/** The default policy: novel inputs (p < 0.01) to the full model. */
export const DEFAULT_NOVELTY_POLICY: NoveltyPolicy = { mode: 'full', level: NOVELTY_PARAMS.novelty_level.default };

/**
 * Whether a router's plans get the novelty check: routers that promise a quality (a tau) and
 * read the predictor. A budget or deadline router's promise is cost, and a fixed exit is the
 * user's choice.
 */
export function noveltyChecks(router: AnyRouterDefinition, checkedParams: Readonly<Record<string, unknown>>): boolean {
  return typeof checkedParams.tau === 'number' && router.usesPrediction !== false;
}
