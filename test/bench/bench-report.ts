import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../sdk/index.js';
import { resolveLpipsWeightsDir } from '../../sdk/early-exit/index.js';

/** One benchmark section's figures, printed by `npm run bench`. */
export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** Optional target, shown next to the figure (e.g. "< 50", "<= 1.03"). */
  readonly target?: string;
}

export interface BenchSection {
  readonly title: string;
  readonly figures: readonly BenchFigure[];
  readonly notes?: readonly string[];
}

export type Bench = () => Promise<BenchSection>;

/** Median of n timed runs of fn, in milliseconds. */
export async function medianMs(fn: () => unknown | Promise<unknown>, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * A shipped pack's folder (models/packs/<name>) for a bench, and, when the bench cannot run here
 * (the pack or the LPIPS weights are missing), `skipped`: the section to print instead.
 */
export function shippedPack(name: string, title: string): { readonly dir: string; readonly skipped?: BenchSection } {
  const dir = join(packageRoot(), 'models', 'packs', name);
  if (!existsSync(join(dir, 'manifest.json'))) return { dir, skipped: { title, figures: [], notes: [`skipped: models/packs/${name} is missing (npm run models:${name})`] } };
  try {
    resolveLpipsWeightsDir();
  } catch (error) {
    return { dir, skipped: { title, figures: [], notes: [`skipped: ${(error as Error).message.split('\n')[0]}`] } };
  }
  return { dir };
}
