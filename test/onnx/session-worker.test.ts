/**
 * Sessions in a worker thread (what the server uses): the same outputs as sessions on this
 * thread, this thread free while a model runs, feeds that are views of larger buffers sent
 * correctly, the optimized-model cache still used, and a cleared cache's worker stopped.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { createHost } from '../../sdk/index.js';
import { OnnxGraphBuilder, ONNX_SESSIONS, runSessionsOffThread, SessionCache } from '../../sdk/early-exit/index.js';
import { fixturePack, maxAbsDiff } from '../packs/helpers.js';
import { SessionWorker } from '../../sdk/early-exit/onnx/session-worker-client.js';
import { FeedBuffers } from '../../sdk/early-exit/onnx/session-wire.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'exitgraph-session-worker-'));
  dirs.push(dir);
  return dir;
};

/** y = x·x·x… (24 products of 384x384 matrices): long enough to see whether this thread is held. */
function slowModel(): Uint8Array {
  const g = new OnnxGraphBuilder();
  g.input('x', 'float32', [384, 384]);
  let value = 'x';
  for (let i = 0; i < 24; i++) value = g.op('MatMul', [value, 'x']);
  g.node('Identity', [value], ['y']);
  g.output('y', 'float32', [384, 384]);
  return g.toBytes();
}

/** Counts turns of this thread's event loop while `work` runs. */
async function loopTurnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let running = true;
  const spin = (): void => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  try {
    await work();
  } finally {
    running = false;
  }
  return turns;
}

describe('sessions in a worker thread', () => {
  const model = join(fixturePack('tiny-landscape'), 'reference.onnx');
  const labels = Float32Array.from({ length: 4 * 64 * 64 }, (_, i) => (i % 5 === 0 ? 1 : 0));

  it('computes what a session on this thread computes', async () => {
    const here = new SessionCache({ optimizedModelDir: false });
    const there = new SessionCache({ optimizedModelDir: false, offThread: true });
    try {
      const feeds = { label_map: new ort.Tensor('float32', labels, [1, 4, 64, 64]) };
      const a = await (await here.get(model, { device: 'cpu' })).run(feeds, ['image3']);
      const remote = await there.get(model, { device: 'cpu' });
      expect(remote.inputNames).toEqual(['label_map']);
      const b = await remote.run(feeds, ['image3']);
      expect(Object.keys(b)).toEqual(['image3']);
      expect(b.image3!.dims).toEqual(a.image3!.dims);
      expect(maxAbsDiff(b.image3!.data as Float32Array, a.image3!.data as Float32Array)).toBe(0);
      // The caller's feed buffer is untouched (feeds are copied, not transferred away).
      expect(labels.length).toBe(4 * 64 * 64);
      expect(labels[0]).toBe(1);
    } finally {
      await here.clear();
      await there.clear();
    }
  });

  it('sends a feed that is a view into a larger buffer as just that view', async () => {
    const g = new OnnxGraphBuilder();
    g.input('x', 'float32', ['N', 4]);
    g.node('Add', ['x', 'x'], ['y']);
    g.output('y', 'float32', ['N', 4]);
    const cache = new SessionCache({ optimizedModelDir: false, offThread: true });
    try {
      const big = Float32Array.from({ length: 16 }, (_, i) => i);
      const view = big.subarray(8, 12);
      const session = await cache.get(g.toBytes(), { device: 'cpu' });
      const { y } = await session.run({ x: new ort.Tensor('float32', view, [1, 4]) });
      expect([...(y!.data as Float32Array)]).toEqual([16, 18, 20, 22]);
    } finally {
      await cache.clear();
    }
  });

  it('fills the feed buffers the worker hands back for the next runs, with the new values', async () => {
    const g = new OnnxGraphBuilder();
    g.input('x', 'float32', ['N', 4]);
    g.node('Add', ['x', 'x'], ['y']);
    g.output('y', 'float32', ['N', 4]);
    const worker = new SessionWorker();
    try {
      const session = await worker.create(g.toBytes(), { executionProviders: ['cpu'] });
      expect(worker.feedBuffers.bytes).toBe(0);
      const first = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [1, 4]) });
      expect([...(first.y!.data as Float32Array)]).toEqual([2, 4, 6, 8]);
      expect(worker.feedBuffers.bytes).toBe(16); // the feed's 4 floats came back
      const second = await session.run({ x: new ort.Tensor('float32', Float32Array.from([10, 20, 30, 40]), [1, 4]) });
      expect([...(second.y!.data as Float32Array)]).toEqual([20, 40, 60, 80]);
      expect(worker.feedBuffers.bytes).toBe(16); // taken for the second run, back again: none fresh
      // Another size gets its own buffer; an output never aliases a returned one.
      const wide = await session.run({ x: new ort.Tensor('float32', new Float32Array(8).fill(1), [2, 4]) });
      expect([...(wide.y!.data as Float32Array)]).toEqual(new Array(8).fill(2));
      expect(worker.feedBuffers.bytes).toBe(16 + 32);
      expect([...(first.y!.data as Float32Array)]).toEqual([2, 4, 6, 8]);
    } finally {
      await worker.terminate();
    }
  });

  it('keeps at most a few feed buffers of a size, and a bounded total', () => {
    const buffers = new FeedBuffers(2, 100);
    buffers.give([new ArrayBuffer(40), new ArrayBuffer(40), new ArrayBuffer(40)]);
    expect(buffers.bytes).toBe(80);
    buffers.give([new ArrayBuffer(30)]);
    expect(buffers.bytes).toBe(80); // over the total
    expect(buffers.take(40).byteLength).toBe(40);
    expect(buffers.bytes).toBe(40);
    expect(buffers.take(12).byteLength).toBe(12); // none of that size: a fresh one
    expect(buffers.bytes).toBe(40);
  });

  it('leaves this thread free while the model runs (a session here holds it)', async () => {
    const bytes = slowModel();
    const x = new ort.Tensor('float32', new Float32Array(384 * 384).fill(0.002), [384, 384]);
    const here = new SessionCache({ optimizedModelDir: false });
    const there = new SessionCache({ optimizedModelDir: false, offThread: true });
    try {
      const local = await here.get(bytes, { device: 'cpu', warmUp: false });
      const remote = await there.get(bytes, { device: 'cpu', warmUp: false });
      const turnsHere = await loopTurnsDuring(() => local.run({ x }));
      const turnsThere = await loopTurnsDuring(() => remote.run({ x }));
      // On this thread the run is one synchronous call: a handful of turns around it at most.
      expect(turnsHere).toBeLessThan(10);
      expect(turnsThere).toBeGreaterThan(50);
    } finally {
      await here.clear();
      await there.clear();
    }
  });

  it('uses the optimized-model cache: a second cache loads the saved graph', async () => {
    const dir = await tempDir();
    const first = new SessionCache({ optimizedModelDir: dir, offThread: true });
    const second = new SessionCache({ optimizedModelDir: dir, offThread: true });
    try {
      await first.get(model, { device: 'cpu' });
      expect(first.optimizedHits).toBe(0);
      await second.get(model, { device: 'cpu' });
      expect(second.optimizedHits).toBe(1);
    } finally {
      await first.clear();
      await second.clear();
    }
  });

  it('after clear, an old session says its worker is gone and a new one works', async () => {
    const cache = new SessionCache({ optimizedModelDir: false, offThread: true });
    const feeds = { label_map: new ort.Tensor('float32', labels, [1, 4, 64, 64]) };
    const old = await cache.get(model, { device: 'cpu' });
    await cache.clear();
    await expect(old.run(feeds)).rejects.toThrow(/worker is gone/);
    const fresh = await cache.get(model, { device: 'cpu' });
    expect((await fresh.run(feeds, ['image3'])).image3!.dims).toEqual([1, 3, 64, 64]);
    await cache.clear();
  });

  it('a model the worker cannot load is an error that says why', async () => {
    const cache = new SessionCache({ optimizedModelDir: false, offThread: true });
    try {
      await expect(cache.get(new Uint8Array([1, 2, 3, 4]), { device: 'cpu' })).rejects.toThrow(/protobuf|parse|model/i);
    } finally {
      await cache.clear();
    }
  });

  it('a host is switched to worker sessions only before its sessions are used', async () => {
    const fresh = await createHost();
    expect(runSessionsOffThread(fresh.services)).toBe(true);
    expect(fresh.services.get(ONNX_SESSIONS).offThread).toBe(true);
    const used = await createHost();
    used.services.get(ONNX_SESSIONS);
    expect(runSessionsOffThread(used.services)).toBe(false);
    expect(used.services.get(ONNX_SESSIONS).offThread).toBe(false);
    await fresh.services.dispose();
    await used.services.dispose();
  });
});
