import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localWorkspace, registerPack } from '../../sdk/index.js';
import { measureQualityBatch } from '../../sdk/early-exit/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { createTestKit } from '../support/engine-kit.js';
import { testImagePath, weightsOrSkip } from './helpers.js';

const EXPECTED = { 'lpips-alex': 0.137566, 'lpips-squeeze': 0.147902 } as const;

const cli = cliInProcess;

describe('exitgraph/QualityMetric node', () => {
  it('is in the built-in pack and computes every metric in a graph', async (ctx) => {
    weightsOrSkip(ctx);
    const kit = await createTestKit();
    for (const pack of builtinPacks) registerPack(pack, kit.registry, true);
    const dir = dirname(testImagePath('ex_ref.png'));
    const results: Record<string, number> = {};
    for (const metric of ['lpips-alex', 'lpips-squeeze', 'ssim', 'psnr']) {
      const run = await kit.run(
        {
          '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'ex_ref.png' } },
          '2': { class_type: 'exitgraph/LoadImage', inputs: { image: 'ex_p1.png' } },
          '3': { class_type: 'exitgraph/QualityMetric', inputs: { a: ['1', 0], b: ['2', 0], metric } },
          '4': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
        },
        { workspace: localWorkspace(dir, dir), device: 'cpu' },
      );
      expect(run.status, String(run.error)).toBe('success');
      results[metric] = kit.sunk.get('4') as number;
    }
    expect(Math.abs(results['lpips-alex']! - EXPECTED['lpips-alex'])).toBeLessThan(1e-4);
    expect(Math.abs(results['lpips-squeeze']! - EXPECTED['lpips-squeeze'])).toBeLessThan(1e-4);
    expect(results.ssim).toBeGreaterThan(0);
    expect(results.ssim).toBeLessThan(1);
    expect(results.psnr).toBeGreaterThan(10);
    expect(results.psnr).toBeLessThan(40);
  });

  it('defaults to lpips-alex', async (ctx) => {
    weightsOrSkip(ctx);
    const kit = await createTestKit();
    for (const pack of builtinPacks) registerPack(pack, kit.registry, true);
    const dir = dirname(testImagePath('ex_ref.png'));
    const run = await kit.run(
      {
        '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'ex_ref.png' } },
        '2': { class_type: 'exitgraph/LoadImage', inputs: { image: 'ex_p0.png' } },
        '3': { class_type: 'exitgraph/QualityMetric', inputs: { a: ['1', 0], b: ['2', 0] } },
        '4': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
      },
      { workspace: localWorkspace(dir, dir) },
    );
    expect(run.status, String(run.error)).toBe('success');
    expect(Math.abs((kit.sunk.get('4') as number) - 0.721881)).toBeLessThan(1e-4);
  });

  it('rejects an unknown metric by name', async () => {
    await expect(measureQualityBatch('lpips-vgg' as never, [], [])).rejects.toThrow(/unknown metric "lpips-vgg".*lpips-alex, lpips-squeeze, ssim, psnr/);
  });
});

describe('exitgraph metric', () => {
  it('prints 0.1376 for the LPIPS example pair, 0.1479 with --metric lpips-squeeze', async (ctx) => {
    weightsOrSkip(ctx);
    const [ref, p1] = [testImagePath('ex_ref.png'), testImagePath('ex_p1.png')];
    expect(await cli(['metric', ref, p1])).toMatchObject({ code: 0, stdout: '0.1376\n' });
    expect(await cli(['metric', ref, p1, '--metric', 'lpips-squeeze'])).toMatchObject({ code: 0, stdout: '0.1479\n' });
    const json = await cli(['metric', ref, p1, '--metric', 'ssim', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ metric: 'ssim', width: 64, height: 64, better: 'higher' });
    expect(await cli(['metric', ref, ref, '--metric', 'psnr'])).toMatchObject({ code: 0, stdout: 'inf\n' });
  });

  it('names both files and sizes when they differ, and every place it looked for missing weights', async (ctx) => {
    weightsOrSkip(ctx);
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const sharp = (await import('sharp')).default;
    const dir = await mkdtemp(join(tmpdir(), 'exitgraph-metric-cli-'));
    try {
      const small = join(dir, 'small.png');
      await sharp(testImagePath('ex_p1.png')).resize(48, 40).toFile(small);
      const ref = testImagePath('ex_ref.png');
      const mismatch = await cli(['metric', ref, small, '--metric', 'psnr']);
      expect(mismatch.code).toBe(2);
      expect(mismatch.stderr).toContain(`${ref} is 64x64, ${small} is 48x40`);
      const missing = join(dir, 'no-weights');
      const noWeights = await cli(['metric', ref, testImagePath('ex_p1.png'), '--weights', missing]);
      expect(noWeights.code).toBe(1);
      expect(noWeights.stderr).toContain(missing);
      expect(noWeights.stderr).toMatch(/EXITGRAPH_WEIGHTS.*export_lpips_weights/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
