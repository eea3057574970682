import type { Calibration, Difficulty } from '../../sdk/index.js';

/** Deterministic PRNG (mulberry32), so every trial is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
