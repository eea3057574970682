/**
 * The device script (`npm run bench:device`) in its quick form: it finds cpu, runs the fixture
 * pack at batch 1 and 4 on every device that is available, and on webgpu (lavapipe on CI) gives
 * outputs equal to cpu's and both chaining figures. The figures themselves are not asserted:
 * benchmarks print, tests check behaviour.
 */
import { describe, expect, it } from 'vitest';
import { probeDevice } from '../../sdk/early-exit/index.js';
import { skipOrFail } from '../packs/helpers.js';
import { deviceBench } from './device.js';

describe('bench:device --quick', () => {
  it('measures every available device and checks its outputs against cpu', { timeout: 300_000 }, async (ctx) => {
    const result = await deviceBench(['--quick', '--rounds', '1']);
    expect(result.pack).toBe('tiny-landscape');
    expect(result.figures.map((f) => f.device)).toEqual(['cpu', 'webgpu', 'cuda']);
    const cpu = result.figures[0]!;
    expect(cpu.available).toBe(true);
    expect(Object.keys(cpu.msPerItem!).sort()).toEqual(['1', '4']);
    for (const f of result.figures.filter((d) => d.available && d.device !== 'cpu')) {
      expect(f.error).toBeUndefined();
      expect(f.worstRelativeL2ToCpu).toBeLessThan(1e-3);
      expect(Object.keys(f.speedUpVsCpu!).sort()).toEqual(['1', '4']);
      expect(f.chaining!.resident).toBeGreaterThan(0);
      expect(f.chaining!.throughCpu).toBeGreaterThan(0);
    }
    for (const f of result.figures.filter((d) => !d.available)) expect(f.detail.length).toBeGreaterThan(0);
    expect(result.ok).toBe(true);
    const webgpu = await probeDevice('webgpu');
    if (!webgpu.available) skipOrFail(ctx, `no webgpu adapter here (${webgpu.detail}): only cpu was measured`);
  });
});
