/**
 * A two-input format 2 pack on webgpu matches cpu: the cached stage's outputs (kept on the CPU,
 * owned by the cache) feed GPU-resident segment chains, escalation included. Skips with the
 * reason when this machine has no webgpu adapter, except on CI (CI=true), where that fails.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../../sdk/index.js';
import { PackRunner, probeDevice } from '../../sdk/early-exit/index.js';
import { writeStubPack } from '../../sdk/testing/index.js';
import { relativeL2, skipOrFail } from './helpers.js';

const SIZE = 16;
const image = (seed: number): Image => createImage(SIZE, SIZE, 3, Float32Array.from({ length: SIZE * SIZE * 3 }, (_, i) => (Math.sin(seed * 5.3 + i * 0.41) + 1) / 2));

describe('two-input pack on webgpu', () => {
  it('every exit matches cpu within 1e-3 relative L2, with the stage computed once per source', async (ctx) => {
    const status = await probeDevice('webgpu');
    if (!status.available) skipOrFail(ctx, `no webgpu adapter here: ${status.detail}. ${status.howToEnable ?? ''}`);
    const dir = join(await mkdtemp(join(tmpdir(), 'exitgraph-faces-gpu-')), 'faces');
    writeStubPack(dir, { name: 'faces', inputs: ['source', 'driving'], size: SIZE });
    const cpu = await PackRunner.open(dir, { device: 'cpu' });
    const gpu = await PackRunner.open(dir, { device: 'webgpu' });
    const source = image(1);
    let worst = 0;
    for (const seed of [2, 3]) {
      const inputs = { source, driving: image(seed) };
      const run = gpu.begin(inputs);
      try {
        const results = [await run.toExit(0)];
        for (let k = 1; k < gpu.pack.manifest.exits.length; k++) results.push(await run.escalate(k));
        for (const [k, result] of results.entries()) worst = Math.max(worst, relativeL2(result.data, (await cpu.runExit(inputs, k)).data));
      } finally {
        run.dispose();
      }
    }
    expect(worst).toBeLessThan(1e-3);
    expect([gpu.stageCache.misses, gpu.stageCache.hits]).toEqual([1, 1]);
  });
});
