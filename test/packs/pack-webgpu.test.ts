/**
 * Every pack output on webgpu matches cpu within 1e-3 relative L2, including chains of segment
 * sessions whose intermediate tensors stay in GPU memory. Skips with the reason when this machine
 * has no webgpu adapter, except on CI (CI=true), where that fails.
 */
import { describe, expect, it } from 'vitest';
import { probeDevice } from '../../sdk/early-exit/index.js';
import { PackRunner } from '../../sdk/early-exit/index.js';
import type { PackInput } from '../../sdk/early-exit/index.js';
import { randomImageBytes, randomLabelIds } from '../fixtures/fixture-packs.js';
import { fixturePack, relativeL2, skipOrFail } from './helpers.js';

const inputs: Record<string, (seed: number) => PackInput> = {
  'tiny-landscape': (seed) => ({ width: 64, height: 64, ids: randomLabelIds(seed), classes: ['sky', 'water', 'grass', 'rock'] }),
  'tiny-image': (seed) => ({ width: 64, height: 64, channels: 3, data: Float32Array.from(randomImageBytes(seed), (b) => b / 255) }),
};

async function webgpuOrSkip(ctx: Parameters<typeof skipOrFail>[0]): Promise<void> {
  const status = await probeDevice('webgpu');
  if (!status.available) skipOrFail(ctx, `no webgpu adapter here: ${status.detail}. ${status.howToEnable ?? ''}`);
}

describe.each(Object.keys(inputs))('pack %s on webgpu', (name) => {
  it('every exit and the predictor match cpu within 1e-3 relative L2 (GPU-resident segment chain)', async (ctx) => {
    await webgpuOrSkip(ctx);
    const cpu = await PackRunner.open(fixturePack(name), { device: 'cpu' });
    const gpu = await PackRunner.open(fixturePack(name), { device: 'webgpu' });
    expect(gpu.device.device).toBe('webgpu');
    let worst = 0;
    for (const seed of [1, 2]) {
      const input = inputs[name]!(seed);
      const run = gpu.begin(input);
      // First exit: the segment outputs that later exits need stay in GPU memory, not on the CPU.
      const first = await run.toExit(0);
      const held = run.tensorLocations();
      const intermediates = Object.entries(held).filter(([tensor]) => tensor !== gpu.pack.manifest.input.name);
      expect(intermediates.length).toBeGreaterThan(0);
      for (const [tensor, location] of intermediates) expect(location, tensor).toBe('gpu-buffer');
      // Escalate through every later exit: chains of segments fed from GPU buffers.
      const onGpu = [first];
      for (let k = 1; k < gpu.pack.manifest.exits.length; k++) onGpu.push(await run.escalate(k));
      const prediction = await run.predict();
      // Everything released once no pending session needs it; only the (cpu) input remains.
      expect(Object.keys(run.tensorLocations())).toEqual([gpu.pack.manifest.input.name]);
      run.dispose();

      const onCpu = await cpu.oracle(input);
      onGpu.forEach((result, k) => {
        const error = relativeL2(result.data, onCpu[k]!.data);
        worst = Math.max(worst, error);
        expect(error, `${name} exit ${result.exit} seed ${seed}: relative L2 ${error}`).toBeLessThan(1e-3);
        expect(result.device).toBe('webgpu');
        expect(result.macs).toBe(onCpu[k]!.macs);
      });
      const cpuPrediction = await cpu.predict(input);
      expect(relativeL2(prediction.distances, cpuPrediction.distances)).toBeLessThan(1e-3);
    }
    console.log(`${name}: webgpu vs cpu, largest relative L2 over exits ${worst.toExponential(2)}`);
  });

  it('the device-resident path equals the path through the CPU', async (ctx) => {
    await webgpuOrSkip(ctx);
    const resident = await PackRunner.open(fixturePack(name), { device: 'webgpu' });
    const roundTrip = await PackRunner.open(fixturePack(name), { device: 'webgpu', deviceResident: false });
    const input = inputs[name]!(5);
    const run = roundTrip.begin(input);
    await run.toExit(0);
    for (const [tensor, location] of Object.entries(run.tensorLocations())) expect(location, tensor).toBe('cpu');
    run.dispose();
    const a = await resident.oracle(input);
    const b = await roundTrip.oracle(input);
    a.forEach((result, k) => expect(relativeL2(result.data, b[k]!.data)).toBeLessThan(1e-5));
  });
});
