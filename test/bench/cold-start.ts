/**
 * Cold start, as a user feels it: whole `exitgraph` processes (`--help`; `run` of the landscape
 * graph, with the optimized-model cache on disk warm, cold and off, and the verified-pack cache
 * off) beside `node -e ""` (what any node
 * process costs here), measured interleaved in the same run, as ms and as ratios to that baseline.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../sdk/index.js';
import type { BenchFigure, BenchSection } from './bench-report.js';

const ROUNDS = 7;

interface Contender {
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  /** Runs before each timed run (not timed). */
  readonly before?: () => void;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function coldStartBench(): Promise<BenchSection> {
  const root = packageRoot();
  const bin = join(root, 'bin', 'exitgraph.js');
  const out = mkdtempSync(join(tmpdir(), 'exitgraph-bench-out-'));
  const coldCache = mkdtempSync(join(tmpdir(), 'exitgraph-bench-cache-'));
  const graph = join(root, 'examples', 'graphs', 'landscape-risk.json');
  const contenders: Contender[] = [
    { name: 'node -e ""', args: ['-e', ''] },
    { name: 'exitgraph --help', args: [bin, '--help'] },
  ];
  const hasPack = existsSync(join(root, 'models', 'packs', 'landscape', 'manifest.json'));
  if (hasPack) {
    const run = [bin, 'run', graph, '--out', out, '--device', 'cpu'];
    contenders.push(
      { name: 'exitgraph run landscape-risk.json', args: run },
      { name: 'exitgraph run landscape-risk.json, optimized-model cache cold', args: run, env: { EXITGRAPH_CACHE_DIR: coldCache }, before: () => rmSync(join(coldCache, 'ort-optimized'), { recursive: true, force: true }) },
      { name: 'exitgraph run landscape-risk.json, optimized-model cache off', args: run, env: { EXITGRAPH_ORT_CACHE: '0' } },
      // Every load checks the pack again (decodes every ONNX file): what the verified-pack cache saves.
      { name: 'exitgraph run landscape-risk.json, verified-pack cache off', args: run, env: { EXITGRAPH_PACK_CACHE: '0' } },
    );
  }
  // One untimed run each: fills the warm cache and the OS file cache.
  for (const c of contenders) spawnSync(process.execPath, c.args, { cwd: root, env: { ...process.env, ...c.env } });
  const times = contenders.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < contenders.length; i++) {
      // Rotated order, so none always runs first or right after another.
      const k = (round + i) % contenders.length;
      const c = contenders[k]!;
      c.before?.();
      const start = performance.now();
      const result = spawnSync(process.execPath, c.args, { cwd: root, env: { ...process.env, ...c.env }, encoding: 'utf8' });
      times[k]!.push(performance.now() - start);
      if (result.status !== 0) throw new Error(`${c.name} exited ${result.status}: ${result.stderr}`);
    }
  }
  rmSync(out, { recursive: true, force: true });
  rmSync(coldCache, { recursive: true, force: true });
  const base = median(times[0]!);
  const figures: BenchFigure[] = [{ name: 'node -e "" (baseline)', value: base, unit: 'ms' }];
  const targets: Record<string, string> = { 'exitgraph --help': '<= 250 ms here', 'exitgraph run landscape-risk.json': '<= 900 ms here' };
  contenders.slice(1).forEach((c, i) => {
    const ms = median(times[i + 1]!);
    figures.push({ name: c.name, value: ms, unit: 'ms', ...(targets[c.name] ? { target: targets[c.name] } : {}) });
    figures.push({ name: `${c.name} / baseline`, value: ms / base, unit: 'x' });
  });
  const notes = [`whole processes, ${ROUNDS} interleaved rounds, medians (cpu device)`];
  if (!hasPack) notes.push('models/packs/landscape is missing: only --help was measured');
  return { title: 'Cold start (whole processes)', figures, notes };
}
