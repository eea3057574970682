/**
 * Tensors kept in GPU memory between sessions on webgpu: chained sessions give the cpu result,
 * and readTensor brings a GPU tensor back (without Tensor.getData, which aborts the process in
 * onnxruntime-node 1.30) and releases its buffer. Skips without a webgpu adapter, fails on CI.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { probeDevice } from '../../sdk/early-exit/index.js';
import { OnnxGraphBuilder } from '../../sdk/early-exit/index.js';
import { readTensor, SessionCache } from '../../sdk/early-exit/index.js';
import { maxAbsDiff, relativeL2, skipOrFail } from '../packs/helpers.js';

function convModel(seed: number): Uint8Array {
  const g = new OnnxGraphBuilder();
  g.input('x', 'float32', [1, 4, 16, 16]);
  g.initializer('w', Float32Array.from({ length: 4 * 4 * 9 }, (_, i) => Math.sin(i * seed) * 0.3), [4, 4, 3, 3]);
  g.node('Relu', [g.op('Conv', ['x', 'w'], { pads: [1, 1, 1, 1] })], ['y']);
  g.output('y', 'float32', [1, 4, 16, 16]);
  return g.toBytes();
}

describe('webgpu residency', () => {
  it('chains sessions on GPU buffers, equal to cpu, and reads the result back', async (ctx) => {
    const status = await probeDevice('webgpu');
    if (!status.available) skipOrFail(ctx, `no webgpu adapter here: ${status.detail}. ${status.howToEnable ?? ''}`);
    const cache = new SessionCache();
    const x = new ort.Tensor('float32', Float32Array.from({ length: 4 * 16 * 16 }, (_, i) => Math.cos(i)), [1, 4, 16, 16]);
    let onGpu: ort.Tensor = x;
    let onCpu: ort.Tensor = x;
    for (const seed of [1, 2, 3]) {
      const gpu = await cache.get(convModel(seed), { device: 'webgpu', outputsOnDevice: true });
      const cpu = await cache.get(convModel(seed), { device: 'cpu' });
      const next = (await gpu.run({ x: onGpu })).y!;
      expect(next.location).toBe('gpu-buffer');
      if (onGpu !== x) onGpu.dispose();
      onGpu = next;
      onCpu = (await cpu.run({ x: onCpu })).y!;
    }
    const data = await readTensor(onGpu);
    expect(onGpu.location).toBe('none'); // its GPU buffer was released
    expect(maxAbsDiff(data, onCpu.data as Float32Array)).toBeLessThan(1e-5);
    await cache.clear();
  });
});

describe('webgpu Conv', () => {
  it('matches cpu for channel counts onnxruntime\'s NHWC webgpu Conv gets wrong', async (ctx) => {
    const status = await probeDevice('webgpu');
    if (!status.available) skipOrFail(ctx, `no webgpu adapter here: ${status.detail}. ${status.howToEnable ?? ''}`);
    const cache = new SessionCache();
    for (const [cin, cout] of [[6, 8], [9, 4], [15, 8], [18, 8], [18, 12], [30, 8]] as const) {
      const g = new OnnxGraphBuilder();
      g.input('x', 'float32', [1, cin, 32, 32]);
      g.initializer('w', Float32Array.from({ length: cout * cin * 9 }, (_, i) => Math.sin(i * 1.3) * 0.2), [cout, cin, 3, 3]);
      g.node('Conv', ['x', 'w'], ['y'], { pads: [1, 1, 1, 1] });
      g.output('y', 'float32', [1, cout, 32, 32]);
      const x = new ort.Tensor('float32', Float32Array.from({ length: cin * 32 * 32 }, (_, i) => Math.cos(i * 0.7)), [1, cin, 32, 32]);
      const onCpu = (await (await cache.get(g.toBytes(), { device: 'cpu' })).run({ x })).y!.data as Float32Array;
      const onGpu = (await (await cache.get(g.toBytes(), { device: 'webgpu' })).run({ x })).y!.data as Float32Array;
      expect(relativeL2(onGpu, onCpu), `Conv ${cin} -> ${cout}`).toBeLessThan(1e-5);
    }
    await cache.clear();
  });
});
