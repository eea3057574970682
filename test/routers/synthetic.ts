import type { Calibration, Difficulty } from '../../sdk/early-exit/index.js';
import { rng } from '../support/seeded-random.js';

export { rng };

export const EXIT_MACS = [10, 30, 60, 100];

/**
 * Exchangeable synthetic inputs: a hidden difficulty h; the true distance of exit k falls with
 * depth and grows with h; the predictor sees it through noise (so it is sometimes optimistic).
 */
export function draw(random: () => number, count: number, noise = 0.05): { predicted: number[][]; measured: number[][] } {
  const predicted: number[][] = [];
  const measured: number[][] = [];
  for (let i = 0; i < count; i++) {
    const h = random() ** 2;
    const truth = EXIT_MACS.map((_, k) => (k === EXIT_MACS.length - 1 ? 0 : Math.max(0, h * (0.5 - 0.15 * k) + 0.02 * random())));
    measured.push(truth);
    predicted.push(truth.map((d, k) => (k === EXIT_MACS.length - 1 ? 0 : Math.max(0, d + noise * (random() * 2 - 1)))));
  }
  return { predicted, measured };
}

export function calibrationOf(data: { predicted: number[][]; measured: number[][] }): Calibration {
  return { metric: 'lpips-alex', ...data };
}

export function difficultyOf(predicted: readonly number[], calibration?: Calibration): Difficulty {
  return {
    pack: 'synthetic',
    metric: 'lpips-alex',
    exits: predicted.map((p, k) => ({ name: `exit${k}`, predicted: p, macs: EXIT_MACS[k]! })),
    predictorMacs: 0,
    ...(calibration ? { calibration } : {}),
  };
}

/**
 * Inputs of two kinds, with novelty distances: `near` ones like draw()'s (distance in [0, 1)),
 * and `far` ones (distance in [2, 3)) on which the predictor is optimistic by `bias`, as it is
 * on inputs unlike its training data.
 */
export function drawShifted(random: () => number, count: number, farShare: number, bias = 0.06): { predicted: number[][]; measured: number[][]; novelty: number[] } {
  const predicted: number[][] = [];
  const measured: number[][] = [];
  const novelty: number[] = [];
  for (let i = 0; i < count; i++) {
    const far = random() < farShare;
    const one = draw(random, 1, 0.03);
    measured.push(one.measured[0]!);
    predicted.push(one.predicted[0]!.map((p, k) => (k === EXIT_MACS.length - 1 || !far ? p : Math.max(0, p - bias))));
    novelty.push(far ? 2 + random() : random());
  }
  return { predicted, measured, novelty };
}

export function withNovelty(difficulty: Difficulty, distance: number): Difficulty {
  return { ...difficulty, novelty: { distance, nearest: 0, pValue: 0.5, n: 1 } };
}
