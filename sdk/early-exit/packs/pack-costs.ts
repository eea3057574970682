/**
 * A pack's compute costs, from the MACs counted in each of its ONNX graphs: per segment, guides,
 * head and predictor, the cumulative cost of reaching each exit, and each exit's share of the
 * full model (the last exit).
 */
import type { PackManifest } from './manifest.js';
import type { PackPlan, PackStep } from './pack-plan.js';

export interface ExitCost {
  readonly name: string;
  /** MACs of every session run to reach this exit from scratch. */
  readonly macs: number;
  /** macs / full model's macs. */
  readonly share: number;
  /** Step ids run to reach it, in order. */
  readonly steps: readonly string[];
}

export interface PackCosts {
  /** MACs per step id (`segment0`, `guides`, `head:exit0`, `predictor`). */
  readonly steps: Readonly<Record<string, number>>;
  readonly segments: readonly number[];
  readonly guides?: number;
  readonly heads: readonly number[];
  readonly exits: readonly ExitCost[];
  /** MACs of the last exit: the full model. */
  readonly full: number;
  readonly predictor: { readonly macs: number; readonly share: number };
  /**
   * MACs of the input-only stages (format 2), apart from the per-frame costs above: a cached
   * stage is paid once per distinct input, not per frame. 0 for packs without stages.
   */
  readonly stage_macs: number;
}

export function computeCosts(manifest: PackManifest, plan: PackPlan, macsByStep: ReadonlyMap<string, number>): PackCosts {
  const macsOf = (step: PackStep): number => macsByStep.get(step.id) ?? 0;
  const exitMacs = plan.exitSteps.map((steps) => steps.reduce((sum, step) => sum + macsOf(step), 0));
  const full = exitMacs[exitMacs.length - 1] ?? 0;
  const share = (macs: number): number => (full > 0 ? macs / full : 0);
  const steps: Record<string, number> = {};
  for (const step of [...plan.stages, ...plan.steps, plan.predictor]) steps[step.id] = macsOf(step);
  const guides = plan.steps.find((s) => s.kind === 'guides');
  return {
    steps,
    segments: manifest.segments.map((_, i) => steps[`segment${i}`] ?? 0),
    ...(guides ? { guides: macsOf(guides) } : {}),
    heads: manifest.exits.map((e) => steps[`head:${e.name}`] ?? 0),
    exits: manifest.exits.map((exit, k) => ({ name: exit.name, macs: exitMacs[k]!, share: share(exitMacs[k]!), steps: plan.exitSteps[k]!.map((s) => s.id) })),
    full,
    predictor: { macs: macsOf(plan.predictor), share: share(macsOf(plan.predictor)) },
    stage_macs: plan.stages.reduce((sum, step) => sum + macsOf(step), 0),
  };
}

/** Extra MACs to go from `from` (already run) to exit `to`: the steps of `to` not run for `from`. */
export function escalationMacs(plan: PackPlan, costs: PackCosts, from: number, to: number): number {
  const done = new Set(plan.exitSteps[from]!.map((s) => s.id));
  return plan.exitSteps[to]!.filter((s) => !done.has(s.id)).reduce((sum, s) => sum + (costs.steps[s.id] ?? 0), 0);
}
