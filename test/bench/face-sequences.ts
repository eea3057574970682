/**
 * The faces pack on a driving sequence (skipped, with a note, when models/packs/faces is
 * missing): one graph (Load Frames -> Face Reenactor -> Save Frames) over the examples' driving
 * frames, each run in a fresh process, with the full model every frame and with the deadline
 * router at a stated per-frame target; frames per second beside the quality each gives (mean
 * LPIPS-alex of its frames to the full model's), and peak RSS for 60 and 600 frames.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage, packageRoot, type Image } from '../../sdk/index.js';
import { loadLpips } from '../../sdk/early-exit/index.js';
import { framesPerExit } from '../../bin/cli/run-reporter.js';
import { shippedPack, type BenchSection } from './bench-report.js';

const COUNTS = [60, 600] as const;
/** The deadline router's per-frame target, as a share of the full model's time per frame. */
const DEADLINE_SHARE = 0.6;

interface ChildRun {
  readonly max_rss_mb: number;
  readonly ms: number;
  /** Frames per exit taken (Save Frames' report). */
  readonly exits: Readonly<Record<string, number>>;
}


async function framesIn(dir: string): Promise<Image[]> {
  const names = readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
  return Promise.all(names.map(async (name) => decodeImage(readFileSync(join(dir, name)), name)));
}

export async function faceSequencesBench(): Promise<BenchSection> {
  const root = packageRoot();
  const title = 'Faces pack on a driving sequence (128x128, cpu)';
  const { dir: pack, skipped } = shippedPack('faces', title);
  if (skipped) return skipped;
  const packs = dirname(pack);
  const dir = mkdtempSync(join(tmpdir(), 'exitgraph-bench-faces-'));
  try {
    const examples = join(root, 'examples', 'faces');
    mkdirSync(join(dir, 'input', 'drive'), { recursive: true });
    copyFileSync(join(examples, 'sources', 'busy.png'), join(dir, 'input', 'source.png'));
    // The examples' sequence back and forth until there are enough frames.
    const driving = readdirSync(join(examples, 'driving')).filter((f) => f.endsWith('.png')).sort();
    const pingPong = [...driving, ...driving.slice(1, -1).reverse()];
    for (let i = 0; i < Math.max(...COUNTS); i++) copyFileSync(join(examples, 'driving', pingPong[i % pingPong.length]!), join(dir, 'input', 'drive', `frame_${String(i).padStart(4, '0')}.png`));
    const child = fileURLToPath(new URL('./frame-sequences-child.js', import.meta.url));
    const measure = (frames: number, routing: Record<string, unknown>, copyTo?: string): ChildRun =>
      JSON.parse(execFileSync(process.execPath, [child, packs, join(dir, 'input'), String(frames), 'stream', JSON.stringify(routing), ...(copyTo ? [copyTo] : [])], { encoding: 'utf8' }).trim().split('\n').at(-1)!);

    const [n] = COUNTS;
    const fullDir = join(dir, 'full');
    const full = measure(n, { router: 'full' }, fullDir);
    const deadlineMs = (full.ms / n) * DEADLINE_SHARE;
    const routedDir = join(dir, 'deadline');
    const routed = measure(n, { router: 'deadline', deadline_ms: Number(deadlineMs.toFixed(1)) }, routedDir);
    const lpips = await loadLpips({ net: 'alex', device: 'cpu' });
    const fullFrames = await framesIn(fullDir);
    const routedFrames = await framesIn(routedDir);
    if (fullFrames.length !== n || routedFrames.length !== n) throw new Error(`face-sequences bench: expected ${n} frames from each run, got ${fullFrames.length} and ${routedFrames.length}`);
    const distances = await lpips.distance(routedFrames, fullFrames);
    const meanDistance = distances.reduce((a, b) => a + b, 0) / distances.length;
    const long = measure(COUNTS[1], { router: 'deadline', deadline_ms: Number(deadlineMs.toFixed(1)) });
    return {
      title,
      figures: [
        { name: `full model every frame: frames per second (${n} frames)`, value: n / (full.ms / 1000), unit: 'frames/s' },
        { name: `deadline ${deadlineMs.toFixed(1)} ms: frames per second`, value: n / (routed.ms / 1000), unit: 'frames/s' },
        { name: 'deadline / full: frames per second', value: full.ms / routed.ms, unit: 'x' },
        { name: 'deadline: mean LPIPS to the full output', value: meanDistance, unit: '' },
        { name: `deadline: peak RSS, ${COUNTS[0]} frames`, value: routed.max_rss_mb, unit: 'MB' },
        { name: `deadline: peak RSS, ${COUNTS[1]} frames`, value: long.max_rss_mb, unit: 'MB' },
        { name: `RSS ${COUNTS[1]} / ${COUNTS[0]} frames`, value: long.max_rss_mb / routed.max_rss_mb, unit: 'x', target: '~1 (flat)' },
      ],
      notes: [
        `source examples/faces/sources/busy.png; driving: examples/faces/driving back and forth; the deadline is ${DEADLINE_SHARE} x the full model's time per frame in the same bench run (whole graph: decode, reenact, encode and save)`,
        'frames per second: the graph run, including pack open and session creation (not process start)',
        `deadline: the ${n} frames took ${framesPerExit(routed.exits) || 'no exits reported'}`,
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
