/** Shared helpers for the metric tests: where the real weights are, seeded images, CI rules. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { TestContext } from 'vitest';
import { createImage, type Image } from '../../sdk/index.js';
import { resolveLpipsWeightsDir } from '../../sdk/early-exit/index.js';
import { lpipsWeightFiles } from '../../sdk/early-exit/index.js';
import { rng } from '../support/seeded-random.js';

export { rng };

export const ON_CI = process.env.CI === 'true' || process.env.CI === '1';
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Outside CI: skip the test with a message saying why. On CI: fail with that message. */
export function skipOrFail(ctx: TestContext, reason: string): never {
  if (ON_CI) throw new Error(`${reason} (CI=true: this must not be skipped on CI)`);
  console.warn(`[skipped] ${ctx.task.name}: ${reason}`);
  return ctx.skip(reason);
}

/** The LPIPS weights folder (flag-less resolution: $EXITGRAPH_WEIGHTS, else the shipped models/lpips). */
export function sharedWeights(): { dir?: string; reason?: string } {
  try {
    const dir = resolveLpipsWeightsDir();
    const missing = (['alex', 'squeeze'] as const)
      .flatMap((net) => Object.values(lpipsWeightFiles(dir, net)))
      .filter((f) => !existsSync(f));
    if (missing.length) return { reason: `LPIPS weights incomplete: missing ${missing.join(', ')}` };
    return { dir };
  } catch (error) {
    return { reason: (error as Error).message };
  }
}

/** Weights folder or skip (fail on CI). */
export function weightsOrSkip(ctx: TestContext): string {
  const { dir, reason } = sharedWeights();
  if (!dir) skipOrFail(ctx, `no LPIPS weights: ${reason}`);
  return dir!;
}

export function testImagePath(name: string): string {
  const { dir } = sharedWeights();
  return join(dir ?? '', 'test-images', name);
}


/**
 * A natural-ish test image: a smooth random field (bilinear upsampling of a coarse random grid)
 * plus a little fine noise, values in [0, 1].
 */
export function smoothImage(width: number, height: number, seed: number, channels: 1 | 3 | 4 = 3): Image {
  const r = rng(seed);
  const gw = 6;
  const gh = 6;
  const grid = Array.from({ length: gw * gh * channels }, () => r());
  const data = new Float32Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const gy = (y / Math.max(1, height - 1)) * (gh - 1);
    const y0 = Math.min(gh - 2, Math.floor(gy));
    const fy = gy - y0;
    for (let x = 0; x < width; x++) {
      const gx = (x / Math.max(1, width - 1)) * (gw - 1);
      const x0 = Math.min(gw - 2, Math.floor(gx));
      const fx = gx - x0;
      for (let c = 0; c < channels; c++) {
        const at = (xx: number, yy: number) => grid[(yy * gw + xx) * channels + c]!;
        const v = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
        data[(y * width + x) * channels + c] = Math.min(1, Math.max(0, v + (r() - 0.5) * 0.1));
      }
    }
  }
  return createImage(width, height, channels, data);
}

/** `image` with uniform noise of +-amount added, clamped to [0, 1]. */
export function perturb(image: Image, amount: number, seed: number): Image {
  const r = rng(seed);
  const data = image.data.map((v) => Math.min(1, Math.max(0, v + (r() * 2 - 1) * amount)));
  return createImage(image.width, image.height, image.channels, data);
}

export function constantImage(width: number, height: number, value: number | readonly number[], channels: 1 | 3 | 4 = 3): Image {
  const values = typeof value === 'number' ? Array(channels).fill(value) : value;
  const data = new Float32Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = values[i % channels]!;
  return createImage(width, height, channels, data);
}
