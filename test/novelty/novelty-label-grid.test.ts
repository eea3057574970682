/**
 * Novelty of kind label-grid: the reference is the calibration maps' label grids (counts, as a
 * pack ships them), an input's features its label grid pooled to the novelty cells. What the
 * 32 x 32 maps of the older kind lose (1-px stripes, 1-px checkerboards) is seen here, and an
 * input drawn like the reference is not novel.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LabelMap } from '../../sdk/index.js';
import { FEATURE_MAP_SIZE, inspectModelPack, labelMapFeatures, loadModelPack, NoveltyReference, readNoveltyReference } from '../../sdk/early-exit/index.js';
import { tempPackCopy } from '../packs/helpers.js';
import { featuresOfLabelGrid } from '../../sdk/early-exit/novelty/label-map-features.js';
import { labelGridOfIds, labelGridSamplingGap } from '../../sdk/early-exit/packs/predictor-features.js';
import { rng as random } from '../support/seeded-random.js';

const CLASSES = ['sky', 'mountain', 'water', 'grass', 'tree'];
const SIZE = 64;
const GRID = 8;
const STRIDE = 2;
const SAMPLES = (SIZE / STRIDE / GRID) ** 2;

const labelGridOf = (map: LabelMap): Float32Array => labelGridOfIds(map.ids, map.width, map.height, CLASSES.length, GRID, STRIDE, undefined, 'pixel-or-sample');

function landscape(seed: number): LabelMap {
  const r = random(seed);
  const horizon = SIZE * (0.3 + 0.3 * r());
  const shore = horizon + SIZE * (0.1 + 0.3 * r());
  const ground = r() < 0.5 ? 2 : 3;
  const ids = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) ids[y * SIZE + x] = y < horizon ? 0 : y < shore ? 1 : ground;
  return { width: SIZE, height: SIZE, ids, classes: CLASSES };
}
const mapOf = (fill: (x: number, y: number) => number): LabelMap => {
  const ids = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) ids[y * SIZE + x] = fill(x, y);
  return { width: SIZE, height: SIZE, ids, classes: CLASSES };
};

/** Counts as the toolkit writes them: each share times the samples per cell. */
function referenceOf(maps: readonly LabelMap[]): NoveltyReference {
  const size = (CLASSES.length + 1) * GRID * GRID;
  const counts = new Uint8Array(maps.length * size);
  maps.forEach((map, i) => counts.set(Array.from(labelGridOf(map), (share) => Math.round(share * SAMPLES)), i * size));
  return NoveltyReference.fromLabelGrids(counts, maps.length, CLASSES.length, GRID, SAMPLES, labelGridOf);
}

describe('label-grid novelty', () => {
  it('pools the label grid to the novelty cells: the shares of 2 x 2 grid cells averaged', () => {
    const grid = new Float32Array((CLASSES.length + 1) * GRID * GRID);
    // Class 1 fills grid cell (0, 0) only; the boundary share is 1 in grid cell (7, 7).
    grid[1 * GRID * GRID + 0] = 1;
    grid[CLASSES.length * GRID * GRID + 63] = 1;
    const pooled = featuresOfLabelGrid(grid, CLASSES.length, GRID);
    const perCell = CLASSES.length + 1;
    expect(pooled.length).toBe(16 * perCell);
    expect(pooled[0 * perCell + 1]).toBeCloseTo(0.25, 6);
    expect(pooled[15 * perCell + CLASSES.length]).toBeCloseTo(0.25, 6);
    expect(pooled.reduce((a, b) => a + b, 0)).toBeCloseTo(0.5, 6);
  });

  it('flags 1-px stripes and checkerboards that the 32 x 32 maps read as one flat class, and not maps like the reference', () => {
    const reference = referenceOf([...Array.from({ length: 200 }, (_, i) => landscape(i)), mapOf(() => 0), mapOf(() => 1)]);
    const stripes = mapOf((_, y) => (y % 2 ? 2 : 0));
    const checker = mapOf((x, y) => ((x + y) % 2 ? 3 : 0));
    for (const map of [stripes, checker]) {
      // What the older kind sees: the 32 x 32 resize keeps every other pixel, one flat class.
      const small = labelMapFeatures(map, CLASSES.length);
      expect(Math.max(...small.subarray(0, CLASSES.length))).toBeCloseTo(1, 6);
      expect(small[CLASSES.length]).toBe(0);
      expect(reference.score(map).pValue).toBeLessThan(0.01);
    }
    const ordinary = Array.from({ length: 50 }, (_, i) => reference.score(landscape(1000 + i)).pValue);
    expect(ordinary.filter((p) => p < 0.01).length).toBeLessThanOrEqual(3);
  });

  it('survives the cache bytes: the same scores with the label-grid features', () => {
    const reference = referenceOf(Array.from({ length: 40 }, (_, i) => landscape(i)));
    const again = NoveltyReference.fromBytes(reference.toBytes(), CLASSES.length, (map) => featuresOfLabelGrid(labelGridOf(map), CLASSES.length, GRID))!;
    for (const map of [landscape(77), mapOf((x) => x % 3)]) expect(again.score(map)).toEqual(reference.score(map));
    expect(FEATURE_MAP_SIZE).toBe(32);
  });

  it('measures how far the samples misread a map: 1 for 1-px stripes and checks, 0 for 2-px ones, little for ordinary maps', () => {
    const gapOf = (map: LabelMap, stride = STRIDE) => labelGridSamplingGap(map.ids, map.width, map.height, CLASSES.length, GRID, stride);
    // Every 2nd row of each cell sampled: the samples see class 0 only, the pixels half 0, half 2.
    expect(gapOf(mapOf((_, y) => (y % 2 ? 2 : 0)))).toEqual({ gap: 1, cell: [0, 0] });
    expect(gapOf(mapOf((x, y) => ((x + y) % 2 ? 3 : 0))).gap).toBeCloseTo(1, 6);
    expect(gapOf(mapOf((_, y) => (Math.floor(y / 2) % 2 ? 2 : 0))).gap).toBe(0);
    // Every pixel sampled: nothing to misread.
    expect(gapOf(mapOf((x, y) => ((x + y) % 2 ? 3 : 0)), 1).gap).toBe(0);
    // 1-px stripes in one cell only (column 5, row 2): that cell is the worst, at 1.
    expect(gapOf(mapOf((x, y) => (x >= 40 && x < 48 && y >= 16 && y < 24 && y % 2 ? 4 : 0)))).toEqual({ gap: 1, cell: [5, 2] });
    for (let seed = 0; seed < 20; seed++) expect(gapOf(landscape(seed)).gap).toBeLessThan(0.3);
    // Ids are translated as the label grid translates them: map id 1 is pack class 4.
    const translated = labelGridSamplingGap(mapOf((_, y) => (y % 2 ? 1 : 0)).ids, SIZE, SIZE, CLASSES.length, GRID, STRIDE, [0, 4]);
    expect(translated.gap).toBe(1);
  });

  it('hands the sampling gap out with the score when it is given one, also from the cache bytes', () => {
    const maps = Array.from({ length: 40 }, (_, i) => landscape(i));
    const gapOf = (map: LabelMap) => labelGridSamplingGap(map.ids, map.width, map.height, CLASSES.length, GRID, STRIDE);
    const size = (CLASSES.length + 1) * GRID * GRID;
    const counts = new Uint8Array(maps.length * size);
    maps.forEach((map, i) => counts.set(Array.from(labelGridOf(map), (share) => Math.round(share * SAMPLES)), i * size));
    const reference = NoveltyReference.fromLabelGrids(counts, maps.length, CLASSES.length, GRID, SAMPLES, labelGridOf, gapOf);
    const rows = mapOf((_, y) => (y % 2 ? 2 : 0));
    expect(reference.score(rows).samplingGap).toEqual({ gap: 1, cell: [0, 0] });
    const again = NoveltyReference.fromBytes(reference.toBytes(), CLASSES.length, (map) => featuresOfLabelGrid(labelGridOf(map), CLASSES.length, GRID), gapOf)!;
    expect(again.score(rows)).toEqual(reference.score(rows));
    // Without one (references of the older kind), no gap.
    expect(referenceOf(maps).score(rows).samplingGap).toBeUndefined();
  });

  it('says which file size it expected', () => {
    expect(() => NoveltyReference.fromLabelGrids(new Uint8Array(10), 2, CLASSES.length, GRID, SAMPLES, labelGridOf)).toThrow(/expected 2 x 6 x 8 x 8 = 768 bytes, got 10/);
  });
});

describe('label-grid novelty in a manifest', () => {
  const FIXTURE_CLASSES = 4;
  async function packWith(novelty: Record<string, unknown>, bytes: number, grid = 4): Promise<string> {
    const dir = await tempPackCopy('tiny-landscape');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.predictor.features = { name: 'label_grid', kind: 'label-grid', from: 'label_map', grid, stride: 2, boundary: 'pixel-or-sample' };
    manifest.novelty = { file: 'novelty.u8', split: 'calibration', ...novelty };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    // Counts of a map that is all class 0 (64 samples per cell of a 64 px map on a 4 x 4 grid).
    const counts = new Uint8Array(bytes);
    for (let i = 0; i + grid * grid <= bytes; i += (FIXTURE_CLASSES + 1) * grid * grid) counts.fill(64, i, i + grid * grid);
    await writeFile(join(dir, 'novelty.u8'), counts);
    return dir;
  }
  const errors = async (dir: string) => (await inspectModelPack(dir)).problems.filter((p) => p.severity === 'error');

  it('needs no size fields, a file of count x (C + 1) x grid x grid bytes, and a grid that pools to 4 x 4', async () => {
    const size = 16 * (FIXTURE_CLASSES + 1) * 4 * 4;
    const good = await packWith({ count: 16, kind: 'label-grid' }, size);
    expect(await errors(good)).toEqual([]);
    const reference = (await readNoveltyReference(await loadModelPack(good)))!;
    expect(reference.size).toBe(16);
    expect(await errors(await packWith({ count: 16, kind: 'label-grid' }, size - 1))).toContainEqual(expect.objectContaining({ file: 'novelty.u8', field: 'novelty.file', message: `is ${size - 1} bytes, expected ${size}` }));
    expect(await errors(await packWith({ count: 16, kind: 'label-grid' }, 16 * 5 * 4, 2))).toContainEqual(expect.objectContaining({ field: 'novelty.kind', message: expect.stringContaining('must be a multiple of 4') }));
    // The older kind still states its maps' size.
    expect(await errors(await packWith({ count: 16 }, 16 * 32 * 32))).toContainEqual(expect.objectContaining({ field: 'novelty.height', message: 'is required' }));
  });
});
