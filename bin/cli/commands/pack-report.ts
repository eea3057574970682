import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { loadModelPack as loadPack } from '../../../sdk/early-exit/index.js';
import { buildPackReport } from '../../../sdk/early-exit/index.js';
import { CliError } from '../cli-host.js';
import { DEVICE_CHOICES, pickDevice } from '../device-option.js';
import { evaluateWithProgress } from '../evaluate-with-progress.js';
import { untilCtrlC } from '../interrupt.js';
import { parseNumber } from '../router-flags.js';

interface ReportOptions {
  json?: boolean;
  out?: string;
  split: string;
  compare: string;
  limit?: number;
  device: string;
  weights?: string;
}

/** `exitgraph pack report`: measures a pack on its test split and writes markdown, JSON and plots. */
export function registerPackReport(pack: Command): void {
  pack
    .command('report')
    .description("Measure a pack on its test split: full model vs ground truth, each exit's cost and distance to the full output, predictor quality, oracle savings, guides ablation, sample grid, and the pack's other splits (e.g. painted-style maps) side by side")
    .argument('<pack>', 'pack folder or name under models/packs')
    .option('--json', 'print the report as JSON')
    .option('--out <dir>', 'folder for report.md, report.json and the plots (default: output/report/<pack>)')
    .option('--split <name>', 'split shipped with the pack', 'test')
    .option('--compare <splits>', "other shipped splits measured side by side (comma-separated; 'all' or 'none')", 'all')
    .option('--limit <n>', 'use the first n inputs only', (v: string) => parseNumber('--limit', v))
    .addOption(new Option('--device <device>', 'execution device').choices(DEVICE_CHOICES).default('cpu'))
    .option('--weights <dir>', 'LPIPS weights folder (default: $EXITGRAPH_WEIGHTS, then the shipped models/lpips)')
    .action((name: string, options: ReportOptions) => untilCtrlC('the report', (signal) => packReport(name, options, signal)));
}

async function packReport(name: string, options: ReportOptions, signal: AbortSignal): Promise<void> {
  const loaded = await loadPack(name).catch((error: Error) => {
    throw new CliError(error.message);
  });
  const device = await pickDevice(options.device);
  const evaluation = await evaluateWithProgress(loaded, {
    device: device.device,
    split: options.split,
    signal,
    ...(options.limit ? { limit: options.limit } : {}),
    ...(options.weights ? { weightsDir: options.weights } : {}),
  }, Boolean(options.json));
  const others = [];
  for (const split of compareSplits(Object.keys(loaded.manifest.splits ?? {}), evaluation.split, options.compare)) {
    signal.throwIfAborted();
    others.push(await evaluateWithProgress(loaded, {
      device: device.device,
      split,
      signal,
      samples: 0,
      latencyInputs: 1,
      ...(options.limit ? { limit: options.limit } : {}),
      ...(options.weights ? { weightsDir: options.weights } : {}),
    }, Boolean(options.json)));
  }
  signal.throwIfAborted();
  const out = resolve(options.out ?? join('output', 'report', loaded.manifest.name));
  const report = await buildPackReport(loaded, evaluation, out, others);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const lines = [
    `${report.pack} ${report.version}: ${report.split} split, ${report.n} inputs, ${report.device}`,
    `full model vs ground truth: LPIPS-alex ${report.full_lpips_to_gt?.toFixed(4) ?? '-'}, SSIM ${report.full_ssim_to_gt?.toFixed(4) ?? '-'}`,
    ...report.exits.map((e) => `  ${e.name.padEnd(8)} ${pct(e.macs_share).padStart(6)} of MACs, ${report.metric} to full: mean ${e.lpips_to_full_mean.toFixed(4)}, Spearman ${e.predictor_spearman === null ? '-' : e.predictor_spearman.toFixed(3)}`),
    `predictor: ${pct(report.predictor.share)} of the full MACs`,
    `oracle saving: ${Object.entries(report.oracle_saving).map(([t, s]) => `tau ${t}: ${pct(s)}`).join(', ')}`,
    ...report.splits.map((s) => {
      const risk = s.risk['0.1'];
      return `  ${s.split.padEnd(8)} (${s.n}): full to gt ${s.full_lpips_to_gt?.toFixed(4) ?? '-'}, oracle at 0.1 saves ${pct(s.oracle_saving['0.1'] ?? Number.NaN)}${risk ? `, risk router at 0.1: ${pct(risk.violation_rate)} violations, ${pct(risk.macs_saved)} saved` : ''}, predictor bias at ${s.exits[0]?.name ?? '-'} ${s.exits[0]?.predictor_bias.toFixed(3) ?? '-'}`;
    }),
    `written: ${join(out, 'report.md')} (+ report.json, plots)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The splits --compare names: every other shipped split for 'all', none for 'none'. */
function compareSplits(shipped: readonly string[], main: string, compare: string): string[] {
  if (compare === 'none') return [];
  if (compare === 'all') return shipped.filter((s) => s !== main);
  const names = compare.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((s) => !shipped.includes(s));
  if (unknown.length) throw new CliError(`--compare: the pack ships no split ${unknown.map((s) => JSON.stringify(s)).join(', ')} (it ships ${shipped.join(', ') || 'none'})`);
  return names.filter((s) => s !== main);
}
