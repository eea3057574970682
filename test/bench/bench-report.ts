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
