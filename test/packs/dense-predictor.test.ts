/**
 * A predictor that is a dense chain over label-grid features is evaluated in JS by the runner
 * (PackRunnerOptions.jsPredictor): on a copy of the tiny fixture pack given such a predictor,
 * its distances equal onnxruntime's (a runner with the JS path off) on ordinary and hostile
 * maps, through `predict`, a run's `predict` and `predictBatch`, and no predictor session is
 * created for it.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LabelMap } from '../../sdk/kernel/image/image.js';
import { OnnxGraphBuilder, PackRunner, SessionCache } from '../../sdk/early-exit/index.js';
import { maxAbsDiff, tempPackCopy } from './helpers.js';

const SIZE = 64;
const CLASSES = ['sky', 'water', 'grass', 'rock'];
const GRID = 4;
const FEATURES = (CLASSES.length + 1) * GRID * GRID;

function values(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = ((s / 2147483648) * 2 - 1) * scale;
  }
  return out;
}

/** label_grid [1, 5, 4, 4] -> Flatten -> Gemm 80x24 -> LeakyRelu -> Gemm 24x4 -> Softplus: distances [1, 4]. */
function densePredictor(exits: number): Uint8Array {
  const g = new OnnxGraphBuilder();
  const x = g.input('label_grid', 'float32', [1, CLASSES.length + 1, GRID, GRID]);
  const h = g.op('LeakyRelu', [g.op('Gemm', [g.op('Flatten', [x], { axis: 1 }), g.initializer('w1', values(24 * FEATURES, 3, 0.3), [24, FEATURES]), g.initializer('b1', values(24, 4, 0.1))], { transB: 1 })], { alpha: 0.2 });
  g.node('Softplus', [g.op('Gemm', [h, g.initializer('w2', values(24 * exits, 5, 0.3), [24, exits]), g.initializer('b2', values(exits, 6, 0.1))])], ['distances']);
  g.output('distances', 'float32', [1, exits]);
  return g.toBytes();
}

const map = (fill: (x: number, y: number) => number): LabelMap => {
  const ids = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) ids[y * SIZE + x] = fill(x, y);
  return { width: SIZE, height: SIZE, ids, classes: CLASSES };
};
let noise = 7;
const MAPS: Record<string, LabelMap> = {
  'sky over water': map((_, y) => (y < 30 ? 0 : 1)),
  'a single class': map(() => 2),
  '1-px stripes': map((_, y) => y % 2),
  'a checkerboard': map((x, y) => (x + y) % 2 === 0 ? 3 : 0),
  noise: map(() => ((noise = (noise * 1103515245 + 12345) % 2147483648) >> 16) % 4),
};

describe('a dense predictor in JS', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempPackCopy('tiny-landscape');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.predictor = { ...manifest.predictor, input: 'label_grid', features: { name: 'label_grid', kind: 'label-grid', from: 'label_map', grid: GRID, stride: 2, boundary: 'pixel-or-sample' } };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    await writeFile(join(dir, 'predictor.onnx'), densePredictor(manifest.exits.length));
  });

  it('gives onnxruntime\'s distances on ordinary and hostile maps, with no predictor session', async () => {
    const sessions = new SessionCache();
    const inJs = await PackRunner.open(dir, { device: 'cpu', sessions });
    const viaSession = await PackRunner.open(dir, { device: 'cpu', jsPredictor: false });
    expect(inJs.predictsInJs).toBe(true);
    expect(viaSession.predictsInJs).toBe(false);
    expect(sessions.size).toBe(0);
    const distances = new Set<string>();
    for (const [name, labels] of Object.entries(MAPS)) {
      const js = await inJs.predict(labels);
      const ort = await viaSession.predict(labels);
      expect(js.distances, name).toHaveLength(ort.distances.length);
      expect(maxAbsDiff(js.distances, ort.distances), name).toBeLessThan(1e-5);
      expect(js.macs).toBe(ort.macs);
      const run = inJs.begin(labels);
      expect(maxAbsDiff((await run.predict()).distances, ort.distances), `${name}, in a run`).toBeLessThan(1e-5);
      run.dispose();
      distances.add(js.distances.map((d) => d.toFixed(4)).join());
    }
    // The maps differ, so do their predictions (the features reach the network).
    expect(distances.size).toBe(Object.keys(MAPS).length);
    const batch = await inJs.predictBatch(Object.values(MAPS));
    const one = await Promise.all(Object.values(MAPS).map((labels) => inJs.predict(labels)));
    expect(batch.map((p) => p.distances)).toEqual(one.map((p) => p.distances));
  });
});
