/**
 * `predictor.features` (kind label-grid): the numbers the runtime computes for a predictor, their
 * definition pinned on one small map (the toolkit's test, models/training/tests/
 * test_predictor_features.py, checks the same map against the same values), the manifest
 * checks, and on the shipped landscape pack (whose predictor reads them) the runner's
 * predictions against a direct run of predictor.onnx on features computed here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { LabelMap } from '../../sdk/kernel/image/image.js';
import { inspectModelPack, loadModelPack, packInputTensor, PackRunner, readPackSplit } from '../../sdk/early-exit/index.js';
import { labelGridOfIds, predictorFeaturesTensor } from '../../sdk/early-exit/packs/predictor-features.js';
import { maxAbsDiff, tempPackCopy } from './helpers.js';

const MAP = ['20001111', '00001111', '00001111', '00001111', '00000000', '00000000', '22221111', '22221111'];
// [class 0, class 1, class 2, boundary] x 2 x 2 cells, from the samples at even rows and columns:
// 2 0 1 1 / 0 0 1 1 / 0 0 0 0 / 2 2 1 1
const EXPECTED = [0.75, 0, 0.5, 0.5, 0, 1, 0, 0.5, 0.25, 0, 0.5, 0, 0.75, 0.5, 0.75, 0.5];
const ids = Uint8Array.from(MAP.join(''), Number);
const labelMap = (width: number, height: number, values: Uint8Array, classes: readonly string[]): LabelMap => ({ width, height, ids: values, classes });

const LANDSCAPE = fileURLToPath(new URL('../../models/packs/landscape/', import.meta.url));
const shippedHasFeatures = existsSync(join(LANDSCAPE, 'manifest.json')) && Boolean(JSON.parse(readFileSync(join(LANDSCAPE, 'manifest.json'), 'utf8')).predictor?.features);

describe('label-grid features', () => {
  it('are the class and boundary shares of the sampled pixels, per cell', () => {
    expect(Array.from(labelGridOfIds(ids, 8, 8, 3, 2, 2))).toEqual(EXPECTED);
    // This map's edges lie where the samples see them: the pixel rule adds nothing here.
    expect(Array.from(labelGridOfIds(ids, 8, 8, 3, 2, 2, undefined, 'pixel-or-sample'))).toEqual(EXPECTED);
  });

  it('see 1-px stripes between the samples only with the pixel rule (the toolkit checks the same map)', () => {
    // Rows 0 and 2, the sampled ones, are class 0; rows 1 and 3 class 1. [class 0, class 1, boundary].
    const stripes = Uint8Array.from('0000111100001111', Number);
    expect(Array.from(labelGridOfIds(stripes, 4, 4, 2, 1, 2, undefined, 'sampled'))).toEqual([1, 0, 0]);
    expect(Array.from(labelGridOfIds(stripes, 4, 4, 2, 1, 2, undefined, 'pixel-or-sample'))).toEqual([1, 0, 1]);
    // Vertical stripes and a one-hot tensor of them: the same through the tensor path.
    const vertical = Uint8Array.from('0101010101010101', Number);
    expect(Array.from(labelGridOfIds(vertical, 4, 4, 2, 1, 2, undefined, 'pixel-or-sample'))).toEqual([1, 0, 1]);
    const oneHot = new Float32Array(2 * 16);
    vertical.forEach((id, i) => (oneHot[id * 16 + i] = 1));
    const manifest = { name: 'test', input: { name: 'label_map', kind: 'label_map', height: 4, width: 4, classes: ['a', 'b'] } } as never;
    const features = { name: 'label_grid', kind: 'label-grid', from: 'label_map', grid: 1, stride: 2, boundary: 'pixel-or-sample' } as const;
    expect(Array.from(predictorFeaturesTensor(manifest, features, new ort.Tensor('float32', oneHot, [1, 2, 4, 4])).data as Float32Array)).toEqual([1, 0, 1]);
  });

  it('translate a map of its own class order by name, and read one-hot tensors the same', () => {
    const classes = ['sky', 'water', 'grass'];
    const manifest = { name: 'test', input: { name: 'label_map', kind: 'label_map', height: 8, width: 8, classes } } as never;
    const features = { name: 'label_grid', kind: 'label-grid', from: 'label_map', grid: 2, stride: 2 } as const;
    const direct = predictorFeaturesTensor(manifest, features, labelMap(8, 8, ids, classes));
    expect(Array.from(direct.data as Float32Array)).toEqual(EXPECTED);
    expect(direct.dims).toEqual([1, 4, 2, 2]);
    // The same picture with the classes listed in another order (ids renumbered to match).
    const reordered = ['grass', 'sky', 'water'];
    const renumbered = ids.map((id) => reordered.indexOf(classes[id]!));
    expect(Array.from(predictorFeaturesTensor(manifest, features, labelMap(8, 8, renumbered, reordered)).data as Float32Array)).toEqual(EXPECTED);
    const oneHot = packInputTensor(manifest, labelMap(8, 8, ids, classes));
    expect(Array.from(predictorFeaturesTensor(manifest, features, oneHot).data as Float32Array)).toEqual(EXPECTED);
  });

  it('say which grid does not divide the map', () => {
    expect(() => labelGridOfIds(ids, 8, 8, 3, 3, 2)).toThrow(/grid 3 x stride 2 must divide the map's 8x8 pixels/);
  });
});

describe('predictor.features in a manifest', () => {
  async function problemsWith(edit: (features: Record<string, unknown>) => void): Promise<{ field: string; message: string }[]> {
    const dir = await tempPackCopy('tiny-landscape');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.predictor.features = { name: 'label_grid', kind: 'label-grid', from: 'label_map', grid: 4, stride: 2 };
    edit(manifest.predictor.features);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    return (await inspectModelPack(dir)).problems.filter((p) => p.severity === 'error');
  }

  it('must be computed from a label map input, on a grid that divides it, under a new name', async () => {
    expect(await problemsWith((f) => (f.from = 'photo'))).toContainEqual(expect.objectContaining({ field: 'predictor.features.from', message: expect.stringContaining('"photo"') }));
    expect(await problemsWith((f) => (f.grid = 5))).toContainEqual(expect.objectContaining({ field: 'predictor.features', message: expect.stringContaining('grid 5 x stride 2 = 10 must divide') }));
    expect(await problemsWith((f) => (f.name = 'feat0'))).toContainEqual(expect.objectContaining({ field: 'predictor.features.name', message: expect.stringContaining('"feat0" is already produced') }));
    expect(await problemsWith((f) => (f.kind = 'histogram'))).toContainEqual(expect.objectContaining({ field: 'predictor.features.kind' }));
  });

  it('a predictor that reads the features is checked against their shape', async () => {
    // The fixture's predictor reads the one-hot map: told to read the features, its input does not fit.
    const found = await problemsWith(() => undefined);
    expect(found).toEqual([]);
    const dir = await tempPackCopy('tiny-landscape');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.predictor = { ...manifest.predictor, input: 'label_grid', features: { name: 'label_grid', kind: 'label-grid', from: 'label_map', grid: 4, stride: 2 } };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const problems = (await inspectModelPack(dir)).problems.filter((p) => p.severity === 'error');
    expect(problems).toContainEqual(expect.objectContaining({ file: 'predictor.onnx', field: 'predictor.input', message: expect.stringContaining('"label_grid"') }));
  });
});

describe.skipIf(!shippedHasFeatures)('the shipped landscape pack predicts from label-grid features', () => {
  it('runner predictions equal predictor.onnx run directly on features computed here, one by one and batched', async () => {
    const pack = await loadModelPack(LANDSCAPE);
    const features = pack.manifest.predictor.features!;
    const { labels } = await readPackSplit(pack, 'test', 6);
    const session = await ort.InferenceSession.create(pack.path(pack.manifest.predictor.file));
    const runner = await PackRunner.open(pack, { device: 'cpu' });
    try {
      // Its predictor is a dense chain: evaluated in JS, checked here against onnxruntime's run.
      expect(runner.predictsInJs).toBe(true);
      const batched = await runner.predictBatch(labels);
      for (const [i, map] of labels.entries()) {
        const grid = labelGridOfIds(map.ids, map.width, map.height, pack.manifest.input.classes!.length, features.grid, features.stride, undefined, features.boundary);
        const direct = await session.run({ [features.name]: new ort.Tensor('float32', grid, [1, pack.manifest.input.classes!.length + 1, features.grid, features.grid]) });
        const expected = direct[pack.manifest.predictor.output]!.data as Float32Array;
        const one = await runner.predict(map);
        expect(maxAbsDiff(one.distances, expected)).toBeLessThan(1e-6);
        // The runner's own path (no run, no tensor pool) and a run's predict agree to the bit.
        const run = runner.begin(map);
        expect((await run.predict()).distances).toEqual(one.distances);
        run.dispose();
        expect(maxAbsDiff(batched[i]!.distances, expected)).toBeLessThan(1e-5);
        // The same map as a one-hot tensor predicts the same.
        expect(maxAbsDiff((await runner.predict(packInputTensor(pack.manifest, map))).distances, expected)).toBeLessThan(1e-6);
      }
      // Predicting and then generating in one run: the exit's image is that of a direct run.
      const run = runner.begin(labels[0]!);
      await run.predict();
      const image = (await run.toExit(0)).data;
      run.dispose();
      expect(maxAbsDiff(image, (await runner.runExit(labels[0]!, 0)).data)).toBeLessThan(1e-5);
    } finally {
      await session.release();
    }
  });

  it('computes what the toolkit fed predictor.onnx at export (its parity vectors, when a build left them)', async (ctx) => {
    const parity = fileURLToPath(new URL('../../models/training/parity-out/landscape/', import.meta.url));
    if (!existsSync(join(parity, 'index.json'))) return ctx.skip('no parity vectors (only a pack build writes them)');
    const pack = await loadModelPack(LANDSCAPE);
    const features = pack.manifest.predictor.features!;
    const index = JSON.parse(readFileSync(join(parity, 'index.json'), 'utf8')) as { cases: { file: string; sample: number; inputs: { name: string; data: string }[] }[] };
    const cases = index.cases.filter((c) => c.file === pack.manifest.predictor.file);
    expect(cases.length).toBeGreaterThan(0);
    // The export's parity samples are the first maps of the test split.
    const { labels } = await readPackSplit(pack, 'test', cases.length);
    for (const c of cases) {
      const bytes = readFileSync(join(parity, c.inputs.find((i) => i.name === features.name)!.data));
      const fromTorch = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const ours = predictorFeaturesTensor(pack.manifest, features, labels[c.sample]!).data as Float32Array;
      expect(maxAbsDiff(ours, fromTorch)).toBeLessThan(1e-6);
    }
  });
});
