/**
 * TypeScript and the Python training toolkit (models/training/exitgraph_training) must agree to
 * 1e-4 on the same pairs: LPIPS alex and squeeze, SSIM, PSNR. Spawns /usr/bin/python3 on pairs
 * written to a temp folder. Skips (with the reason) when python3 or torch is missing, except on
 * CI, where it fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLpips } from '../../sdk/early-exit/index.js';
import { psnr } from '../../sdk/early-exit/index.js';
import { ssim } from '../../sdk/early-exit/index.js';
import type { Image } from '../../sdk/index.js';
import { perturb, REPO_ROOT, rng, skipOrFail, smoothImage, weightsOrSkip } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const TRAINING = join(REPO_ROOT, 'models', 'training');
const DRIVER = join(REPO_ROOT, 'test', 'metrics', 'python_metrics_driver.py');

/** Why the Python side cannot run here, or undefined when it can. */
function pythonProblem(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  if (!existsSync(join(TRAINING, 'exitgraph_training', 'lpips.py'))) return `${join(TRAINING, 'exitgraph_training', 'lpips.py')} not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return `python3 cannot import torch/numpy (install python3-torch): ${probe.stderr.trim().split('\n').pop()}`;
  return undefined;
}

/** 20 seeded pairs: sizes 32..96, non-square, perturbations from slight to strong, some unrelated. */
function pairs(): { a: Image; b: Image }[] {
  const r = rng(4242);
  return Array.from({ length: 20 }, (_, i) => {
    const w = 32 + Math.floor(r() * 65);
    const h = 32 + Math.floor(r() * 65);
    const a = smoothImage(w, h, 1000 + i);
    const b = i % 5 === 4 ? smoothImage(w, h, 5000 + i) : perturb(a, 0.01 + r() * 0.3, 3000 + i);
    return { a, b };
  });
}

async function writePairs(dir: string, list: { a: Image; b: Image }[]): Promise<void> {
  const manifest = [];
  for (const [i, { a, b }] of list.entries()) {
    for (const [name, image] of [[`a${i}.f32`, a], [`b${i}.f32`, b]] as const) {
      await writeFile(join(dir, name), new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength));
    }
    manifest.push({ a: `a${i}.f32`, b: `b${i}.f32`, width: a.width, height: a.height });
  }
  await writeFile(join(dir, 'pairs.json'), JSON.stringify(manifest));
}

describe('TypeScript and Python metrics agree', () => {
  it('to 1e-4 on 20 random pairs (LPIPS alex, squeeze, SSIM, PSNR)', async (ctx) => {
    const weightsDir = weightsOrSkip(ctx);
    const problem = pythonProblem();
    if (problem) skipOrFail(ctx, `cross-language check needs the Python toolkit: ${problem}`);
    const list = pairs();
    const dir = await mkdtemp(join(tmpdir(), 'exitgraph-xlang-'));
    try {
      await writePairs(dir, list);
      const run = spawnSync(PYTHON, [DRIVER, dir, weightsDir], {
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: TRAINING },
        maxBuffer: 16 << 20,
        timeout: 300_000,
      });
      if (run.status !== 0) throw new Error(`python driver failed (status ${run.status}): ${run.stderr}`);
      const python = JSON.parse(run.stdout) as Record<'lpips-alex' | 'lpips-squeeze' | 'ssim' | 'psnr', number>[];
      expect(python).toHaveLength(list.length);

      const alex = await loadLpips({ net: 'alex', device: 'cpu', weightsDir });
      const squeeze = await loadLpips({ net: 'squeeze', device: 'cpu', weightsDir });
      const as = list.map((p) => p.a);
      const bs = list.map((p) => p.b);
      const ts = {
        'lpips-alex': await alex.distance(as, bs),
        'lpips-squeeze': await squeeze.distance(as, bs),
        ssim: list.map(({ a, b }) => ssim(a, b)),
        psnr: list.map(({ a, b }) => psnr(a, b)),
      };
      const worst: string[] = [];
      for (const metric of ['lpips-alex', 'lpips-squeeze', 'ssim', 'psnr'] as const) {
        let largest = 0;
        ts[metric].forEach((value, i) => {
          const diff = Math.abs(value - python[i]![metric]);
          largest = Math.max(largest, diff);
          expect(diff, `${metric} pair ${i} (${list[i]!.a.width}x${list[i]!.a.height}): ts ${value}, python ${python[i]![metric]}`).toBeLessThan(1e-4);
        });
        worst.push(`${metric} ${largest.toExponential(2)}`);
      }
      console.log(`cross-language, largest |ts - python| over ${list.length} pairs: ${worst.join(', ')}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
