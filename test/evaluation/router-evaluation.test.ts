import { describe, expect, it } from 'vitest';
import { bestFixedExit, evaluateRouter, RouterRegistry, spearman, tauCurve, type PackEvaluation } from '../../sdk/early-exit/index.js';

/** Three exits at 20 / 50 / 100 MACs; four inputs of rising difficulty; the predictor is exact. */
const measured = [
  [0.02, 0.01, 0],
  [0.08, 0.03, 0],
  [0.3, 0.09, 0],
  [0.5, 0.4, 0],
];
const evaluation: PackEvaluation = {
  pack: 'synthetic',
  dir: '.',
  device: 'cpu',
  metric: 'lpips-alex',
  split: 'test',
  n: 4,
  exits: [
    { name: 'e0', macs: 20, share: 0.2, headMacs: 5 },
    { name: 'e1', macs: 50, share: 0.5, headMacs: 5 },
    { name: 'full', macs: 100, share: 1, headMacs: 5 },
  ],
  fullMacs: 100,
  predictorMacs: 2,
  predicted: measured,
  measured,
  latencyMs: [2, 5, 10],
  predictorLatencyMs: 0.5,
  samples: [],
};
const registry = new RouterRegistry();

describe('evaluateRouter', () => {
  it('scores a router: MACs saved (predictor included), violations, mean distance, exits taken', () => {
    const f = evaluateRouter(evaluation, registry, 'threshold', { tau: 0.1 }, 0.1);
    // exits: 0, 0, 1, 2 -> MACs 22, 22, 52, 102 -> saved 0.78, 0.78, 0.48, -0.02
    expect(f.macs_saved).toBeCloseTo((0.78 + 0.78 + 0.48 - 0.02) / 4, 10);
    expect(f.exit_histogram).toEqual([0.5, 0.25, 0.25]);
    expect(f.violation_rate).toBe(0);
    expect(f.mean_lpips).toBeCloseTo((0.02 + 0.08 + 0.09 + 0) / 4, 10);
    expect(f.latency_saved).toBeCloseTo(1 - (2.5 + 2.5 + 5.5 + 10.5) / 4 / 10, 10);
  });

  it('the oracle pays no predictor and never violates; full saves nothing', () => {
    const oracle = evaluateRouter(evaluation, registry, 'oracle', { tau: 0.1 }, 0.1);
    expect(oracle.violation_rate).toBe(0);
    expect(oracle.macs_saved).toBeCloseTo((0.8 + 0.8 + 0.5 + 0) / 4, 10);
    const full = evaluateRouter(evaluation, registry, 'full', {}, 0.1);
    expect(full).toMatchObject({ macs_saved: 0, violation_rate: 0, mean_lpips: 0 });
  });

  it('a violation is a chosen exit further than tau from the full output', () => {
    const fixed = evaluateRouter(evaluation, registry, 'fixed', { exit: 0 }, 0.1);
    expect(fixed.violation_rate).toBe(0.5);
  });

  it('best fixed exit: the cheapest whose violation rate is within alpha', () => {
    expect(bestFixedExit(evaluation, registry, 0.1, 0.5).exit_histogram).toEqual([1, 0, 0]);
    expect(bestFixedExit(evaluation, registry, 0.1, 0.25).exit_histogram).toEqual([0, 1, 0]);
    expect(bestFixedExit(evaluation, registry, 0.1, 0).exit_histogram).toEqual([0, 0, 1]);
  });

  it('tau curves cover each router that takes a tau, and saving grows with tau', () => {
    const curve = tauCurve(evaluation, registry, [{ name: 'threshold', params: {} }, { name: 'full', params: {} }], [0.05, 0.1, 0.5]);
    expect(curve.map((p) => p.router)).toEqual(['threshold', 'threshold', 'threshold']);
    const saved = curve.map((p) => p.figures.macs_saved);
    expect(saved[0]!).toBeLessThanOrEqual(saved[1]!);
    expect(saved[1]!).toBeLessThanOrEqual(saved[2]!);
  });
});

describe('spearman', () => {
  it('is 1 for monotone pairs, -1 for reversed, and handles ties', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 400])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 2], [1, 2, 3])).toBeCloseTo(0.866025, 5);
  });
});
