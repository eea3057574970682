/**
 * The runner on a two-input format 2 pack (source + driving, a cached appearance stage), with
 * real onnxruntime sessions on cpu: the stage cache returns the same pixels as no cache, escalation
 * equals a direct run, every exit equals the monolithic reference.onnx, and the predictor reads
 * both inputs.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImage, type Image } from '../../sdk/index.js';
import { PackRunner, SessionCache, packInputTensor, type PackManifest } from '../../sdk/early-exit/index.js';
import { writeStubPack } from '../../sdk/testing/index.js';
import { maxAbsDiff } from './helpers.js';

const SIZE = 16;
/** A reproducible RGB image in [0, 1], different per seed. */
function image(seed: number): Image {
  return createImage(SIZE, SIZE, 3, Float32Array.from({ length: SIZE * SIZE * 3 }, (_, i) => (Math.sin(seed * 7.1 + i * 0.37) + 1) / 2));
}

let dir: string;
let sessions: SessionCache;
beforeAll(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'exitgraph-faces-run-')), 'faces');
  writeStubPack(dir, { name: 'faces', inputs: ['source', 'driving'], predicted: [0.3, 0.2, 0.1, 0], size: SIZE });
  sessions = new SessionCache();
});
afterAll(() => sessions.clear());

describe('PackRunner with named inputs and a per_input stage', () => {
  it('computes the stage once per distinct source, reports its MACs apart, and gives the pixels of an uncached run', async () => {
    const cached = await PackRunner.open(dir, { device: 'cpu', sessions });
    const uncached = await PackRunner.open(dir, { device: 'cpu', sessions, stageCacheSize: 0 });
    const source = image(1);
    const stageMacs = cached.pack.costs.stage_macs;
    expect(stageMacs).toBeGreaterThan(0);
    for (let frame = 0; frame < 5; frame++) {
      const driving = image(100 + frame);
      const a = await cached.runExit({ source, driving }, 'full');
      const b = await uncached.runExit({ source, driving }, 'full');
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
      // Per-frame MACs never include the stage; the stage is paid on the first frame only.
      expect(a.macs).toBe(cached.pack.costs.full);
      expect(a.stageMacs).toBe(frame === 0 ? stageMacs : 0);
      expect(b.stageMacs).toBe(stageMacs);
    }
    expect([cached.stageCache.misses, cached.stageCache.hits]).toEqual([1, 4]);
    // Another image object with the same pixels is the same content: still a hit.
    const copy = createImage(SIZE, SIZE, 3, Float32Array.from(source.data));
    expect((await cached.runExit({ source: copy, driving: image(7) }, 0)).stageMacs).toBe(0);
  });

  it('keeps a bounded number of stage results (least recently used goes first)', async () => {
    const runner = await PackRunner.open(dir, { device: 'cpu', sessions, stageCacheSize: 2 });
    const driving = image(50);
    const [s1, s2, s3] = [image(11), image(12), image(13)];
    for (const source of [s1, s2, s1, s3]) await runner.runExit({ source, driving }, 0);
    expect(runner.stageCache.size).toBe(2);
    // s2 was the least recently used when s3 came in: it is recomputed, s1 is not.
    expect((await runner.runExit({ source: s1, driving }, 0)).stageMacs).toBe(0);
    expect((await runner.runExit({ source: s2, driving }, 0)).stageMacs).toBe(runner.pack.costs.stage_macs);
  });

  it('escalates from an early exit to the result of a direct run, reusing every tensor computed', async () => {
    const runner = await PackRunner.open(dir, { device: 'cpu', sessions });
    const inputs = { source: image(2), driving: image(3) };
    const direct = await runner.runExit(inputs, 'full');
    const run = runner.begin(inputs);
    try {
      const early = await run.toExit(0);
      const full = await run.escalate('full');
      expect(maxAbsDiff(full.data, direct.data)).toBeLessThan(1e-5);
      // Escalating ran only what exit 0 had not: segments 1..3 and the full head.
      expect(full.steps.map((s) => s.step)).toEqual(['segment1', 'segment2', 'segment3', 'head:full']);
      expect(early.macs + full.macs).toBe(runner.pack.costs.full + runner.pack.costs.heads[0]!);
      expect([early.stageMacs, full.stageMacs]).toEqual([0, 0]);
    } finally {
      run.dispose();
    }
  });

  it('equals the monolithic reference.onnx at every exit, fused and unfused', async () => {
    const fused = await PackRunner.open(dir, { device: 'cpu', sessions });
    const unfused = await PackRunner.open(dir, { device: 'cpu', sessions, fuse: false });
    const manifest = fused.pack.manifest;
    const reference = await ort.InferenceSession.create(fused.pack.path('reference.onnx'));
    try {
      const inputs = { source: image(4), driving: image(5) };
      const feeds = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [name, packInputTensor(withInput(manifest, name), value)]));
      const expected = await reference.run(feeds);
      for (let k = 0; k < manifest.exits.length; k++) {
        const want = expected[manifest.exits[k]!.output]!.data as Float32Array;
        expect(maxAbsDiff((await fused.runExit(inputs, k)).data, want)).toBeLessThan(1e-5);
        expect(maxAbsDiff((await unfused.runExit(inputs, k)).data, want)).toBeLessThan(1e-5);
      }
      const oracle = await fused.oracle(inputs);
      oracle.forEach((result, k) => expect(maxAbsDiff(result.data, expected[manifest.exits[k]!.output]!.data as Float32Array)).toBeLessThan(1e-5));
    } finally {
      await reference.release();
    }
  });

  it('feeds the predictor every input, and names what is missing or unknown', async () => {
    const runner = await PackRunner.open(dir, { device: 'cpu', sessions });
    const prediction = await runner.predict({ source: image(1), driving: image(2) });
    prediction.distances.forEach((d, k) => expect(d).toBeCloseTo([0.3, 0.2, 0.1, 0][k]!, 6));
    expect(() => runner.begin(image(1))).toThrow(/pack faces takes 2 inputs \("source", "driving"\): pass them by name/);
    expect(() => runner.begin({ source: image(1) })).toThrow(/pack faces needs input "driving"/);
    expect(() => runner.begin({ source: image(1), driving: image(2), mask: image(3) })).toThrow(/pack faces has no input "mask"/);
    await expect(runner.runBatch([image(1)], 0)).rejects.toThrow(/batch runs take one-input packs without stages/);
  });
});

function withInput(manifest: PackManifest, name: string): PackManifest {
  return { ...manifest, input: manifest.inputs!.find((i) => i.name === name)! };
}
