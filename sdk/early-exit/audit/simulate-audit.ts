import { checkNovelty, DEFAULT_NOVELTY_POLICY, noveltyChecks, type NoveltyPolicy } from '../novelty/novelty-policy.js';
import type { PackEvaluation } from '../evaluation/pack-evaluation.js';
import { evaluatedDifficulty, type RouterFigures } from '../evaluation/router-evaluation.js';
import { RouterTally } from '../evaluation/router-tally.js';
import type { RouterRegistry } from '../routers/router-registry.js';
import { AuditLedger, type AuditFigures, type AuditSpec } from './audit-ledger.js';
import { tightened } from './selector-audit.js';

/** The audit's state after one input of the simulated stream. */
export interface AuditPoint {
  /** 1-based position of the input in the stream. */
  readonly input: number;
  readonly audited: boolean;
  /** The exit the (tightened) router took, and whether its output is further than tau from the full one. */
  readonly exit: number;
  readonly violation: boolean;
  /** Violations among all inputs so far (known in evaluation), over their count. */
  readonly runningRate: number;
  /** The audit's own estimate: violations among the audited inputs so far, with its interval. */
  readonly auditedRate: number;
  readonly interval: readonly [number, number];
  readonly offset: number;
}

export interface AuditSimulation {
  readonly spec: AuditSpec;
  readonly every: number;
  /** The router with the audit: its violations over all inputs, and MACs saved with the audit's cost. */
  readonly figures: RouterFigures;
  readonly audit: AuditFigures;
  readonly points: readonly AuditPoint[];
}

/**
 * The Exit Selector's audit replayed on an evaluated split, inputs in order: every `every`-th
 * input is audited (its true distance is already measured; the full model it would run costs
 * the full MACs plus the chosen exit's own head), and the router reads the ledger's offset, so
 * it tightens when the audit says so, as it would in a graph.
 */
export function simulateAudit(evaluation: PackEvaluation, registry: RouterRegistry, name: string, params: Record<string, unknown>, spec: AuditSpec, novelty: NoveltyPolicy = DEFAULT_NOVELTY_POLICY): AuditSimulation {
  const router = registry.get(name);
  const checked = registry.params(router, params);
  const prepared = registry.prepared(router, checked, evaluation.calibration);
  const state = router.createState?.();
  const usesPrediction = router.usesPrediction !== false;
  const checksNovelty = noveltyChecks(router, checked);
  const ledger = new AuditLedger(spec);
  const E = evaluation.exits.length;
  const fullLatency = evaluation.latencyMs[E - 1]!;
  const tally = new RouterTally(E, spec.tau, evaluation.fullMacs, fullLatency);
  const points: AuditPoint[] = [];
  evaluation.predicted.forEach((predicted, i) => {
    const measured = evaluation.measured[i]!;
    const due = ledger.nextInput();
    const estimate = evaluatedDifficulty(evaluation, predicted, usesPrediction, i);
    const difficulty = tightened(estimate, ledger.offset);
    const own = router.route({ difficulty, latencyMs: evaluation.latencyMs, measured, ...(evaluation.calibration ? { calibration: evaluation.calibration } : {}) }, checked, prepared, state);
    const plan = checksNovelty ? checkNovelty(own, difficulty, novelty) : own;
    const exit = plan.exit;
    const audited = due && exit < E - 1;
    const macs = evaluation.exits[exit]!.macs + (usesPrediction ? evaluation.predictorMacs : 0) + (audited ? evaluation.fullMacs - evaluation.exits[exit]!.macs + evaluation.exits[exit]!.headMacs : 0);
    const latency = (audited ? fullLatency + evaluation.latencyMs[exit]! : evaluation.latencyMs[exit]!) + (usesPrediction ? evaluation.predictorLatencyMs : 0);
    router.observe?.(state, { exit, macs, latencyMs: evaluation.latencyMs[exit]! });
    const violation = tally.record(exit, macs, latency, measured[exit]!, plan.novelty?.escalatedFrom !== undefined);
    const figures = due ? ledger.record(measured[exit]!) : ledger.figures();
    points.push({ input: i + 1, audited: due, exit, violation, runningRate: tally.violations / (i + 1), auditedRate: figures.rate, interval: figures.interval, offset: figures.offset });
  });
  return {
    spec,
    every: ledger.every,
    figures: tally.figures(router.id, checked),
    audit: ledger.figures(),
    points,
  };
}
