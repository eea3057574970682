/**
 * Batches: inputs bound for one exit run as one session run of the merged model with a batch
 * dimension, and give what one-by-one runs give, on the tiny fixture and the shipped landscape
 * pack; the same for the oracle pass (every exit) and the predictor, and across chunks when there
 * are more inputs than `maxBatch`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluatePack, loadModelPack, PackRunner, readPackSplit, SessionCache } from '../../sdk/early-exit/index.js';
import { packageRoot } from '../../sdk/index.js';
import { fixturePack, maxAbsDiff } from './helpers.js';

const LANDSCAPE = join(packageRoot(), 'models', 'packs', 'landscape');
const packs: [string, string][] = [['tiny-landscape', fixturePack('tiny-landscape')]];
if (existsSync(join(LANDSCAPE, 'manifest.json'))) packs.push(['landscape', LANDSCAPE]);

describe.each(packs)('batched runs equal one-by-one runs (%s)', (_name, dir) => {
  const setUp = async (maxBatch: number) => {
    const pack = await loadModelPack(dir);
    const sessions = new SessionCache({ optimizedModelDir: false });
    const runner = await PackRunner.open(pack, { device: 'cpu', sessions, maxBatch });
    const { labels } = await readPackSplit(pack, 'test', 6);
    return { runner, labels, sessions };
  };

  it('runBatch: every exit, same values as runExit on each input, in input order', async () => {
    const { runner, labels, sessions } = await setUp(4); // 6 inputs: chunks of 4 and 2
    const E = runner.pack.manifest.exits.length;
    for (const k of [0, E - 1]) {
      const batch = await runner.runBatch(labels, k);
      expect(batch).toHaveLength(labels.length);
      for (const [i, label] of labels.entries()) {
        const one = await runner.runExit(label, k);
        expect(batch[i]!.dims).toEqual(one.dims);
        expect(maxAbsDiff(batch[i]!.data, one.data)).toBeLessThan(1e-5);
        expect(batch[i]!.exit).toBe(one.exit);
        expect(batch[i]!.macs).toBe(one.macs);
        expect(batch[i]!.steps.map((s) => [s.step, s.macs])).toEqual(one.steps.map((s) => [s.step, s.macs]));
        expect(batch[i]!.image).toMatchObject({ width: one.image.width, height: one.image.height, channels: 3 });
      }
    }
    await sessions.clear();
  });

  it('oracleBatch and predictBatch: same values as oracle and predict on each input', async () => {
    const { runner, labels, sessions } = await setUp(16);
    const oracle = await runner.oracleBatch(labels);
    const predictions = await runner.predictBatch(labels);
    for (const [i, label] of labels.entries()) {
      const single = await runner.oracle(label);
      expect(oracle[i]!.map((r) => r.exit)).toEqual(single.map((r) => r.exit));
      single.forEach((r, k) => {
        expect(maxAbsDiff(oracle[i]![k]!.data, r.data)).toBeLessThan(1e-5);
        // The same accounting as one input's oracle: each exit the steps no earlier exit ran.
        expect(oracle[i]![k]!.steps.map((s) => s.step)).toEqual(r.steps.map((s) => s.step));
        expect([oracle[i]![k]!.macs, oracle[i]![k]!.runMacs, oracle[i]![k]!.exitMacs]).toEqual([r.macs, r.runMacs, r.exitMacs]);
      });
      const predicted = (await runner.predict(label)).distances;
      expect(maxAbsDiff(predictions[i]!.distances, predicted)).toBeLessThan(1e-5);
    }
    await sessions.clear();
  });

  it('a map met by runs, batches and predictions is packed once: every path feeds the same tensor', async () => {
    const { runner: loaded, labels } = await setUp(4);
    // A manifest whose `inputs` entry is a copy of its `input`, as one read back from the
    // verified-pack cache is: runs look the input up under the one, batches under the other.
    const { pack } = loaded;
    const copied = { ...pack, manifest: { ...pack.manifest, inputs: [{ ...pack.manifest.input }] } };
    const runner = await PackRunner.open(copied, { device: 'cpu', sessions: new SessionCache({ optimizedModelDir: false }), maxBatch: 4 });
    const [label] = labels;
    await runner.runExit(label!, 0);
    const packed = runner.packedInput(label!);
    await runner.runBatch(labels, 0);
    await runner.predictBatch(labels);
    await runner.predict(label!);
    expect(runner.packedInput(label!)).toBe(packed);
    // A copy of the map's pixels is another input, packed on its own.
    expect(runner.packedInput({ ...label!, ids: label!.ids.slice() })).not.toBe(packed);
  });

  it('an empty batch is no run; a bad maxBatch is a clear error', async () => {
    const { runner, sessions } = await setUp(2);
    expect(await runner.runBatch([], 0)).toEqual([]);
    await expect(PackRunner.open(runner.pack, { device: 'cpu', sessions, maxBatch: 0 })).rejects.toThrow(/maxBatch must be a positive integer, got 0/);
    await sessions.clear();
  });
});

describe('evaluatePack in batches', () => {
  it('gives the predicted and measured distances of one input at a time', { timeout: 120_000 }, async () => {
    const pack = await loadModelPack(fixturePack('tiny-landscape'));
    const options = { device: 'cpu' as const, limit: 5, latencyInputs: 1, samples: 2 };
    const one = await evaluatePack(pack, { ...options, batch: 1 });
    const batched = await evaluatePack(pack, { ...options, batch: 3 });
    expect(batched.n).toBe(one.n);
    one.predicted.forEach((row, i) => expect(maxAbsDiff(batched.predicted[i]!, row)).toBeLessThan(1e-5));
    one.measured.forEach((row, i) => expect(maxAbsDiff(batched.measured[i]!, row)).toBeLessThan(1e-4));
    expect(batched.samples).toHaveLength(2);
    await expect(evaluatePack(pack, { ...options, batch: 0 })).rejects.toThrow(/batch must be a positive integer, got 0/);
    await expect(evaluatePack(pack, { ...options, latencyRounds: 0 })).rejects.toThrow(/latencyRounds must be a positive integer, got 0/);
  });
});
