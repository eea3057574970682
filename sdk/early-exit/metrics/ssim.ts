/**
 * SSIM (Wang et al. 2004) for images in [0, 1], as skimage `structural_similarity(...,
 * gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1)` and as
 * models/training/exitgraph_training/image_metrics.py `ssim`:
 *  - window 11x11 Gaussian, sigma 1.5, normalised to sum 1 (separable: the 1-D kernel
 *    normalised, applied along rows then columns);
 *  - per channel: mu, variances and covariance by 'valid' filtering (no padding; the map is
 *    (H-10) x (W-10)), C1 = (0.01 L)^2, C2 = (0.03 L)^2 with L = data range;
 *  - mean of the SSIM map, then mean over colour channels (alpha ignored).
 * Computed in float64. Images must be at least 11x11.
 */
import type { Image } from '../../kernel/image/image.js';
import { checkPair } from './pair-check.js';

export const SSIM_WINDOW = 11;
export const SSIM_SIGMA = 1.5;
export const SSIM_K1 = 0.01;
export const SSIM_K2 = 0.03;

function gaussian1d(size: number, sigma: number): Float64Array {
  const g = new Float64Array(size);
  const mid = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    g[i] = Math.exp(-((i - mid) ** 2) / (2 * sigma * sigma));
    sum += g[i]!;
  }
  for (let i = 0; i < size; i++) g[i]! /= sum;
  return g;
}

const KERNEL = gaussian1d(SSIM_WINDOW, SSIM_SIGMA);

/** 'valid' separable Gaussian filter of a w x h plane -> (w-10) x (h-10). */
function filterValid(src: Float64Array, w: number, h: number, tmp: Float64Array, out: Float64Array): void {
  const k = KERNEL;
  const n = SSIM_WINDOW;
  const ow = w - n + 1;
  const oh = h - n + 1;
  // rows: tmp is h x ow
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += k[i]! * src[row + x + i]!;
      tmp[y * ow + x] = s;
    }
  }
  // columns: out is oh x ow
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += k[i]! * tmp[(y + i) * ow + x]!;
      out[y * ow + x] = s;
    }
  }
}

/** Mean SSIM of two images of one size (at least 11x11). 1 for identical images. */
export function ssim(a: Image, b: Image, dataRange = 1): number {
  const channels = checkPair(a, b, 'ssim');
  const { width: w, height: h } = a;
  if (w < SSIM_WINDOW || h < SSIM_WINDOW) {
    throw new Error(`ssim: images must be at least ${SSIM_WINDOW}x${SSIM_WINDOW} (the Gaussian window), got ${w}x${h}`);
  }
  const c1 = (SSIM_K1 * dataRange) ** 2;
  const c2 = (SSIM_K2 * dataRange) ** 2;
  const pixels = w * h;
  const ow = w - SSIM_WINDOW + 1;
  const oh = h - SSIM_WINDOW + 1;
  const planes = Array.from({ length: 5 }, () => new Float64Array(pixels));
  const filtered = Array.from({ length: 5 }, () => new Float64Array(ow * oh));
  const tmp = new Float64Array(h * ow);
  let total = 0;
  for (let c = 0; c < channels; c++) {
    const [pa, pb, paa, pbb, pab] = planes as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    for (let p = 0; p < pixels; p++) {
      const va = a.data[p * a.channels + c]!;
      const vb = b.data[p * b.channels + c]!;
      pa[p] = va;
      pb[p] = vb;
      paa[p] = va * va;
      pbb[p] = vb * vb;
      pab[p] = va * vb;
    }
    for (let i = 0; i < 5; i++) filterValid(planes[i]!, w, h, tmp, filtered[i]!);
    const [ma, mb, saa, sbb, sab] = filtered as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    let sum = 0;
    for (let i = 0; i < ow * oh; i++) {
      const mua = ma[i]!;
      const mub = mb[i]!;
      const varA = saa[i]! - mua * mua;
      const varB = sbb[i]! - mub * mub;
      const cov = sab[i]! - mua * mub;
      sum += ((2 * mua * mub + c1) * (2 * cov + c2)) / ((mua * mua + mub * mub + c1) * (varA + varB + c2));
    }
    total += sum / (ow * oh);
  }
  return total / channels;
}
