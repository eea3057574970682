/**
 * The runner on cpu against the fixtures' monolithic reference models: exit k (one merged session
 * from scratch) equals the reference, the segmented path equals the merged one, escalation equals
 * a direct run, the oracle computes each segment once, and MACs spent are exactly the steps run.
 */
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelMap } from '../../sdk/index.js';
import { SessionCache } from '../../sdk/early-exit/index.js';
import { escalationMacs } from '../../sdk/early-exit/index.js';
import { PackRunner } from '../../sdk/early-exit/index.js';
import { imageTensorData, oneHot, randomImageBytes, randomLabelIds } from '../fixtures/fixture-packs.js';
import { fixturePack, maxAbsDiff } from './helpers.js';

const CLASSES = ['sky', 'water', 'grass', 'rock'];
const labelMap = (seed: number): LabelMap => ({ width: 64, height: 64, ids: randomLabelIds(seed), classes: CLASSES });

describe('PackRunner on cpu (tiny-landscape)', () => {
  let runner: PackRunner;
  let reference: ort.InferenceSession;
  let predictor: ort.InferenceSession;
  beforeAll(async () => {
    runner = await PackRunner.open(fixturePack('tiny-landscape'), { device: 'cpu' });
    reference = await ort.InferenceSession.create(runner.pack.path('reference.onnx'));
    predictor = await ort.InferenceSession.create(runner.pack.path('predictor.onnx'));
  });
  afterAll(async () => {
    await reference.release();
    await predictor.release();
  });

  const referenceOutputs = async (seed: number): Promise<Record<string, Float32Array>> => {
    const outs = await reference.run({ label_map: new ort.Tensor('float32', oneHot(randomLabelIds(seed)), [1, 4, 64, 64]) });
    return Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, v.data as Float32Array]));
  };

  it.each([0, 1, 2, 3])('exit %i equals the same path computed in one session, and spends exactly its MACs', async (k) => {
    const expected = await referenceOutputs(7);
    const result = await runner.runExit(labelMap(7), k);
    expect(maxAbsDiff(result.data, expected[`image${k}`]!)).toBeLessThan(1e-5);
    expect(result.dims).toEqual([1, 3, 64, 64]);
    expect(result.macs).toBe(runner.pack.costs.exits[k]!.macs);
    expect(result.exitMacs).toBe(result.macs);
    expect(result.steps.map((s) => s.step)).toEqual(runner.pack.costs.exits[k]!.steps);
    expect(result.device).toBe('cpu');
    expect(result.wallMs).toBeGreaterThan(0);
    // Decoded to the SDK's Image: HWC in [0, 1], pixel (0,0) channel 1 = (raw + 1) / 2.
    expect(result.image).toMatchObject({ width: 64, height: 64, channels: 3 });
    expect(result.image.data[1]).toBeCloseTo(Math.min(1, Math.max(0, (result.data[64 * 64]! + 1) / 2)), 6);
  });

  it('escalating from exit 0 to the full model equals a direct full run and reuses segment 0', async () => {
    const direct = await runner.runExit(labelMap(3), 'full');
    const run = runner.begin(labelMap(3));
    const first = await run.toExit(0);
    const escalated = await run.escalate('full');
    // direct: one merged session of every step; escalated: one merged session of the steps it
    // adds, reading segment 0's output from the run. Equal up to float rounding.
    expect(maxAbsDiff(escalated.data, direct.data)).toBeLessThan(1e-5);
    expect(escalated.steps.map((s) => s.step)).toEqual(['segment1', 'segment2', 'segment3', 'head:full']);
    expect(escalated.steps.every((s) => s.fused)).toBe(true);
    const costs = runner.pack.costs;
    expect(escalated.macs).toBe(costs.full - costs.segments[0]!);
    expect(escalated.macs).toBe(escalationMacs(runner.pack.plan, costs, 0, 3));
    expect(run.macs).toBe(first.macs + escalated.macs);
    // Nothing earlier exits needed is kept: a run only escalates.
    expect(Object.keys(run.tensorLocations())).toEqual(['label_map']);
    expect(run.releasedTensors).toBe(2); // feat0 and guide: feat1..feat3 stayed inside the merged continuation
    await expect(run.toExit(1)).rejects.toThrow(/exit exit1 comes before exit full, which this run already reached: a run only escalates/);
    expect((await run.toExit(0)).macs).toBe(0); // already computed: returned again, nothing spent
    run.dispose();
  });

  it('opens with the predictor\'s session only; an exit\'s merged session comes on its first run from scratch, once', async () => {
    const sessions = new SessionCache({ optimizedModelDir: false });
    const lazy = await PackRunner.open(runner.pack, { device: 'cpu', sessions });
    expect(sessions.size).toBe(1);
    await lazy.runExit(labelMap(5), 2);
    await lazy.runExit(labelMap(6), 2);
    expect(sessions.size).toBe(2);
    // An escalation merges the steps it adds into one session of their own, created once.
    const run = lazy.begin(labelMap(5));
    await run.toExit(2);
    await run.escalate('full');
    run.dispose();
    expect(sessions.size).toBe(2 + 1); // segment3 + head:full, merged
    const again = lazy.begin(labelMap(6));
    await again.toExit(2);
    await again.escalate('full');
    again.dispose();
    expect(sessions.size).toBe(3);
    await sessions.clear();
  });

  it('reaches an exit from scratch in one merged session, equal to the segment-by-segment path', async () => {
    const segmented = await PackRunner.open(runner.pack, { device: 'cpu', fuse: false });
    for (const k of [0, 2, 3]) {
      const merged = await runner.runExit(labelMap(11), k);
      const split = await segmented.runExit(labelMap(11), k);
      expect(maxAbsDiff(merged.data, split.data)).toBeLessThan(1e-5);
      expect(merged.steps.every((s) => s.fused)).toBe(true);
      expect(split.steps.some((s) => s.fused)).toBe(false);
      expect(merged.steps.map((s) => s.step)).toEqual(split.steps.map((s) => s.step));
      expect(merged.steps.map((s) => s.macs)).toEqual(split.steps.map((s) => s.macs));
      // The merged run's time, shared out over its steps, fits inside the call's wall time.
      expect(merged.steps.reduce((sum, s) => sum + s.ms, 0)).toBeLessThanOrEqual(merged.wallMs);
    }
    // The last exit's merged model returns only the image: nothing later could read more, and
    // feat0, read only by the early exits' guide, is not copied out.
    const run = runner.begin(labelMap(11));
    await run.toExit('full');
    expect(Object.keys(run.tensorLocations())).toEqual(['label_map']);
    expect(run.releasedTensors).toBe(0);
    run.dispose();
  });

  it('converts a label map once for predictor and exit, and not again for other pixels or classes', async () => {
    const map = labelMap(21);
    const viaPredict = await runner.predict(map);
    const first = await runner.runExit(map, 1);
    // Same pixel array, classes listed in another order: another input, converted anew.
    const reordered: LabelMap = { ...map, classes: [...CLASSES].reverse(), ids: map.ids };
    const translated: LabelMap = { ...map, ids: map.ids.map((id) => CLASSES.length - 1 - id) };
    expect(maxAbsDiff((await runner.runExit(reordered, 1)).data, (await runner.runExit(translated, 1)).data)).toBe(0);
    expect(maxAbsDiff((await runner.runExit(map, 1)).data, first.data)).toBe(0);
    expect((await runner.predict({ ...map, ids: Uint8Array.from(map.ids) })).distances).toEqual(viaPredict.distances);
  });

  it('checks an input when a run begins but packs it in the run\'s first session turn, once', async () => {
    const map = labelMap(23);
    const run = runner.begin(map);
    // Checked (bad inputs throw from begin, see below), not packed yet: nothing held.
    expect(run.tensorLocations()).toEqual({});
    const again = runner.begin(map);
    const [a, b] = [await run.toExit(1), await again.toExit(1)];
    expect(Object.keys(run.tensorLocations()).sort()).toEqual(['feat1', 'label_map']);
    expect(maxAbsDiff(a.data, b.data)).toBe(0);
    run.dispose();
    again.dispose();
    // A run disposed before its first session never packs, and fails as disposed if asked to run.
    const unused = runner.begin(labelMap(24));
    unused.dispose();
    await expect(unused.toExit(0)).rejects.toThrow(/disposed/);
  });

  it('runs begun together take turns: an abort after the first result lets at most the run in flight finish', async () => {
    // Uncoalesced, each run is its own session run (coalesced runs in flight finish together: below).
    const alone = await PackRunner.open(runner.pack, { device: 'cpu', coalesce: false });
    const stop = new AbortController();
    const runs = Array.from({ length: 8 }, (_, i) => alone.begin(labelMap(30 + i), { signal: stop.signal }));
    const results = runs.map((run) => run.toExit('full'));
    // The event loop turns between runs: a timer set now fires before the last run ends.
    let ticked = false;
    setTimeout(() => (ticked = true), 0);
    await results[0];
    stop.abort(new Error('stopped by the test'));
    const settled = await Promise.allSettled(results.slice(1));
    const finished = settled.filter((r) => r.status === 'fulfilled').length;
    expect(finished).toBeLessThanOrEqual(1);
    for (const r of settled) if (r.status === 'rejected') expect(String(r.reason)).toMatch(/stopped by the test/);
    expect(ticked).toBe(true);
    for (const run of runs) run.dispose();
  });

  it('coalesced runs begun together: an abort after the first result lets at most the batch in flight finish', async () => {
    const stop = new AbortController();
    const runs = Array.from({ length: 8 }, (_, i) => runner.begin(labelMap(40 + i), { signal: stop.signal }));
    const results = runs.map((run) => run.toExit('full'));
    const first = (await results[0])!;
    stop.abort(new Error('stopped by the test'));
    const settled = await Promise.allSettled(results.slice(1));
    const finished = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    // Whatever finished after the abort shared one session run, already under way.
    // (the first run's own batch included, when it had company).
    const inFlight = finished.filter((r) => r.batch !== undefined && r.batch === first.batch);
    const next = finished.filter((r) => !inFlight.includes(r));
    const nextSizes = new Set(next.map((r) => r.batch ?? 1));
    expect(nextSizes.size).toBeLessThanOrEqual(1);
    if (next.length) expect(next.length).toBe(next[0]!.batch ?? 1);
    for (const r of settled) if (r.status === 'rejected') expect(String(r.reason)).toMatch(/stopped by the test/);
    for (const run of runs) run.dispose();
  });

  it('oracle computes every exit once, sharing segments', async () => {
    const expected = await referenceOutputs(11);
    const results = await runner.oracle(labelMap(11));
    expect(results.map((r) => r.exit)).toEqual(['exit0', 'exit1', 'exit2', 'full']);
    results.forEach((r, k) => expect(maxAbsDiff(r.data, expected[`image${k}`]!)).toBeLessThan(1e-5));
    const steps = results.flatMap((r) => r.steps.map((s) => s.step));
    expect(new Set(steps).size).toBe(steps.length);
    const costs = runner.pack.costs;
    const everyStep = Object.entries(costs.steps).filter(([id]) => id !== 'predictor').reduce((sum, [, m]) => sum + m, 0);
    expect(results.at(-1)!.runMacs).toBe(everyStep);
  });

  it('keeps what later exits need after an early exit, and nothing more', async () => {
    const run = runner.begin(labelMap(6));
    await run.toExit(1);
    // feat1 feeds segment2; guide and feat0 are needed by no later exit.
    expect(Object.keys(run.tensorLocations()).sort()).toEqual(['feat1', 'label_map']);
    const exit2 = await run.toExit(2);
    expect(exit2.steps.map((s) => s.step)).toEqual(['segment2', 'head:exit2']);
    expect(Object.keys(run.tensorLocations()).sort()).toEqual(['feat2', 'label_map']);
    run.dispose();
    expect(Object.keys(run.tensorLocations())).toEqual([]);
  });

  it('asking for an exit already computed in the run spends nothing', async () => {
    const run = runner.begin(labelMap(2));
    const a = await run.toExit(2);
    const again = await run.toExit('exit2');
    expect(again.macs).toBe(0);
    expect(again.data).toBe(a.data);
    run.dispose();
    await expect(run.toExit(0)).rejects.toThrow(/disposed/);
  });

  it('runs the predictor: one distance per exit, as the predictor session gives', async () => {
    const prediction = await runner.predict(labelMap(5));
    const direct = await predictor.run({ label_map: new ort.Tensor('float32', oneHot(randomLabelIds(5)), [1, 4, 64, 64]) });
    expect(prediction.distances).toHaveLength(4);
    expect(maxAbsDiff(prediction.distances, direct.distances!.data as Float32Array)).toBeLessThan(1e-6);
    expect(prediction.macs).toBe(runner.pack.costs.predictor.macs);
  });

  it('prepares label maps: one-hot, class names translated, wrong sizes and unknown ids rejected', async () => {
    // The same map written against a reordered class list gives the same output.
    const ids = randomLabelIds(4);
    const reordered = ['rock', 'grass', 'water', 'sky'];
    const translated: LabelMap = { width: 64, height: 64, classes: reordered, ids: ids.map((id) => reordered.indexOf(CLASSES[id]!)) };
    const a = await runner.runExit(labelMap(4), 0);
    const b = await runner.runExit(translated, 0);
    expect(maxAbsDiff(a.data, b.data)).toBe(0);
    expect(() => runner.begin({ ...labelMap(1), width: 32, ids: new Uint8Array(32 * 64) })).toThrow(/takes 64x64 inputs, got 32x64/);
    expect(() => runner.begin({ ...labelMap(1), classes: ['sky', 'lava'] })).toThrow(/"lava" are not classes of pack tiny-landscape/);
    const bad = labelMap(1);
    bad.ids[70] = 9;
    expect(() => runner.begin(bad)).toThrow(/label id 9 at \(6, 1\) is out of range/);
    expect(() => runner.begin({ width: 64, height: 64, channels: 3, data: new Float32Array(64 * 64 * 3) })).toThrow(/takes a label map, got an image/);
    expect(() => runner.exitIndex('exit9')).toThrow(/no exit "exit9" \(exits: 0=exit0, 1=exit1, 2=exit2, 3=full\)/);
  });
});

describe('PackRunner on cpu (tiny-image)', () => {
  it('takes RGB images in [0, 1] as [-1, 1] tensors; both exits equal the reference', async () => {
    const runner = await PackRunner.open(fixturePack('tiny-image'), { device: 'cpu' });
    const bytes = randomImageBytes(3);
    const image = { width: 64, height: 64, channels: 3 as const, data: Float32Array.from(bytes, (b) => b / 255) };
    const reference = await ort.InferenceSession.create(runner.pack.path('reference.onnx'));
    const expected = await reference.run({ image: new ort.Tensor('float32', imageTensorData(bytes), [1, 3, 64, 64]) });
    const results = await runner.oracle(image);
    expect(maxAbsDiff(results[0]!.data, expected.rgb0!.data as Float32Array)).toBeLessThan(1e-5);
    expect(maxAbsDiff(results[1]!.data, expected.rgb1!.data as Float32Array)).toBeLessThan(1e-5);
    // A grey image is replicated to RGB.
    const grey = { width: 64, height: 64, channels: 1 as const, data: new Float32Array(64 * 64).fill(0.5) };
    const fromGrey = await runner.runExit(grey, 'half');
    const rgb = { width: 64, height: 64, channels: 3 as const, data: new Float32Array(64 * 64 * 3).fill(0.5) };
    expect(maxAbsDiff(fromGrey.data, (await runner.runExit(rgb, 'half')).data)).toBe(0);
    await reference.release();
  });
});

describe('monolithicExitModel', () => {
  it('merges the files of an exit into one graph that computes the same output', async () => {
    const { monolithicExitModel } = await import('../../sdk/early-exit/packs/pack-monolith.js');
    const runner = await PackRunner.open(fixturePack('tiny-landscape'), { device: 'cpu' });
    for (const k of [0, 3]) {
      const session = await ort.InferenceSession.create(await monolithicExitModel(runner.pack, k));
      expect(session.outputNames).toEqual([runner.pack.manifest.exits[k]!.output]);
      const x = new ort.Tensor('float32', oneHot(randomLabelIds(9)), [1, 4, 64, 64]);
      const out = await session.run({ label_map: x });
      const viaRunner = await runner.runExit(x, k);
      expect(maxAbsDiff(viaRunner.data, out[session.outputNames[0]!]!.data as Float32Array)).toBeLessThan(1e-5);
      await session.release();
    }
  });
});
