/**
 * LPIPS on cpu: model build + session time, time per pair at 128x128 and 256x256, and pairs per
 * second batched (16 pairs per run) against the same pairs one by one, measured in the same run.
 */
import { createImage, type Image } from '../../sdk/index.js';
import { loadLpips, LpipsWeightsError, type LpipsNet } from '../../sdk/early-exit/index.js';
import { medianMs, type BenchFigure, type BenchSection } from './bench-report.js';

const BATCH = 16;
const RUNS = 5;

/** Seeded smooth-ish image (a few sines plus noise): stands in for a generated image. */
function image(size: number, seed: number): Image {
  let s = seed >>> 0;
  const random = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const data = new Float32Array(size * size * 3);
  const f = [random() * 0.2, random() * 0.2, random() * 0.2];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        const v = 0.5 + 0.3 * Math.sin(x * f[c]! + y * f[(c + 1) % 3]!) + (random() - 0.5) * 0.2;
        data[(y * size + x) * 3 + c] = Math.min(1, Math.max(0, v));
      }
    }
  }
  return createImage(size, size, 3, data);
}

async function netFigures(net: LpipsNet, figures: BenchFigure[]): Promise<void> {
  const start = performance.now();
  const lpips = await loadLpips({ net, device: 'cpu' });
  figures.push({ name: `${net}: build model + session (first load)`, value: performance.now() - start, unit: 'ms' });
  for (const size of [128, 256]) {
    const as = Array.from({ length: BATCH }, (_, i) => image(size, 1 + i));
    const bs = Array.from({ length: BATCH }, (_, i) => image(size, 100 + i));
    await lpips.distance(as.slice(0, 2), bs.slice(0, 2)); // warm this size
    const one = await medianMs(() => lpips.distance(as[0]!, bs[0]!), RUNS);
    const serial = await medianMs(async () => {
      for (let i = 0; i < BATCH; i++) await lpips.distance(as[i]!, bs[i]!);
    }, RUNS);
    const batched = await medianMs(() => lpips.distance(as, bs), RUNS);
    figures.push({ name: `${net} ${size}x${size}: time per pair (one pair per run)`, value: one, unit: 'ms' });
    figures.push({ name: `${net} ${size}x${size}: pairs/s one by one (${BATCH} pairs)`, value: (BATCH * 1000) / serial, unit: 'pairs/s' });
    figures.push({ name: `${net} ${size}x${size}: pairs/s batched (${BATCH} per run)`, value: (BATCH * 1000) / batched, unit: 'pairs/s' });
    figures.push({ name: `${net} ${size}x${size}: batched speed-up`, value: serial / batched, unit: 'x' });
  }
}

export async function lpipsBench(): Promise<BenchSection> {
  const title = 'LPIPS on cpu (onnxruntime, built from the weights folder)';
  const figures: BenchFigure[] = [];
  try {
    for (const net of ['alex', 'squeeze'] as const) await netFigures(net, figures);
  } catch (error) {
    if (!(error instanceof LpipsWeightsError)) throw error;
    return { title, figures, notes: [`skipped: ${error.message}`] };
  }
  return { title, figures, notes: [`median of ${RUNS} runs; onnxruntime intra-op threads = all cores`] };
}
