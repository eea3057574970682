/**
 * PSNR in dB, data range 1 (images in [0, 1]): mse = mean over pixels and colour channels of
 * (a - b)^2, psnr = 10 log10(1 / mse); identical images give +Infinity. Alpha is ignored.
 * Same definition as models/training/exitgraph_training/image_metrics.py `psnr`.
 */
import type { Image } from '../../kernel/image/image.js';
import { checkPair } from './pair-check.js';

export function psnr(a: Image, b: Image, dataRange = 1): number {
  const channels = checkPair(a, b, 'psnr');
  const pixels = a.width * a.height;
  let sum = 0;
  for (let p = 0; p < pixels; p++) {
    const ia = p * a.channels;
    const ib = p * b.channels;
    for (let c = 0; c < channels; c++) {
      const d = a.data[ia + c]! - b.data[ib + c]!;
      sum += d * d;
    }
  }
  const mse = sum / (pixels * channels);
  return 10 * Math.log10((dataRange * dataRange) / mse);
}
