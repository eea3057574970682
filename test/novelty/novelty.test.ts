import { describe, expect, it } from 'vitest';
import type { LabelMap } from '../../sdk/index.js';
import { calibrationWithNovelty, checkNovelty, FEATURE_MAP_SIZE, featureDistance, labelMapFeatures, noveltyKind, NoveltyReference, planFor, SAMPLING_GAP_LIMIT, type Difficulty } from '../../sdk/early-exit/index.js';
import { fixedDifficulty } from '../../sdk/testing/index.js';
import { rng as random } from '../support/seeded-random.js';

const CLASSES = ['sky', 'mountain', 'water', 'grass', 'tree'];
const SIZE = 64;


/** The family the reference is built from: sky over mountains over water or grass. */
function landscape(seed: number, size = SIZE): LabelMap {
  const r = random(seed);
  const horizon = size * (0.3 + 0.3 * r());
  const shore = horizon + size * (0.1 + 0.3 * r());
  const ground = r() < 0.5 ? 2 : 3;
  const peak = r() * size;
  const ids = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const ridge = horizon - Math.max(0, size * 0.2 - Math.abs(x - peak) * 0.5);
      ids[y * size + x] = y < ridge ? 0 : y < shore ? 1 : ground;
    }
  }
  return { width: size, height: size, ids, classes: CLASSES };
}

function noise(seed: number): LabelMap {
  const r = random(seed);
  const ids = new Uint8Array(SIZE * SIZE).map(() => Math.floor(r() * CLASSES.length));
  return { width: SIZE, height: SIZE, ids, classes: CLASSES };
}

/** Reference maps as a pack ships them: FEATURE_MAP_SIZE squared class ids, back to back. */
function referenceOf(maps: readonly LabelMap[]): NoveltyReference {
  const n = FEATURE_MAP_SIZE;
  const bytes = new Uint8Array(maps.length * n * n);
  maps.forEach((m, i) => {
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) bytes[i * n * n + y * n + x] = m.ids[Math.floor(((y + 0.5) * m.height) / n) * m.width + Math.floor(((x + 0.5) * m.width) / n)]!;
  });
  return NoveltyReference.fromMaps(bytes, maps.length, CLASSES.length);
}

const reference = referenceOf(Array.from({ length: 300 }, (_, i) => landscape(i)));

describe('label-map features', () => {
  it('are class shares and boundary shares per cell: a flat map has no boundary, stripes have many', () => {
    const flat: LabelMap = { width: SIZE, height: SIZE, ids: new Uint8Array(SIZE * SIZE).fill(3), classes: CLASSES };
    const f = labelMapFeatures(flat, CLASSES.length);
    expect(f.length).toBe(16 * (CLASSES.length + 1));
    expect(f[3]).toBeCloseTo(1, 6);
    expect(f[CLASSES.length]).toBe(0);
    // 2 px stripes: the 32 x 32 resize keeps one pixel of every two, so it keeps these.
    const stripes: LabelMap = { ...flat, ids: flat.ids.map((_, i) => Math.floor((i % SIZE) / 2) % 2) };
    expect(labelMapFeatures(stripes, CLASSES.length)[CLASSES.length]).toBeGreaterThan(0.9);
    expect(featureDistance(f, f)).toBe(0);
    expect(featureDistance(f, labelMapFeatures(stripes, CLASSES.length))).toBeGreaterThan(1);
  });
});

describe('novelty reference', () => {
  it('gives inputs like the reference spread-out p-values, and noise, stripes and a single class the smallest', () => {
    // Fresh maps of the reference's family: p-values roughly uniform, few below 0.05.
    const fresh = Array.from({ length: 200 }, (_, i) => reference.score(landscape(10_000 + i)).pValue);
    expect(fresh.filter((p) => p < 0.05).length / fresh.length).toBeLessThan(0.12);
    expect(fresh.filter((p) => p > 0.5).length / fresh.length).toBeGreaterThan(0.3);
    const floor = 1 / (reference.size + 1);
    expect(reference.score(noise(1)).pValue).toBe(floor);
    const stripes: LabelMap = { width: SIZE, height: SIZE, ids: new Uint8Array(SIZE * SIZE).map((_, i) => Math.floor((i % SIZE) / 4) % CLASSES.length), classes: CLASSES };
    expect(reference.score(stripes).pValue).toBe(floor);
    const trees: LabelMap = { width: SIZE, height: SIZE, ids: new Uint8Array(SIZE * SIZE).fill(4), classes: CLASSES };
    expect(reference.score(trees).pValue).toBe(floor);
  });
  it('scores maps of any size (resized by nearest neighbour to 32 x 32)', () => {
    const small = reference.score(landscape(5, 32));
    const large = reference.score(landscape(5, 256));
    expect(Math.abs(small.distance - large.distance)).toBeLessThan(0.05);
  });
  it('reads back from its bytes (the on-disk cache) scoring every input the same; bytes of another class count are refused', () => {
    const again = NoveltyReference.fromBytes(reference.toBytes(), CLASSES.length)!;
    expect(again.size).toBe(reference.size);
    for (let i = 0; i < 30; i++) expect(again.score(landscape(20_000 + i))).toEqual(reference.score(landscape(20_000 + i)));
    // As read from a file: a Buffer at an odd offset of a larger one.
    const unaligned = Buffer.concat([Buffer.alloc(3), Buffer.from(reference.toBytes())]).subarray(3);
    expect(NoveltyReference.fromBytes(unaligned, CLASSES.length)!.score(landscape(20_000))).toEqual(reference.score(landscape(20_000)));
    expect(NoveltyReference.fromBytes(reference.toBytes(), CLASSES.length + 1)).toBeUndefined();
    expect(NoveltyReference.fromBytes(reference.toBytes().subarray(0, 100), CLASSES.length)).toBeUndefined();
  });
  it('p-values count the calibration maps as far from their nearest other map (checked by brute force)', () => {
    const maps = Array.from({ length: 40 }, (_, i) => landscape(30_000 + i));
    const small = referenceOf(maps);
    const features = maps.map((m) => labelMapFeatures(m, CLASSES.length));
    const spacing = features.map((f, i) => Math.min(...features.filter((_, j) => j !== i).map((g) => featureDistance(f, g))));
    for (let k = 0; k < 10; k++) {
      const score = small.score(landscape(40_000 + k));
      expect(score.pValue).toBeCloseTo((1 + spacing.filter((d) => d >= score.distance).length) / (maps.length + 1), 12);
    }
    // Each calibration map's own distance, in calibration order (what grouped risk control reads), also from the bytes.
    small.calibrationDistances().forEach((d, i) => expect(d).toBeCloseTo(spacing[i]!, 6));
    expect(NoveltyReference.fromBytes(small.toBytes(), CLASSES.length)!.calibrationDistances()).toEqual(small.calibrationDistances());
  });
  it('are handed to routers with the calibration set only when the novelty maps are of that set, one per input', () => {
    const maps = Array.from({ length: 40 }, (_, i) => landscape(50_000 + i));
    const small = referenceOf(maps);
    const row = [0.1, 0];
    const calibration = { metric: 'lpips-alex', split: 'calibration', n: 40, exits: ['exit0', 'full'], predicted: maps.map(() => row), measured: maps.map(() => row) };
    const pack = (split: string, n = 40) => ({ calibration: { ...calibration, n, predicted: calibration.predicted.slice(0, n), measured: calibration.measured.slice(0, n) }, manifest: { novelty: { split } } }) as unknown as Parameters<typeof calibrationWithNovelty>[0];
    expect(calibrationWithNovelty(pack('calibration'), small)?.novelty).toEqual(small.calibrationDistances());
    expect(calibrationWithNovelty(pack('guides'), small)?.novelty).toBeUndefined();
    expect(calibrationWithNovelty(pack('calibration', 39), small)?.novelty).toBeUndefined();
    expect(calibrationWithNovelty(pack('calibration'), undefined)?.novelty).toBeUndefined();
  });
  it('refuses maps of the wrong size, naming the byte counts', () => {
    expect(() => NoveltyReference.fromMaps(new Uint8Array(100), 2, 5)).toThrow(/expected 2 x 32 x 32 = 2048 bytes, got 100/);
  });
});

describe('novelty check on a plan', () => {
  const difficulty = (pValue: number): Difficulty => ({ ...fixedDifficulty([0.05, 0.03, 0.01, 0]), novelty: { distance: 0.9, nearest: 3, pValue, n: 300 } });
  it('moves a novel input to the full model and says why, with the router\'s own choice', () => {
    const d = difficulty(1 / 301);
    const plan = checkNovelty(planFor(d, 0, 'predicted 0.050 <= tau 0.1'), d, { mode: 'full', level: 0.01 });
    expect(plan.exit).toBe(3);
    expect(plan.exitName).toBe(d.exits[3]!.name);
    expect(plan.reason).toMatch(/^novel input: its nearest calibration map is at distance 0\.900.*p 0\.003 < 0\.01.*the router had planned exit0: predicted 0\.050 <= tau 0\.1/);
    expect(plan.novelty).toEqual({ pValue: 1 / 301, distance: 0.9, level: 0.01, novel: true, kind: 'distance', escalatedFrom: 0 });
    expect(plan.expectedMacs).toBe(d.exits[3]!.macs + d.predictorMacs);
  });
  it('moves an input finer than the predictor samples to the full model however near it lies, naming the cell', () => {
    const near = difficulty(0.4);
    const fine: Difficulty = { ...near, novelty: { ...near.novelty!, samplingGap: { gap: 1, cell: [2, 5] } } };
    const plan = checkNovelty(planFor(fine, 0, 'predicted 0.050 <= tau 0.1'), fine, { mode: 'full', level: 0.01 });
    expect(plan.exit).toBe(3);
    expect(plan.reason).toMatch(/^novel input: its structure is finer than the predictor's samples: in grid cell \(2, 5\) .* differ by 1\.00 of 2 .*the router had planned exit0/);
    expect(plan.novelty).toMatchObject({ novel: true, kind: 'sampling', samplingGap: 1, escalatedFrom: 0 });
    // A gap at the limit is ordinary (maps people paint reach 0.28), and the far test still comes first.
    const ordinary: Difficulty = { ...near, novelty: { ...near.novelty!, samplingGap: { gap: SAMPLING_GAP_LIMIT, cell: [0, 0] } } };
    expect(checkNovelty(planFor(ordinary, 1, 'r'), ordinary, { mode: 'full', level: 0.01 })).toMatchObject({ exit: 1, novelty: { novel: false, samplingGap: SAMPLING_GAP_LIMIT } });
    const both: Difficulty = { ...difficulty(0.001), novelty: { ...difficulty(0.001).novelty!, samplingGap: { gap: 1, cell: [0, 0] } } };
    expect(noveltyKind(both.novelty!, 0.01)).toBe('distance');
  });
  it('leaves ordinary inputs, trusted ones and inputs without a score where the router put them', () => {
    const ordinary = difficulty(0.4);
    expect(checkNovelty(planFor(ordinary, 1, 'r'), ordinary, { mode: 'full', level: 0.01 })).toMatchObject({ exit: 1, reason: 'r', novelty: { novel: false } });
    const novel = difficulty(0.001);
    expect(checkNovelty(planFor(novel, 1, 'r'), novel, { mode: 'trust', level: 0.01 })).toMatchObject({ exit: 1, novelty: { novel: true } });
    const none = fixedDifficulty([0.05, 0.03, 0.01, 0]);
    expect(checkNovelty(planFor(none, 1, 'r'), none, { mode: 'full', level: 0.01 })).toEqual(planFor(none, 1, 'r'));
  });
});
