import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { colorizeLabels } from '../../kernel/image/class-colors.js';
import type { PackEvaluation } from '../evaluation/pack-evaluation.js';
import { mean, median, quantile, spearman } from '../evaluation/statistics.js';
import type { LoadedPack } from '../packs/load-pack.js';
import { histogramChart, lineChart, svgToPng } from './svg-chart.js';
import { imageGridPng } from './sample-grid.js';

/** Taus the report's oracle figures are given at (the keys of `oracle_saving`). */
export const REPORT_TAUS = [0.05, 0.1, 0.2] as const;

export interface PackReportExit {
  readonly name: string;
  readonly macs: number;
  readonly macs_share: number;
  readonly lpips_to_full_mean: number;
  readonly lpips_to_full_median: number;
  readonly lpips_to_full_p90: number;
  /** Spearman correlation of predicted vs measured distance (NaN for the last exit: always 0). */
  readonly predictor_spearman: number | null;
  readonly latency_ms: number;
}

export interface PackReport {
  readonly pack: string;
  readonly version: string;
  readonly split: string;
  readonly n: number;
  readonly device: string;
  readonly metric: string;
  readonly full_lpips_to_gt: number | null;
  readonly full_ssim_to_gt: number | null;
  readonly exits: readonly PackReportExit[];
  readonly predictor: { readonly macs: number; readonly share: number; readonly latency_ms: number };
  /** Mean fraction of the full MACs the oracle saves, by tau. */
  readonly oracle_saving: Readonly<Record<string, number>>;
  /** Fraction of inputs the oracle sends to each exit, by tau. */
  readonly oracle_exit_histogram: Readonly<Record<string, readonly number[]>>;
  /** What the pack's training report says about guides (FIANCEE's guiding features), if anything. */
  readonly guides_ablation: unknown;
  readonly training: unknown;
  readonly files: readonly string[];
}

/** The oracle's exit per input at tau: the earliest whose measured distance is <= tau. */
function oracleExits(evaluation: PackEvaluation, tau: number): number[] {
  return evaluation.measured.map((row) => row.findIndex((d, k) => k === row.length - 1 || d <= tau));
}

export async function buildPackReport(pack: LoadedPack, evaluation: PackEvaluation, outDir: string): Promise<PackReport> {
  await mkdir(outDir, { recursive: true });
  const E = evaluation.exits.length;
  const column = (rows: readonly (readonly number[])[], k: number) => rows.map((r) => r[k]!);
  const exits: PackReportExit[] = evaluation.exits.map((exit, k) => {
    const measured = column(evaluation.measured, k);
    return {
      name: exit.name,
      macs: exit.macs,
      macs_share: exit.share,
      lpips_to_full_mean: mean(measured),
      lpips_to_full_median: median(measured),
      lpips_to_full_p90: quantile(measured, 0.9),
      predictor_spearman: k === E - 1 ? null : spearman(column(evaluation.predicted, k), measured),
      latency_ms: evaluation.latencyMs[k]!,
    };
  });
  const oracle_saving: Record<string, number> = {};
  const oracle_exit_histogram: Record<string, number[]> = {};
  for (const tau of REPORT_TAUS) {
    const chosen = oracleExits(evaluation, tau);
    oracle_saving[String(tau)] = mean(chosen.map((k) => 1 - evaluation.exits[k]!.share));
    oracle_exit_histogram[String(tau)] = evaluation.exits.map((_, k) => chosen.filter((c) => c === k).length / chosen.length);
  }
  const trainingFile = pack.manifest.training ? pack.path(pack.manifest.training.file) : undefined;
  const training = trainingFile && existsSync(trainingFile) ? (JSON.parse(await readFile(trainingFile, 'utf8')) as Record<string, unknown>) : undefined;

  // Plots.
  const files: string[] = [];
  const write = async (name: string, data: string | Buffer): Promise<void> => {
    await writeFile(join(outDir, name), data);
    files.push(join(outDir, name));
  };
  const distributions = histogramChart(
    evaluation.exits.slice(0, -1).map((e, k) => ({ name: e.name, values: column(evaluation.measured, k) })),
    { title: `${evaluation.metric} of each exit to the full output`, xLabel: evaluation.metric, yLabel: 'fraction of inputs', bins: 24 },
  );
  await write('exit-distances.png', await svgToPng(distributions));
  const scatter = lineChart(
    evaluation.exits.slice(0, -1).map((e, k) => ({ name: e.name, points: evaluation.predicted.map((p, i) => [evaluation.measured[i]![k]!, p[k]!] as const) })),
    { title: 'predictor: predicted vs measured distance', xLabel: `measured ${evaluation.metric}`, yLabel: 'predicted', scatter: true },
  );
  await write('predictor.png', await svgToPng(scatter));
  const taus = [0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3];
  const oracleCurve = lineChart([{ name: 'oracle', points: taus.map((t) => [t, mean(oracleExits(evaluation, t).map((k) => 1 - evaluation.exits[k]!.share))] as const) }], {
    title: 'oracle: MACs saved vs tau',
    xLabel: 'tau',
    yLabel: 'fraction of full MACs saved',
    guides: [{ y: 0.5, label: 'half' }],
  });
  await write('oracle-saving.png', await svgToPng(oracleCurve));
  if (evaluation.samples.length) {
    const rows = evaluation.samples.map((s) => [colorizeLabels(s.label, pack.manifest.input.kind === 'label_map' ? pack.manifest.input.colors : undefined), ...s.exits, ...(s.groundTruth ? [s.groundTruth] : [])]);
    await write('samples.png', await imageGridPng(rows));
  }

  const report: PackReport = {
    pack: evaluation.pack,
    version: pack.manifest.version,
    split: evaluation.split,
    n: evaluation.n,
    device: evaluation.device,
    metric: evaluation.metric,
    full_lpips_to_gt: evaluation.fullToGroundTruth ? mean(evaluation.fullToGroundTruth.lpips) : null,
    full_ssim_to_gt: evaluation.fullToGroundTruth ? mean(evaluation.fullToGroundTruth.ssim) : null,
    exits,
    predictor: { macs: evaluation.predictorMacs, share: evaluation.predictorMacs / evaluation.fullMacs, latency_ms: evaluation.predictorLatencyMs },
    oracle_saving,
    oracle_exit_histogram,
    guides_ablation: training?.guides_ablation ?? null,
    training: training ?? null,
    files: [...files, join(outDir, 'report.md'), join(outDir, 'report.json')],
  };
  await writeFile(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(outDir, 'report.md'), markdown(report, evaluation));
  return report;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/**
 * The training report's ablation as a table when it has the documented shape (per-exit mean
 * distance with and without guides), else as the JSON it is.
 */
function guidesAblation(ablation: unknown, evaluation: PackEvaluation): string[] {
  if (!ablation) return ['The pack reports no guides ablation.'];
  const { with_guides: withGuides, without_guides: without, split, count } = ablation as Record<string, unknown>;
  const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');
  if (!numbers(withGuides) || !numbers(without) || withGuides.length !== without.length) return ['```json', JSON.stringify(ablation, null, 2), '```'];
  const where = [typeof split === 'string' ? `${split} split` : '', typeof count === 'number' ? `${count} guides` : ''].filter(Boolean).join(', ');
  return [
    `Mean distance to the full output per exit, from the training report${where ? ` (${where})` : ''}.`,
    '',
    '| exit | with guides | without guides | difference |',
    '|---|---|---|---|',
    ...withGuides.map((w, k) => `| ${evaluation.exits[k]?.name ?? k} | ${w.toFixed(4)} | ${without[k]!.toFixed(4)} | ${(w - without[k]!).toFixed(4)} |`),
  ];
}
const num = (v: number | null) => (v === null || !Number.isFinite(v) ? '-' : v.toFixed(3));

function markdown(report: PackReport, evaluation: PackEvaluation): string {
  const lines = [
    `# Pack report: ${report.pack} ${report.version}`,
    '',
    `${report.split} split, ${report.n} inputs, on ${report.device}; distances in ${report.metric}.`,
    '',
    '## Full model vs ground truth',
    report.full_lpips_to_gt === null ? 'The split ships no ground truth.' : `Mean LPIPS-alex ${num(report.full_lpips_to_gt)}, mean SSIM ${num(report.full_ssim_to_gt)}.`,
    '',
    '## Exits',
    '| exit | MACs | share of full | mean dist to full | median | p90 | predictor Spearman | latency (ms) |',
    '|---|---|---|---|---|---|---|---|',
    ...report.exits.map((e) => `| ${e.name} | ${(e.macs / 1e6).toFixed(1)} M | ${pct(e.macs_share)} | ${num(e.lpips_to_full_mean)} | ${num(e.lpips_to_full_median)} | ${num(e.lpips_to_full_p90)} | ${num(e.predictor_spearman)} | ${e.latency_ms.toFixed(1)} |`),
    '',
    `Predictor: ${(report.predictor.macs / 1e6).toFixed(2)} M MACs, ${(report.predictor.share * 100).toFixed(2)}% of the full model.`,
    '',
    '![distances](exit-distances.png) ![predictor](predictor.png)',
    '',
    '## Oracle',
    '| tau | MACs saved | inputs per exit |',
    '|---|---|---|',
    ...REPORT_TAUS.map((t) => `| ${t} | ${pct(report.oracle_saving[String(t)]!)} | ${report.oracle_exit_histogram[String(t)]!.map((h, k) => `${evaluation.exits[k]!.name} ${pct(h)}`).join(', ')} |`),
    '',
    '![oracle](oracle-saving.png)',
    '',
    '## Guides ablation',
    ...guidesAblation(report.guides_ablation, evaluation),
    '',
    '## Samples',
    'Each row: the label map, every exit from earliest to full, and the ground truth.',
    '',
    '![samples](samples.png)',
    '',
  ];
  return lines.join('\n');
}
