import type { Difficulty, ExitPlan, NoveltyKind, PlanNovelty } from '../plans.js';
import type { AnyRouterDefinition } from '../routers/define-router.js';
import type { NoveltyScore } from './novelty-reference.js';

/**
 * A sampling gap (NoveltyScore.samplingGap) above this makes an input novel whatever its
 * distance: the predictor's samples then misread at least one cell's classes by half of what
 * they are. Ordinary maps stay far below it (at most 0.28 on the landscape pack's procedural
 * and painted-style splits); 1-pixel stripes and checkerboards reach 1.
 */
export const SAMPLING_GAP_LIMIT = 0.5;

/** How `score` is novel at `level`, or undefined when it is not. */
export function noveltyKind(score: NoveltyScore, level: number): NoveltyKind | undefined {
  if (score.pValue < level) return 'distance';
  if (score.samplingGap && score.samplingGap.gap > SAMPLING_GAP_LIMIT) return 'sampling';
  return undefined;
}

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
      "What to do with an input unlike every calibration input (novelty p-value below novelty_level, or structure finer than the predictor samples): 'full' runs the full model, because the predictor and the calibrated bound say nothing about such inputs; 'trust' routes it like any other",
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
  const kind = noveltyKind(score, policy.level);
  const last = difficulty.exits.length - 1;
  const gap = score.samplingGap;
  const base: PlanNovelty = { pValue: score.pValue, distance: score.distance, level: policy.level, novel: kind !== undefined, ...(kind ? { kind } : {}), ...(gap ? { samplingGap: gap.gap } : {}) };
  if (!kind || policy.mode === 'trust' || plan.exit === last) return { ...plan, novelty: base };
  const full = difficulty.exits[last]!;
  const what =
    kind === 'distance'
      ? `its nearest calibration map is at distance ${score.distance.toFixed(3)}, farther than all but ` +
        `${((score.pValue * (score.n + 1) - 1) / score.n * 100).toFixed(1)}% of calibration maps are from theirs (p ${score.pValue.toFixed(3)} < ${policy.level})`
      : `its structure is finer than the predictor's samples: in grid cell (${gap!.cell[0]}, ${gap!.cell[1]}) the classes of its pixels and of the samples ` +
        `differ by ${gap!.gap.toFixed(2)} of 2 (above ${SAMPLING_GAP_LIMIT}: 1-pixel stripes or checks read as one class)`;
  const why = `novel input: ${what}; the predictor and the calibration say nothing about such inputs, so the full model (the router had planned ${plan.exitName}: ${plan.reason})`;
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
