import type { Image } from '../../kernel/image/image.js';
import { loadLpips } from '../metrics/lpips.js';
import type { Device } from '../onnx/devices.js';
import type { SessionCache } from '../onnx/sessions.js';

/** Distance between batches of image pairs, in a pack's metric. */
export type DistanceFunction = (a: readonly Image[], b: readonly Image[]) => Promise<number[]>;

/** Metrics a pack may name: LPIPS (the norm) and plain L1 (mean absolute difference in [0, 1]). */
export const PACK_METRICS = ['lpips-alex', 'lpips-squeeze', 'l1'] as const;

/** `sessions`: where an LPIPS session lives (default: the process-wide cache). */
export async function distanceFor(metric: string, device: Device, weightsDir?: string, sessions?: SessionCache): Promise<DistanceFunction> {
  if (metric === 'lpips-alex' || metric === 'lpips-squeeze') {
    const lpips = await loadLpips({ net: metric === 'lpips-alex' ? 'alex' : 'squeeze', device, ...(weightsDir ? { weightsDir } : {}), ...(sessions ? { sessions } : {}) });
    return (a, b) => lpips.distance(a, b);
  }
  if (metric === 'l1') return async (a, b) => a.map((image, i) => meanAbsoluteDifference(image, b[i]!));
  throw new Error(`unknown pack metric "${metric}" (known: ${PACK_METRICS.join(', ')})`);
}

function meanAbsoluteDifference(a: Image, b: Image): number {
  if (a.data.length !== b.data.length) throw new Error(`cannot compare a ${a.width}x${a.height}x${a.channels} image with a ${b.width}x${b.height}x${b.channels} one`);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}
