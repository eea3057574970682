/**
 * One entry point for every image-quality metric, by name: what the QualityMetric node and the
 * `exitgraph metric` command use.
 */
import type { Image } from '../../kernel/image/image.js';
import type { DeviceRequest } from '../onnx/devices.js';
import type { SessionCache } from '../onnx/sessions.js';
import { sharedLpips } from './lpips.js';
import { checkPair } from './pair-check.js';
import { psnr } from './psnr.js';
import { ssim } from './ssim.js';

export const QUALITY_METRICS = ['lpips-alex', 'lpips-squeeze', 'ssim', 'psnr'] as const;
export type QualityMetricName = (typeof QUALITY_METRICS)[number];

/** Which way is better: LPIPS is a distance (0 = same), SSIM and PSNR are similarities. */
export const METRIC_INFO: Readonly<Record<QualityMetricName, { readonly better: 'lower' | 'higher'; readonly unit: string; readonly description: string }>> = {
  'lpips-alex': { better: 'lower', unit: '', description: 'LPIPS v0.1 distance, AlexNet backbone (0 = identical)' },
  'lpips-squeeze': { better: 'lower', unit: '', description: 'LPIPS v0.1 distance, SqueezeNet 1.1 backbone (0 = identical)' },
  ssim: { better: 'higher', unit: '', description: 'SSIM, Gaussian 11x11 window, sigma 1.5 (1 = identical)' },
  psnr: { better: 'higher', unit: 'dB', description: 'PSNR in dB, data range 1 (Infinity = identical)' },
};

export function isQualityMetric(name: string): name is QualityMetricName {
  return (QUALITY_METRICS as readonly string[]).includes(name);
}

export interface QualityOptions {
  /** Device for LPIPS (SSIM and PSNR run in JavaScript). Default cpu. */
  readonly device?: DeviceRequest;
  /** LPIPS weights folder (else $EXITGRAPH_WEIGHTS, else the shipped models/lpips). */
  readonly weightsDir?: string;
  /** Where the LPIPS session lives (a node passes its host's sessions); default the process-wide cache. */
  readonly sessions?: SessionCache;
}

/** The metric between two images of one size, in [0, 1]. */
export async function measureQuality(metric: QualityMetricName, a: Image, b: Image, options: QualityOptions = {}): Promise<number> {
  return (await measureQualityBatch(metric, [a], [b], options))[0]!;
}

/** The metric for each pair (a[i], b[i]); LPIPS runs the pairs batched. */
export async function measureQualityBatch(metric: QualityMetricName, a: readonly Image[], b: readonly Image[], options: QualityOptions = {}): Promise<number[]> {
  if (!isQualityMetric(metric)) throw new Error(`unknown metric "${metric as string}", expected one of ${QUALITY_METRICS.join(', ')}`);
  if (a.length !== b.length) throw new Error(`${metric}: ${a.length} image(s) in a but ${b.length} in b`);
  a.forEach((ia, i) => checkPair(ia, b[i]!, metric, a.length > 1 ? `pair ${i}` : ''));
  switch (metric) {
    case 'ssim':
      return a.map((ia, i) => ssim(ia, b[i]!));
    case 'psnr':
      return a.map((ia, i) => psnr(ia, b[i]!));
    default: {
      const net = metric === 'lpips-alex' ? 'alex' : 'squeeze';
      const lpips = await sharedLpips({ net, ...(options.device ? { device: options.device } : {}), ...(options.weightsDir ? { weightsDir: options.weightsDir } : {}), ...(options.sessions ? { sessions: options.sessions } : {}) });
      return lpips.distance(a, b);
    }
  }
}
