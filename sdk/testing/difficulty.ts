import type { Calibration, Difficulty } from '../early-exit/index.js';

/** What `fixedDifficulty` needs besides the predicted distances. */
export interface FixedDifficultyOptions {
  /** MACs to reach each exit. Default: evenly spaced, the full model at 100. */
  readonly macs?: readonly number[];
  /** Exit names. Default `exit0`, `exit1`, ..., `full` for the last. */
  readonly names?: readonly string[];
  /** MACs of the predictor. Default 1. */
  readonly predictorMacs?: number;
  /** A calibration set, for risk-controlled routers. */
  readonly calibration?: Calibration;
  /** Measured latency per exit (ms), for deadline routers. */
  readonly latencyMs?: readonly number[];
  /** Pack name. Default `test`. */
  readonly pack?: string;
  /** Metric of the distances. Default `lpips-alex`. */
  readonly metric?: string;
}

/**
 * A difficulty estimate with the given predicted distance per exit (the last exit is the full
 * model): what a Difficulty Estimator would hand a router, without running a model. Lengths of
 * `macs`, `names` and `latencyMs` must match `predicted`.
 */
export function fixedDifficulty(predicted: readonly number[], options: FixedDifficultyOptions = {}): Difficulty {
  const count = predicted.length;
  if (count < 1) throw new Error('fixedDifficulty: give at least one predicted distance (one per exit)');
  const macs = options.macs ?? predicted.map((_, k) => Math.round((100 * (k + 1)) / count));
  const names = options.names ?? predicted.map((_, k) => (k === count - 1 ? 'full' : `exit${k}`));
  for (const [field, values] of [['macs', macs], ['names', names], ['latencyMs', options.latencyMs]] as const) {
    if (values && values.length !== count) throw new Error(`fixedDifficulty: "${field}" has ${values.length} entries, expected ${count} (one per exit)`);
  }
  return {
    pack: options.pack ?? 'test',
    metric: options.metric ?? 'lpips-alex',
    exits: predicted.map((distance, k) => ({ name: names[k] ?? `exit${k}`, predicted: distance, macs: macs[k] ?? 0 })),
    predictorMacs: options.predictorMacs ?? 1,
    ...(options.calibration ? { calibration: options.calibration } : {}),
    ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}),
  };
}
