import { describe, expect, it } from 'vitest';
import { binomialCdf, conformalLambda, learnThenTestLambda, RouterRegistry, violations, type AnyRouterDefinition, type Calibration } from '../../sdk/early-exit/index.js';
import { calibrationOf, difficultyOf, draw, drawShifted, EXIT_MACS, rng, withNovelty } from './synthetic.js';

const registry = new RouterRegistry();

function route(name: string, predicted: number[], params: Record<string, unknown> = {}, calibration?: Calibration, extra: { measured?: number[]; latencyMs?: number[] } = {}, state?: unknown) {
  const router: AnyRouterDefinition = registry.get(name);
  const checked = registry.params(router, params);
  const prepared = registry.prepared(router, checked, calibration);
  return router.route({ difficulty: difficultyOf(predicted, calibration), ...(calibration ? { calibration } : {}), ...extra }, checked, prepared, state ?? router.createState?.());
}

describe('threshold, fixed, full, oracle', () => {
  it('threshold takes the earliest exit predicted <= tau, else the full model', () => {
    expect(route('threshold', [0.3, 0.08, 0.05, 0], { tau: 0.1 }).exit).toBe(1);
    expect(route('threshold', [0.3, 0.2, 0.15, 0], { tau: 0.1 }).exit).toBe(3);
    expect(route('threshold', [0.01, 0.2, 0.15, 0], { tau: 0.1 }).exit).toBe(0);
  });
  it('fixed and full pick what they say; a fixed exit out of range is an error', () => {
    expect(route('fixed', [0.3, 0.2, 0.1, 0], { exit: 2 }).exit).toBe(2);
    expect(route('fixed', [0.3, 0.2, 0.1, 0], { exit: -1 }).exit).toBe(3);
    expect(() => route('fixed', [0.3, 0.2, 0.1, 0], { exit: 7 })).toThrow(/exit 7 does not exist/);
    expect(route('full', [0, 0, 0, 0]).exit).toBe(3);
  });
  it('oracle uses measured distances and refuses to run without them', () => {
    expect(route('oracle', [0, 0, 0, 0], { tau: 0.1 }, undefined, { measured: [0.3, 0.09, 0.01, 0] }).exit).toBe(1);
    expect(() => route('oracle', [0, 0, 0, 0], { tau: 0.1 })).toThrow(/evaluation/);
  });
  it('unknown routers and bad params are errors naming them', () => {
    expect(() => registry.get('nope')).toThrow(/unknown router "nope".*risk/);
    expect(() => route('threshold', [0, 0], { tau: -1 })).toThrow(/router exitgraph\/threshold: invalid params: tau must be >= 0/);
    expect(() => route('threshold', [0, 0], { taux: 1 })).toThrow(/taux/);
  });
});

describe('risk router', () => {
  it('keeps the violation rate on fresh draws <= alpha on average over many trials (conformal)', () => {
    const tau = 0.1;
    const alpha = 0.1;
    const trials = 100;
    let violations = 0;
    let total = 0;
    let saved = 0;
    for (let t = 0; t < trials; t++) {
      const random = rng(1000 + t);
      const calibration = calibrationOf(draw(random, 300));
      const fresh = draw(random, 200);
      const router = registry.get('risk');
      const params = registry.params(router, { tau, alpha, method: 'conformal' });
      const prepared = registry.prepared(router, params, calibration);
      fresh.predicted.forEach((row, i) => {
        const plan = router.route({ difficulty: difficultyOf(row, calibration), calibration }, params, prepared, undefined);
        if (fresh.measured[i]![plan.exit]! > tau) violations += 1;
        saved += 1 - EXIT_MACS[plan.exit]! / 100;
        total += 1;
      });
    }
    const rate = violations / total;
    // Conformal risk control bounds the expected risk by alpha; allow 3 standard errors.
    expect(rate).toBeLessThanOrEqual(alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / total));
    // And it is not trivially safe: it does take early exits.
    expect(saved / total).toBeGreaterThan(0.2);
  });

  it('Learn-then-Test holds alpha in at least 1 - delta of calibration draws', () => {
    const tau = 0.1;
    const alpha = 0.1;
    const delta = 0.1;
    const trials = 60;
    let failures = 0;
    for (let t = 0; t < trials; t++) {
      const random = rng(5000 + t);
      const calibration = calibrationOf(draw(random, 300));
      const fresh = draw(random, 2000);
      const router = registry.get('risk');
      const params = registry.params(router, { tau, alpha, method: 'learn-then-test', delta });
      const prepared = registry.prepared(router, params, calibration);
      const bad = fresh.predicted.filter((row, i) => fresh.measured[i]![router.route({ difficulty: difficultyOf(row) }, params, prepared, undefined).exit]! > tau).length;
      if (bad / fresh.predicted.length > alpha) failures += 1;
    }
    expect(failures / trials).toBeLessThanOrEqual(delta + 3 * Math.sqrt((delta * (1 - delta)) / trials));
  });

  it('sends everything to the full model when no threshold can be certified', () => {
    const calibration = calibrationOf(draw(rng(1), 5));
    const plan = route('risk', [0, 0, 0, 0], { tau: 0.1, alpha: 0.1 }, calibration);
    expect(plan.exit).toBe(3);
    expect(plan.reason).toMatch(/no early exit/);
  });

  it('fits near and far inputs apart (novelty groups), so a stream of far inputs keeps alpha where one lambda does not', () => {
    const tau = 0.1;
    const alpha = 0.1;
    const delta = 0.1;
    const trials = 40;
    const failures = { grouped: 0, single: 0 };
    let farSaved = 0;
    const nearSaved = { grouped: 0, single: 0 };
    const router = registry.get('risk');
    for (let t = 0; t < trials; t++) {
      const random = rng(9000 + t);
      // A calibration set of mostly near inputs, a quarter far; then a stream of far inputs only.
      const calibration: Calibration = { metric: 'lpips-alex', ...drawShifted(random, 500, 0.25) };
      const stream = drawShifted(random, 1000, 1);
      const near = drawShifted(random, 1000, 0);
      for (const [kind, groups] of [['grouped', 4], ['single', 1]] as const) {
        const params = registry.params(router, { tau, alpha, delta, novelty_groups: groups });
        const prepared = registry.prepared(router, params, calibration);
        const exits = (data: typeof stream) => data.predicted.map((row, i) => router.route({ difficulty: withNovelty(difficultyOf(row), data.novelty[i]!) }, params, prepared, undefined).exit);
        const farExits = exits(stream);
        const bad = farExits.filter((exit, i) => stream.measured[i]![exit]! > tau).length;
        if (bad / farExits.length > alpha) failures[kind] += 1;
        const saved = (chosen: number[]) => chosen.reduce((sum, exit) => sum + 1 - EXIT_MACS[exit]! / 100, 0) / chosen.length;
        if (kind === 'grouped') farSaved += saved(farExits);
        nearSaved[kind] += saved(exits(near));
      }
    }
    // Grouped: the far group's own Learn-then-Test fit holds alpha on far inputs in 1 - delta of draws.
    expect(failures.grouped / trials).toBeLessThanOrEqual(delta + 3 * Math.sqrt((delta * (1 - delta)) / trials));
    // One lambda fitted on the mix lets the predictor's optimism on far inputs through.
    expect(failures.single / trials).toBeGreaterThan(0.5);
    // Far inputs still take early exits, and near inputs no longer pay for the far ones' errors.
    expect(farSaved / trials).toBeGreaterThan(0.1);
    expect(nearSaved.grouped).toBeGreaterThan(nearSaved.single);
  });

  it('says which novelty group an input fell in, and takes the whole set\'s lambda for inputs without a novelty score', () => {
    const calibration: Calibration = { metric: 'lpips-alex', ...drawShifted(rng(3), 500, 0.25) };
    const router = registry.get('risk');
    const params = registry.params(router, { tau: 0.1, alpha: 0.1 });
    const prepared = registry.prepared(router, params, calibration) as { groups?: { edges: number[]; fits: { lambda: number; n: number; calibrationViolations: number }[] }; lambda: number; n: number };
    expect(prepared.groups?.fits).toHaveLength(4);
    expect(prepared.n).toBe(500);
    const far = router.route({ difficulty: withNovelty(difficultyOf([0.2, 0.1, 0.05, 0]), 2.5) }, params, prepared, undefined);
    expect(far.reason).toMatch(/novelty group 4 of 4 \(distance 2\.500\)/);
    const farthest = prepared.groups!.fits[3]! as { lambda: number; n: number; calibrationViolations: number };
    // The plan carries the figures of the fit that routed it: the group's own, not the whole set's.
    expect(far.details).toMatchObject({ lambda: farthest.lambda, calibration_size: farthest.n, calibration_violations: farthest.calibrationViolations, novelty_group: 4 });
    expect(farthest.n).toBeLessThan(200);
    const plain = router.route({ difficulty: difficultyOf([0.2, 0.1, 0.05, 0]) }, params, prepared, undefined);
    expect(plain.reason).not.toMatch(/novelty group/);
    expect(plain.details).toMatchObject({ lambda: prepared.lambda, calibration_size: 500 });
    // Fewer than 100 calibration inputs per group: one lambda for all.
    const small: Calibration = { metric: 'lpips-alex', ...drawShifted(rng(4), 150, 0.25) };
    expect((registry.prepared(router, params, small) as { groups?: unknown }).groups).toBeUndefined();
    // Many inputs at the smallest distance: no empty nearest group (it would send the most ordinary inputs to the full model).
    const tied: Calibration = { ...calibration, novelty: calibration.novelty!.map((d, i) => (i < 300 ? 0 : d)) };
    const tiedFit = registry.prepared(router, params, tied) as { groups: { fits: { n: number }[] } };
    for (const group of tiedFit.groups.fits) expect(group.n).toBeGreaterThan(0);
    expect(router.route({ difficulty: withNovelty(difficultyOf([0.01, 0.01, 0.01, 0]), 0) }, params, tiedFit, undefined).exit).toBe(0);
    // A calibration set without novelty distances gets one lambda.
    const { novelty: _dropped, ...plainCalibration } = calibration;
    expect((registry.prepared(router, params, plainCalibration) as { groups?: unknown }).groups).toBeUndefined();
  });

  it('needs a calibration set', () => {
    expect(() => route('risk', [0.1, 0.1, 0.1, 0])).toThrow(/calibration/);
  });
});

describe('budget router', () => {
  it('meets its average compute budget over a stream and spends it on the hardest inputs', () => {
    const calibration = calibrationOf(draw(rng(7), 500));
    const stream = draw(rng(8), 1000);
    for (const budget of [0.2, 0.35, 0.6]) {
      const router = registry.get('budget');
      const params = registry.params(router, { budget });
      const prepared = registry.prepared(router, params, calibration);
      const state = router.createState!();
      let spent = 0;
      const hardOnesExit: number[] = [];
      const easyOnesExit: number[] = [];
      stream.predicted.forEach((row) => {
        const plan = router.route({ difficulty: difficultyOf(row, calibration), calibration }, params, prepared, state);
        spent += EXIT_MACS[plan.exit]! / 100;
        (row[0]! > 0.3 ? hardOnesExit : row[0]! < 0.05 ? easyOnesExit : []).push(plan.exit);
      });
      expect(spent / stream.predicted.length).toBeLessThanOrEqual(budget + 1e-9);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      if (budget > 0.3) expect(mean(hardOnesExit)).toBeGreaterThan(mean(easyOnesExit));
    }
  });
});

describe('plugin routers', () => {
  it('are refused when their params schema is not a valid JSON Schema, naming pack, router and keyword', () => {
    const threshold = registry.get('threshold');
    const broken = { ...threshold, id: 'plug/broken', params: { type: 'object', properties: { tau: { type: 'number', maximum: 'high' } } } } as unknown as AnyRouterDefinition;
    const own = new RouterRegistry();
    expect(() => own.add(broken, 'pack plug')).toThrow(/pack plug: router plug\/broken: its params schema is not a valid JSON Schema: \/properties\/tau\/maximum must be number/);
    expect(own.names()).not.toContain('plug/broken');
  });
});

describe('deadline router', () => {
  it('picks the exits that fit the deadline and adapts to measured latency', () => {
    const router = registry.get('deadline');
    const params = registry.params(router, { deadline_ms: 25, tau: 0.0 });
    const state = router.createState!() as { latency: number[] };
    const predicted = [0.3, 0.2, 0.1, 0];
    const first = router.route({ difficulty: difficultyOf(predicted), latencyMs: [5, 15, 30, 50] }, params, undefined, state);
    expect(first.exit).toBe(1);
    // The device turns out twice as fast: exit 2 (30 ms -> ~15 ms) now fits.
    for (let i = 0; i < 10; i++) router.observe!(state, { exit: 1, macs: 30, latencyMs: 7.5 });
    const later = router.route({ difficulty: difficultyOf(predicted), latencyMs: [5, 15, 30, 50] }, params, undefined, state);
    expect(later.exit).toBeGreaterThan(1);
  });

  it('takes an exit whose latency is unknown (NaN: not run yet) from the others by MACs, not as one that never fits', () => {
    const router = registry.get('deadline');
    const params = registry.params(router, { deadline_ms: 1000, tau: 0.0 });
    const state = router.createState!() as { latency: number[] };
    // Only exit 0 was timed; with a generous deadline every exit fits, so the full model is the one predicted <= 0.
    const plan = router.route({ difficulty: difficultyOf([0.3, 0.2, 0.1, 0]), latencyMs: [5, Number.NaN, Number.NaN, Number.NaN] }, params, undefined, state);
    expect(plan.exit).toBe(3);
    expect(state.latency.every(Number.isFinite)).toBe(true);
    expect(state.latency[3]).toBeCloseTo((5 * EXIT_MACS[3]!) / EXIT_MACS[0]!, 6);
  });
});

describe('binomialCdf', () => {
  it('matches exact small cases', () => {
    expect(binomialCdf(0, 3, 0.5)).toBeCloseTo(0.125, 12);
    expect(binomialCdf(1, 3, 0.5)).toBeCloseTo(0.5, 12);
    expect(binomialCdf(3, 3, 0.5)).toBe(1);
    expect(binomialCdf(2, 10, 0.3)).toBeCloseTo(0.3827827864, 9);
    expect(binomialCdf(40, 500, 0.1)).toBeLessThan(binomialCdf(50, 500, 0.1));
  });
});

describe('lambda fits', () => {
  // The fits count violations in one sweep over the candidates; this is the same scan with
  // `violations` counted afresh for every candidate lambda.
  const scan = (calibration: Calibration, tau: number, stop: (v: number) => boolean): { lambda: number; calibrationViolations: number } => {
    const values = [...new Set(calibration.predicted.flatMap((row) => row.slice(0, -1)))].sort((a, b) => a - b);
    let best = { lambda: -Infinity, calibrationViolations: 0 };
    for (const lambda of values) {
      const v = violations(calibration, lambda, tau);
      if (stop(v)) break;
      best = { lambda, calibrationViolations: v };
    }
    return best;
  };

  it('equal the scan that counts violations afresh at every candidate lambda, ties included', () => {
    const random = rng(17);
    for (let trial = 0; trial < 30; trial++) {
      const data = draw(random, 50 + trial * 20, 0.02 + 0.01 * (trial % 5));
      // Rounded predictions in half the trials: many inputs share candidate values.
      if (trial % 2) data.predicted = data.predicted.map((row) => row.map((p) => Math.round(p * 50) / 50));
      const calibration = calibrationOf(data);
      const n = data.predicted.length;
      for (const tau of [0.05, 0.1, 0.2]) {
        for (const alpha of [0.05, 0.1, 0.2]) {
          expect(learnThenTestLambda(calibration, tau, alpha, 0.1)).toEqual({ ...scan(calibration, tau, (v) => binomialCdf(v, n, alpha) > 0.1), n });
          expect(conformalLambda(calibration, tau, alpha)).toEqual({ ...scan(calibration, tau, (v) => (v + 1) / (n + 1) > alpha), n });
        }
      }
    }
  });
});
