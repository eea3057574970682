import { describe, expect, it } from 'vitest';
import { createImage } from '../../sdk/index.js';
import { psnr } from '../../sdk/early-exit/index.js';
import { ssim } from '../../sdk/early-exit/index.js';
import { constantImage, perturb, smoothImage } from './helpers.js';

describe('PSNR (data range 1)', () => {
  it('is 10 log10(1/mse) for a known difference', () => {
    expect(psnr(constantImage(16, 16, 0.2), constantImage(16, 16, 0.3))).toBeCloseTo(20, 5);
    expect(psnr(constantImage(8, 4, 0), constantImage(8, 4, 1))).toBeCloseTo(0, 10);
    // Only one channel differs, by 0.3: mse = 0.09 / 3 = 0.03.
    expect(psnr(constantImage(8, 8, [0.5, 0.5, 0.5]), constantImage(8, 8, [0.5, 0.8, 0.5]))).toBeCloseTo(10 * Math.log10(1 / 0.03), 4);
  });

  it('is +Infinity for identical images, symmetric, and falls as noise grows', () => {
    const a = smoothImage(40, 30, 1);
    expect(psnr(a, a)).toBe(Infinity);
    const b = perturb(a, 0.05, 2);
    const c = perturb(a, 0.2, 3);
    expect(psnr(a, b)).toBeCloseTo(psnr(b, a), 10);
    expect(psnr(a, b)).toBeGreaterThan(psnr(a, c));
  });

  it('ignores alpha and names mismatched sizes', () => {
    const rgb = constantImage(4, 4, [0.1, 0.2, 0.3]);
    const rgba = constantImage(4, 4, [0.1, 0.2, 0.3, 0.9], 4);
    expect(psnr(rgb, rgba)).toBe(Infinity);
    expect(() => psnr(constantImage(4, 4, 0), constantImage(5, 4, 0))).toThrow(/a is 4x4, b is 5x4/);
  });
});

describe('SSIM (Gaussian 11x11, sigma 1.5, K1 0.01, K2 0.03)', () => {
  it('is 1 for identical images and symmetric', () => {
    const a = smoothImage(64, 48, 4);
    expect(ssim(a, a)).toBeCloseTo(1, 12);
    const b = perturb(a, 0.1, 5);
    expect(ssim(a, b)).toBeCloseTo(ssim(b, a), 12);
  });

  it('matches the closed form on constant images (no variance: the luminance term alone)', () => {
    // mu_a = 0.5, mu_b = 0.6, sigma = 0: SSIM = (2 mu_a mu_b + C1) / (mu_a^2 + mu_b^2 + C1)
    // (pixels are float32: the formula uses the float32 values).
    const [x0, y0] = [Math.fround(0.5), Math.fround(0.6)];
    const expected = (2 * x0 * y0 + 1e-4) / (x0 * x0 + y0 * y0 + 1e-4);
    expect(ssim(constantImage(20, 20, 0.5), constantImage(20, 20, 0.6))).toBeCloseTo(expected, 12);
    // Per channel, then mean over the three channels.
    const perChannel = [[0.2, 0.2], [0.5, 0.7], [0.9, 0.1]].map((pair) => pair.map(Math.fround)).map(([x, y]) => (2 * x! * y! + 1e-4) / (x! * x! + y! * y! + 1e-4));
    const mean = perChannel.reduce((s, v) => s + v, 0) / 3;
    expect(ssim(constantImage(16, 12, [0.2, 0.5, 0.9]), constantImage(16, 12, [0.2, 0.7, 0.1]))).toBeCloseTo(mean, 12);
  });

  it('matches a hand-computed value on a one-window image (11x11: the map is a single pixel)', () => {
    // With a valid 11x11 window on an 11x11 image, SSIM is one weighted-statistics formula.
    const w = 11;
    const g = Array.from({ length: w }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
    const gs = g.reduce((s, v) => s + v, 0);
    const a = createImage(w, w, 1, Float32Array.from({ length: w * w }, (_, i) => ((i * 37) % 11) / 10));
    const b = createImage(w, w, 1, Float32Array.from({ length: w * w }, (_, i) => ((i * 53) % 7) / 6));
    let ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) {
      const k = (g[y]! * g[x]!) / (gs * gs);
      const va = a.data[y * w + x]!, vb = b.data[y * w + x]!;
      ma += k * va; mb += k * vb; saa += k * va * va; sbb += k * vb * vb; sab += k * va * vb;
    }
    const c1 = 1e-4, c2 = 9e-4;
    const expected = ((2 * ma * mb + c1) * (2 * (sab - ma * mb) + c2)) / ((ma * ma + mb * mb + c1) * (saa - ma * ma + sbb - mb * mb + c2));
    expect(ssim(a, b)).toBeCloseTo(expected, 12);
  });

  it('falls as noise grows, stays within [-1, 1], and rejects images under 11 px', () => {
    const a = smoothImage(50, 37, 6);
    const values = [0.02, 0.1, 0.3].map((amount, i) => ssim(a, perturb(a, amount, 10 + i)));
    expect(values[0]!).toBeGreaterThan(values[1]!);
    expect(values[1]!).toBeGreaterThan(values[2]!);
    for (const v of values) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    expect(() => ssim(constantImage(10, 20, 0), constantImage(10, 20, 0))).toThrow(/at least 11x11.*10x20/);
  });
});
