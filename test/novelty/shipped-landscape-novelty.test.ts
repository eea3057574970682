/**
 * The novelty check on the shipped landscape pack, through the real nodes: maps unlike anything
 * the pack was calibrated on (noise, thin stripes) are routed to the full model with the reason,
 * while the pack's own test split is routed as the router says.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LabelMap } from '../../sdk/index.js';
import { loadModelPack, readNoveltyReference, readPackSplit, SAMPLING_GAP_LIMIT, type Difficulty, type ExitPlan } from '../../sdk/early-exit/index.js';
import { createTestHost } from '../../sdk/testing/index.js';
import { builtinPacks } from '../../nodes/index.js';

const PACK = fileURLToPath(new URL('../../models/packs/landscape', import.meta.url));

describe('novel inputs on the shipped landscape pack', () => {
  it('ships novelty maps of its calibration set and a painted-style split', async () => {
    const pack = await loadModelPack(PACK);
    // The calibration maps' label grids, the predictor's own features of them.
    expect(pack.manifest.novelty).toMatchObject({ file: 'novelty.u8', count: pack.calibration!.n, kind: 'label-grid' });
    expect(pack.manifest.splits?.painted?.count).toBeGreaterThanOrEqual(200);
    expect(existsSync(join(PACK, 'novelty.u8'))).toBe(true);
  });

  it('keeps its novelty reference in the cache folder: a second read scores every map as the first', async () => {
    const pack = await loadModelPack(PACK);
    const cache = mkdtempSync(join(tmpdir(), 'exitgraph-novelty-cache-'));
    const before = process.env.EXITGRAPH_CACHE_DIR;
    process.env.EXITGRAPH_CACHE_DIR = cache;
    try {
      const built = (await readNoveltyReference(pack))!;
      expect(readdirSync(join(cache, 'novelty')).filter((f) => f.endsWith('.bin'))).toHaveLength(1);
      const cached = (await readNoveltyReference(pack))!;
      const { labels } = await readPackSplit(pack, 'painted', 40);
      for (const map of labels) expect(cached.score(map)).toEqual(built.score(map));
    } finally {
      if (before === undefined) delete process.env.EXITGRAPH_CACHE_DIR;
      else process.env.EXITGRAPH_CACHE_DIR = before;
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('calibrates the risk router per novelty group: the estimator hands over the calibration inputs\' novelty distances, and each plan names its group', async () => {
    const pack = await loadModelPack(PACK);
    const host = await createTestHost({ builtins: builtinPacks });
    try {
      const { labels } = await readPackSplit(pack, 'painted', 20);
      const groups = new Set<string>();
      for (const map of labels) {
        const estimated = await host.runNode('exitgraph/DifficultyEstimator', { inputs: { label_map: map }, params: { pack: PACK } });
        const difficulty = estimated.outputs!.difficulty as Difficulty;
        expect(difficulty.calibration?.novelty).toHaveLength(pack.calibration!.n);
        const selected = await host.runNode('exitgraph/ExitSelector', { inputs: { difficulty }, params: { router: 'risk', tau: 0.1, alpha: 0.1, novel_inputs: 'trust' } });
        const plan = selected.outputs!.plan as ExitPlan;
        const group = /novelty group (\d) of 4 \(distance ([\d.]+)\)/.exec(plan.reason);
        expect(group, plan.reason).not.toBeNull();
        expect(Number(group![2])).toBeCloseTo(difficulty.novelty!.distance, 3);
        // The promise gives the figures of the group's own fit, as the reason does.
        const [, violations, size] = /(\d+)\/(\d+) calibration violations/.exec(plan.reason)!;
        expect(plan.promise).toMatchObject({ kind: 'risk', calibrationViolations: Number(violations), calibrationSize: Number(size) });
        expect(Number(size)).toBeLessThan(pack.calibration!.n / 2);
        groups.add(group![1]!);
      }
      // Painted maps lie in more than one group.
      expect(groups.size).toBeGreaterThan(1);
    } finally {
      await host.close();
    }
  });

  it('sends noise, stripes and maps finer than the predictor samples to the full model saying why, and ordinary maps where the router puts them', async () => {
    const pack = await loadModelPack(PACK);
    const { width, height, classes = [] } = pack.manifest.input;
    const mapOf = (id: (x: number, y: number) => number): LabelMap => ({ width, height, classes, ids: new Uint8Array(width * height).map((_, i) => id(i % width, Math.floor(i / width))) });
    const noise = mapOf((x, y) => ((y * width + x) * 2654435761) % 977 % classes.length);
    const stripes = mapOf((x) => Math.floor(x / 6) % classes.length);
    // Maps a 32 x 32 copy reads as one flat class (the novelty reference of earlier packs):
    // 1-px grass and flower columns, 2-px grass and rock rows; 1-px sky and cloud rows, a 1-px
    // rock and snow checkerboard.
    const columns = mapOf((x) => (x % 2 ? 9 : 7));
    const rows2 = mapOf((_, y) => (Math.floor(y / 2) % 2 ? 4 : 2));
    const rows = mapOf((_, y) => y % 2);
    const checker = mapOf((x, y) => ((x + y) % 2 ? 4 : 3));
    const host = await createTestHost({ builtins: builtinPacks });
    try {
      const plan = async (map: LabelMap): Promise<ExitPlan> => {
        const estimated = await host.runNode('exitgraph/DifficultyEstimator', { inputs: { label_map: map }, params: { pack: PACK } });
        const difficulty = estimated.outputs!.difficulty as Difficulty;
        // A lax bar, so that the router itself would take an early exit.
        const selected = await host.runNode('exitgraph/ExitSelector', { inputs: { difficulty }, params: { router: 'threshold', tau: 0.4 } });
        return selected.outputs!.plan as ExitPlan;
      };
      for (const map of [noise, stripes, columns, rows2]) {
        const p = await plan(map);
        expect(p.exitName).toBe('full');
        expect(p.novelty).toMatchObject({ novel: true, escalatedFrom: expect.any(Number) });
        expect(p.reason).toMatch(/^novel input: /);
      }
      // 1-px sky/cloud rows and the 1-px checkerboard lie far from the calibration maps (p below
      // 0.1) but not past the 0.01 level: the predictor's samples (one pixel in 2 x 2) read them
      // as one class with boundaries everywhere, and its distances are too low for them (the risk
      // router took exit 1 for the rows, 0.131 from the full output). Their sampling gap is 1.
      for (const map of [rows, checker]) {
        const estimated = await host.runNode('exitgraph/DifficultyEstimator', { inputs: { label_map: map }, params: { pack: PACK } });
        const difficulty = estimated.outputs!.difficulty as Difficulty;
        expect(difficulty.novelty!.pValue).toBeLessThan(0.1);
        expect(difficulty.novelty!.pValue).toBeGreaterThan(0.01);
        expect(difficulty.novelty!.samplingGap!.gap).toBeCloseTo(1, 6);
        const selected = await host.runNode('exitgraph/ExitSelector', { inputs: { difficulty }, params: { router: 'risk', tau: 0.1, alpha: 0.1 } });
        const p = selected.outputs!.plan as ExitPlan;
        expect(p.exitName).toBe('full');
        expect(p.novelty).toMatchObject({ novel: true, kind: 'sampling' });
        // The rows are the ones the router would route early; the checkerboard it sends to the full model itself.
        if (map === rows) {
          expect(p.novelty!.escalatedFrom).toBeLessThan(4);
          expect(p.reason).toMatch(/^novel input: its structure is finer than the predictor's samples/);
        }
      }
      // The pack's own test split (drawn like the calibration set): novel at about the level's
      // rate (0.01). Painted-style maps, from another generator than the brush-painted share of
      // the calibration set, are rarely novel outright but lie further from it: their p-values
      // sit well below the test split's.
      const reference = (await readNoveltyReference(pack))!;
      const pValues = async (split: string): Promise<number[]> => {
        const { labels } = await readPackSplit(pack, split, 100);
        return labels!.map((m) => reference.score(m).pValue).sort((a, b) => a - b);
      };
      const test = await pValues('test');
      expect(test.filter((p) => p < 0.01).length / test.length).toBeLessThanOrEqual(0.05);
      // No map of either split is finer than the predictor samples.
      for (const split of ['test', 'painted']) {
        const { labels } = await readPackSplit(pack, split);
        const gaps = labels!.map((m) => reference.score(m).samplingGap!.gap);
        expect(Math.max(...gaps)).toBeLessThan(SAMPLING_GAP_LIMIT);
      }
      const painted = await pValues('painted');
      expect(painted[50]!).toBeLessThan(test[50]! / 2);
    } finally {
      await host.close();
    }
  });
});
