/**
 * LPIPS on webgpu agrees with cpu within 1e-3. Skips with the reason when this machine has no
 * webgpu adapter, except on CI, where it fails.
 */
import { describe, expect, it } from 'vitest';
import { detectDevices } from '../../sdk/early-exit/index.js';
import { loadLpips } from '../../sdk/early-exit/index.js';
import { readRgbImage } from '../../sdk/early-exit/index.js';
import { perturb, skipOrFail, smoothImage, testImagePath, weightsOrSkip } from './helpers.js';

describe.each(['alex', 'squeeze'] as const)('LPIPS %s on webgpu', (net) => {
  it('agrees with cpu within 1e-3 (reference pairs and random pairs, batched)', async (ctx) => {
    const weightsDir = weightsOrSkip(ctx);
    const { webgpu } = await detectDevices();
    if (!webgpu.available) skipOrFail(ctx, `no webgpu adapter here: ${webgpu.detail}. ${webgpu.howToEnable ?? ''}`);
    const cpu = await loadLpips({ net, device: 'cpu', weightsDir });
    const gpu = await loadLpips({ net, device: 'webgpu', weightsDir });
    expect(gpu.device).toBe('webgpu');
    const ref = await readRgbImage(testImagePath('ex_ref.png'));
    const p0 = await readRgbImage(testImagePath('ex_p0.png'));
    const p1 = await readRgbImage(testImagePath('ex_p1.png'));
    const randomA = [smoothImage(96, 64, 1), smoothImage(96, 64, 2), smoothImage(33, 128, 3)];
    const randomB = randomA.map((img, i) => perturb(img, 0.05 * (i + 1), 10 + i));
    const as = [ref, ref, ...randomA];
    const bs = [p0, p1, ...randomB];
    const [onCpu, onGpu] = [await cpu.distance(as, bs), await gpu.distance(as, bs)];
    onCpu.forEach((value, i) => expect(Math.abs(value - onGpu[i]!), `pair ${i}: cpu ${value}, webgpu ${onGpu[i]}`).toBeLessThan(1e-3));
    const worst = Math.max(...onCpu.map((value, i) => Math.abs(value - onGpu[i]!)));
    console.log(`lpips ${net}: webgpu vs cpu largest difference ${worst.toExponential(2)} over ${onCpu.length} pairs`);
  });
});
