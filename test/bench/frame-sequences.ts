/**
 * Frame sequences: peak RSS of one graph (Load Frames -> Face Reenactor -> Save Frames) over 60
 * and 600 driving frames at 128x128, against the baseline of the same graph fed a batch (every
 * frame decoded into memory first), each run in a fresh process. The pack is the two-input stub
 * (untrained, tiny): this measures the pipeline's memory, not a face model's speed or quality.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createImage, encodePng } from '../../sdk/index.js';
import { writeStubPack } from '../../sdk/testing/index.js';
import type { BenchSection } from './bench-report.js';

const SIZE = 128;
const COUNTS = [60, 600] as const;

function picture(seed: number) {
  return createImage(SIZE, SIZE, 3, Float32Array.from({ length: SIZE * SIZE * 3 }, (_, i) => (Math.sin(seed * 3.7 + i * 0.013) + 1) / 2));
}

export async function frameSequencesBench(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), 'exitgraph-bench-frames-'));
  try {
    writeStubPack(join(dir, 'packs', 'faces'), { name: 'faces', inputs: ['source', 'driving'], size: SIZE });
    mkdirSync(join(dir, 'input', 'drive'), { recursive: true });
    writeFileSync(join(dir, 'input', 'source.png'), await encodePng(picture(1)));
    for (let i = 0; i < Math.max(...COUNTS); i++) writeFileSync(join(dir, 'input', 'drive', `frame_${String(i).padStart(4, '0')}.png`), await encodePng(picture(100 + i)));
    const child = fileURLToPath(new URL('./frame-sequences-child.js', import.meta.url));
    const measure = (frames: number, mode: 'stream' | 'batch'): { max_rss_mb: number; ms: number } =>
      JSON.parse(execFileSync(process.execPath, [child, join(dir, 'packs'), join(dir, 'input'), String(frames), mode], { encoding: 'utf8' }).trim().split('\n').at(-1)!);
    const figures = [];
    for (const mode of ['stream', 'batch'] as const) {
      const [small, large] = COUNTS.map((n) => measure(n, mode));
      figures.push(
        { name: `${mode}: peak RSS, ${COUNTS[0]} frames`, value: small!.max_rss_mb, unit: 'MB' },
        { name: `${mode}: peak RSS, ${COUNTS[1]} frames`, value: large!.max_rss_mb, unit: 'MB' },
        { name: `${mode}: RSS ${COUNTS[1]} / ${COUNTS[0]} frames`, value: large!.max_rss_mb / small!.max_rss_mb, unit: 'x', ...(mode === 'stream' ? { target: '~1 (flat)' } : {}) },
        { name: `${mode}: frames per second, ${COUNTS[1]} frames`, value: COUNTS[1] / (large!.ms / 1000), unit: 'frames/s' },
      );
    }
    return { title: `Frame sequences (${SIZE}x${SIZE}, stub two-input pack, full model every frame, cpu)`, figures, notes: ['batch = every frame decoded into memory before the reenactor (the IMAGE-batch design); stream = FRAMES as shipped'] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
