import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, mkdir, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLpips, lpipsModelBytes } from '../../sdk/early-exit/index.js';
import { readImagePair, readRgbImage } from '../../sdk/early-exit/index.js';
import { LpipsWeightsError, resolveLpipsWeightsDir } from '../../sdk/early-exit/index.js';
import { lpipsWeightFiles } from '../../sdk/early-exit/index.js';
import sharp from 'sharp';
import { REPO_ROOT, perturb, smoothImage, testImagePath, weightsOrSkip } from './helpers.js';

// models/lpips/README.md "Check".
const REFERENCE = {
  alex: { p0: 0.721881, p1: 0.137566 },
  squeeze: { p0: 0.711048, p1: 0.147902 },
} as const;

describe.each(['alex', 'squeeze'] as const)('LPIPS %s on cpu', (net) => {
  it('reproduces the reference values within 1e-4 (Image entry)', async (ctx) => {
    const weightsDir = weightsOrSkip(ctx);
    const lpips = await loadLpips({ net, device: 'cpu', weightsDir });
    const ref = await readRgbImage(testImagePath('ex_ref.png'));
    const [p0, p1] = await Promise.all(['ex_p0.png', 'ex_p1.png'].map((f) => readRgbImage(testImagePath(f))));
    const [d0, d1] = await lpips.distance([ref, ref], [p0!, p1!]);
    expect(Math.abs(d0! - REFERENCE[net].p0)).toBeLessThan(1e-4);
    expect(Math.abs(d1! - REFERENCE[net].p1)).toBeLessThan(1e-4);
  });

  it('reproduces the reference values from uint8/127.5 - 1 tensors (tensor entry)', async (ctx) => {
    const weightsDir = weightsOrSkip(ctx);
    const lpips = await loadLpips({ net, device: 'cpu', weightsDir });
    const nchw = async (file: string) => {
      const { data, info } = await sharp(testImagePath(file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const plane = info.width * info.height;
      const out = new Float32Array(3 * plane);
      for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = data[p * info.channels + c]! / 127.5 - 1;
      return { data: out, dims: [1, 3, info.height, info.width] as const };
    };
    const ref = await nchw('ex_ref.png');
    const both = { data: new Float32Array([...ref.data, ...ref.data]), dims: [2, 3, 64, 64] as const };
    const p = [await nchw('ex_p0.png'), await nchw('ex_p1.png')];
    const d = await lpips.distanceTensor(both, { data: new Float32Array([...p[0]!.data, ...p[1]!.data]), dims: [2, 3, 64, 64] });
    expect(Math.abs(d[0]! - REFERENCE[net].p0)).toBeLessThan(1e-4);
    expect(Math.abs(d[1]! - REFERENCE[net].p1)).toBeLessThan(1e-4);
  });

  it('gives the same distances batched as one by one, sizes mixed, 32..256 px, non-square', async (ctx) => {
    const weightsDir = weightsOrSkip(ctx);
    const lpips = await loadLpips({ net, device: 'cpu', weightsDir, maxBatch: 3 });
    const sizes: [number, number][] = [[32, 32], [32, 57], [57, 32], [96, 40], [64, 64], [64, 64], [64, 64], [64, 64], [131, 256], [256, 256]];
    const as = sizes.map(([w, h], i) => smoothImage(w, h, 100 + i));
    const bs = as.map((img, i) => perturb(img, 0.05 + 0.02 * i, 200 + i));
    const batched = await lpips.distance(as, bs);
    const single: number[] = [];
    for (let i = 0; i < as.length; i++) single.push((await lpips.distance(as[i]!, bs[i]!))[0]!);
    for (let i = 0; i < as.length; i++) {
      expect(Number.isFinite(batched[i])).toBe(true);
      expect(batched[i]!).toBeGreaterThan(0);
      expect(Math.abs(batched[i]! - single[i]!)).toBeLessThan(1e-5);
    }
  });

  it('is 0 for identical images, symmetric, and grows with the perturbation', async (ctx) => {
    const weightsDir = weightsOrSkip(ctx);
    const lpips = await loadLpips({ net, device: 'cpu', weightsDir });
    const a = smoothImage(80, 48, 7);
    const [same] = await lpips.distance(a, a);
    expect(same).toBe(0);
    const b = perturb(a, 0.1, 8);
    const [ab, ba] = await lpips.distance([a, b], [b, a]);
    expect(Math.abs(ab! - ba!)).toBeLessThan(1e-6);
    const d = await lpips.distance([a, a, a], [perturb(a, 0.02, 9), perturb(a, 0.1, 9), perturb(a, 0.4, 9)]);
    expect(d[0]!).toBeLessThan(d[1]!);
    expect(d[1]!).toBeLessThan(d[2]!);
  });

  it('rejects images under 32 px and pairs of different sizes, naming the sizes', async (ctx) => {
    const weightsDir = weightsOrSkip(ctx);
    const lpips = await loadLpips({ net, device: 'cpu', weightsDir });
    await expect(lpips.distance(smoothImage(31, 64, 1), smoothImage(31, 64, 2))).rejects.toThrow(/31x64.*at least 32x32/);
    await expect(lpips.distance([smoothImage(40, 40, 1), smoothImage(40, 50, 1)], [smoothImage(40, 40, 2), smoothImage(50, 40, 2)])).rejects.toThrow(
      /pair 1 differs in size: a is 40x50, b is 50x40/,
    );
  });
});

describe('LPIPS weights folder', () => {
  it('names every place it looked and how to make the files when the folder is missing', () => {
    const nowhere = join(tmpdir(), 'exitgraph-no-such-weights-folder');
    expect(() => resolveLpipsWeightsDir(nowhere)).toThrow(LpipsWeightsError);
    expect(() => resolveLpipsWeightsDir(nowhere)).toThrow(new RegExp(`${nowhere.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}.*--weights.*export_lpips_weights`));
    // Through the environment, and through the default beside the repository.
    expect(() => resolveLpipsWeightsDir(undefined, { EXITGRAPH_WEIGHTS: nowhere })).toThrow(/\$EXITGRAPH_WEIGHTS/);
    expect(() => resolveLpipsWeightsDir(undefined, {}, join(nowhere, 'shared', 'weights', 'lpips'))).toThrow(/shared[\\/]weights[\\/]lpips.*EXITGRAPH_WEIGHTS is not set.*pip install lpips torchvision/);
  });

  it('finds the shipped models/lpips with no flag and no $EXITGRAPH_WEIGHTS', () => {
    const dir = resolveLpipsWeightsDir(undefined, {});
    expect(dir).toBe(join(REPO_ROOT, 'models', 'lpips'));
    for (const net of ['alex', 'squeeze'] as const) {
      for (const file of Object.values(lpipsWeightFiles(dir, net))) expect(existsSync(file), file).toBe(true);
    }
  });

  it('prefers the option over $EXITGRAPH_WEIGHTS, and accepts a folder holding lpips/', async () => {
    const root = await mkdtemp(join(tmpdir(), 'exitgraph-weights-'));
    try {
      await mkdir(join(root, 'lpips'));
      await mkdir(join(root, 'other'));
      expect(resolveLpipsWeightsDir(undefined, { EXITGRAPH_WEIGHTS: root })).toBe(join(root, 'lpips'));
      expect(resolveLpipsWeightsDir(join(root, 'other'), { EXITGRAPH_WEIGHTS: root })).toBe(join(root, 'other'));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('says which file is missing from an incomplete folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'exitgraph-weights-'));
    try {
      await expect(loadLpips({ net: 'squeeze', weightsDir: root })).rejects.toThrow(/lpips_squeeze_v0\.1\.f32\.json and .*lpips_squeeze_v0\.1\.f32\.bin/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('file-caches the built model under the given temp folder, never in the weights folder', async (ctx) => {
    const weightsDir = weightsOrSkip(ctx);
    const before = await readdir(weightsDir);
    const cacheDir = await mkdtemp(join(tmpdir(), 'exitgraph-lpips-cache-'));
    try {
      // A private copy of the weights so this test's memo key is its own.
      const copy = await mkdtemp(join(tmpdir(), 'exitgraph-weights-copy-'));
      const files = lpipsWeightFiles(weightsDir, 'squeeze');
      await copyFile(files.manifest, join(copy, 'lpips_squeeze_v0.1.f32.json'));
      await copyFile(files.blob, join(copy, 'lpips_squeeze_v0.1.f32.bin'));
      const first = await lpipsModelBytes('squeeze', copy, cacheDir);
      const cached = await readdir(cacheDir);
      expect(cached).toHaveLength(1);
      expect(cached[0]).toMatch(/^lpips-squeeze-[0-9a-f]{16}-g\d+-op\d+\.onnx$/);
      const lpips = await loadLpips({ net: 'squeeze', weightsDir: copy, fileCache: cacheDir });
      expect(lpips.weightsSha256).toBe(first.sha256);
      const [a, b] = await readImagePair(testImagePath('ex_ref.png'), testImagePath('ex_p1.png'));
      expect(Math.abs((await lpips.distance(a, b))[0]! - 0.147902)).toBeLessThan(1e-4);
      await rm(copy, { recursive: true, force: true });
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
    expect(await readdir(weightsDir)).toEqual(before);
  });
});
