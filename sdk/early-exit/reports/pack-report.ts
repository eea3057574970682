import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { colorizeLabels } from '../../kernel/image/class-colors.js';
import { namedImages, type PackEvaluation } from '../evaluation/pack-evaluation.js';
import type { SplitInput } from '../evaluation/pack-split.js';
import { isNamedInputs } from '../packs/pack-inputs.js';
import { isImage, type Image } from '../../kernel/image/image.js';
import { isLabelMap } from '../packs/pack-io.js';
import { mean, median, quantile, spearman } from '../evaluation/statistics.js';
import type { LoadedPack } from '../packs/load-pack.js';
import { evaluateRouter } from '../evaluation/router-evaluation.js';
import { RouterRegistry } from '../routers/router-registry.js';
import { noveltyKind } from '../novelty/novelty-policy.js';
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
  /** Mean of predicted minus measured distance: how far off the predictor is, and which way. */
  readonly predictor_bias: number;
  /** Mean absolute error of the predicted distance. */
  readonly predictor_mae: number;
  readonly latency_ms: number;
}

/** The figures of one split, for the side-by-side comparison of the pack's splits. */
export interface SplitFigures {
  readonly split: string;
  readonly n: number;
  readonly full_lpips_to_gt: number | null;
  readonly exits: readonly Pick<PackReportExit, 'name' | 'lpips_to_full_mean' | 'predictor_spearman' | 'predictor_bias' | 'predictor_mae'>[];
  readonly oracle_saving: Readonly<Record<string, number>>;
  readonly oracle_exit_histogram: Readonly<Record<string, readonly number[]>>;
  /** The risk router (Learn-then-Test, alpha RISK_ALPHA, novelty check on) at each report tau. */
  readonly risk: Readonly<Record<string, { readonly violation_rate: number; readonly macs_saved: number; readonly novel_escalated: number }>>;
  /** Share of inputs the novelty check calls novel (p < 0.01), when the pack ships novelty maps. */
  readonly novel_share: number | null;
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
  /** Mean LPIPS-alex to ground truth of each image input returned unchanged (faces: `source`, `driver`); null for label-map packs. */
  readonly baseline_lpips_to_gt: Readonly<Record<string, number>> | null;
  readonly exits: readonly PackReportExit[];
  readonly predictor: { readonly macs: number; readonly share: number; readonly latency_ms: number };
  /** Mean fraction of the full MACs the oracle saves, by tau. */
  readonly oracle_saving: Readonly<Record<string, number>>;
  /** Fraction of inputs the oracle sends to each exit, by tau. */
  readonly oracle_exit_histogram: Readonly<Record<string, readonly number[]>>;
  /** What the pack's training report says about guides (FIANCEE's guiding features), if anything. */
  readonly guides_ablation: unknown;
  readonly training: unknown;
  /** Every evaluated split side by side (the report's own split first), e.g. test and painted. */
  readonly splits: readonly SplitFigures[];
  readonly files: readonly string[];
}

/** The alpha of the report's risk-router figures. */
export const RISK_ALPHA = 0.1;

/** The oracle's exit per input at tau: the earliest whose measured distance is <= tau. */
function oracleExits(evaluation: PackEvaluation, tau: number): number[] {
  return evaluation.measured.map((row) => row.findIndex((d, k) => k === row.length - 1 || d <= tau));
}

const column = (rows: readonly (readonly number[])[], k: number) => rows.map((r) => r[k]!);

function exitFigures(evaluation: PackEvaluation): PackReportExit[] {
  const E = evaluation.exits.length;
  return evaluation.exits.map((exit, k) => {
    const measured = column(evaluation.measured, k);
    const predicted = column(evaluation.predicted, k);
    return {
      name: exit.name,
      macs: exit.macs,
      macs_share: exit.share,
      lpips_to_full_mean: mean(measured),
      lpips_to_full_median: median(measured),
      lpips_to_full_p90: quantile(measured, 0.9),
      predictor_spearman: k === E - 1 ? null : spearman(predicted, measured),
      predictor_bias: mean(predicted.map((p, i) => p - measured[i]!)),
      predictor_mae: mean(predicted.map((p, i) => Math.abs(p - measured[i]!))),
      latency_ms: evaluation.latencyMs[k]!,
    };
  });
}

function oracleFigures(evaluation: PackEvaluation): Pick<PackReport, 'oracle_saving' | 'oracle_exit_histogram'> {
  const oracle_saving: Record<string, number> = {};
  const oracle_exit_histogram: Record<string, number[]> = {};
  for (const tau of REPORT_TAUS) {
    const chosen = oracleExits(evaluation, tau);
    oracle_saving[String(tau)] = mean(chosen.map((k) => 1 - evaluation.exits[k]!.share));
    oracle_exit_histogram[String(tau)] = evaluation.exits.map((_, k) => chosen.filter((c) => c === k).length / chosen.length);
  }
  return { oracle_saving, oracle_exit_histogram };
}

/** One split's figures for the side-by-side table. */
export function splitFigures(evaluation: PackEvaluation): SplitFigures {
  const routers = new RouterRegistry();
  const risk: Record<string, { violation_rate: number; macs_saved: number; novel_escalated: number }> = {};
  if (evaluation.calibration) {
    for (const tau of REPORT_TAUS) {
      const f = evaluateRouter(evaluation, routers, 'risk', { tau, alpha: RISK_ALPHA }, tau);
      risk[String(tau)] = { violation_rate: f.violation_rate, macs_saved: f.macs_saved, novel_escalated: f.novel_escalated };
    }
  }
  return {
    split: evaluation.split,
    n: evaluation.n,
    full_lpips_to_gt: evaluation.fullToGroundTruth ? mean(evaluation.fullToGroundTruth.lpips) : null,
    exits: exitFigures(evaluation).map(({ name, lpips_to_full_mean, predictor_spearman, predictor_bias, predictor_mae }) => ({ name, lpips_to_full_mean, predictor_spearman, predictor_bias, predictor_mae })),
    ...oracleFigures(evaluation),
    risk,
    novel_share: evaluation.novelty ? evaluation.novelty.filter((s) => noveltyKind(s, 0.01) !== undefined).length / evaluation.n : null,
  };
}

/**
 * The report of `evaluation`'s split, with `others` (evaluations of the pack's other splits,
 * e.g. the painted-style test set) side by side in `splits`.
 */
export async function buildPackReport(pack: LoadedPack, evaluation: PackEvaluation, outDir: string, others: readonly PackEvaluation[] = []): Promise<PackReport> {
  await mkdir(outDir, { recursive: true });
  const exits = exitFigures(evaluation);
  const { oracle_saving, oracle_exit_histogram } = oracleFigures(evaluation);
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
    const colors = pack.manifest.input.kind === 'label_map' ? pack.manifest.input.colors : undefined;
    // Each row: the input (a label map in colour, or every image input), each exit, the ground truth.
    const shown = (input: SplitInput): Image[] => (isNamedInputs(input) ? namedImages(input).map(([, image]) => image) : isLabelMap(input) ? [colorizeLabels(input, colors)] : isImage(input) ? [input] : []);
    const rows = evaluation.samples.map((s) => [...shown(s.input), ...s.exits, ...(s.groundTruth ? [s.groundTruth] : [])]);
    await write('samples.png', await imageGridPng(rows));
  }
  if (evaluation.strip) {
    // First row: the held input, then the varied input of each column; then one row per exit.
    const { held, varied, exits: outputs } = evaluation.strip;
    const blank = { ...held[1], data: new Float32Array(held[1].data.length).fill(1) };
    const strip = [[held[1], ...varied.map((images) => images[0] ?? blank)], ...outputs.map((row) => [blank, ...row])];
    await write('strip.png', await imageGridPng(strip));
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
    baseline_lpips_to_gt: evaluation.baselinesToGroundTruth ? Object.fromEntries(Object.entries(evaluation.baselinesToGroundTruth).map(([name, values]) => [baselineName(name), mean(values)])) : null,
    exits,
    predictor: { macs: evaluation.predictorMacs, share: evaluation.predictorMacs / evaluation.fullMacs, latency_ms: evaluation.predictorLatencyMs },
    oracle_saving,
    oracle_exit_histogram,
    guides_ablation: training?.guides_ablation ?? null,
    training: training ?? null,
    splits: [evaluation, ...others].map(splitFigures),
    files: [...files, join(outDir, 'report.md'), join(outDir, 'report.json')],
  };
  await writeFile(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(outDir, 'report.md'), markdown(report, evaluation));
  return report;
}

/** The report calls the driving input's baseline `driver` (the driver returned unchanged). */
const baselineName = (input: string): string => (input === 'driving' ? 'driver' : input);

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
    ...(report.baseline_lpips_to_gt
      ? [`Baselines (an input returned unchanged), mean LPIPS-alex to ground truth: ${Object.entries(report.baseline_lpips_to_gt).map(([name, v]) => `${name} ${num(v)}`).join(', ')}.`]
      : []),
    '',
    '## Exits',
    '| exit | MACs | share of full | mean dist to full | median | p90 | predictor Spearman | predictor bias | predictor MAE | latency (ms) |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...report.exits.map((e) => `| ${e.name} | ${(e.macs / 1e6).toFixed(1)} M | ${pct(e.macs_share)} | ${num(e.lpips_to_full_mean)} | ${num(e.lpips_to_full_median)} | ${num(e.lpips_to_full_p90)} | ${num(e.predictor_spearman)} | ${e.predictor_bias >= 0 ? '+' : ''}${e.predictor_bias.toFixed(3)} | ${num(e.predictor_mae)} | ${e.latency_ms.toFixed(1)} |`),
    '',
    `Predictor: ${(report.predictor.macs / 1e6).toFixed(2)} M MACs, ${(report.predictor.share * 100).toFixed(2)}% of the full model.`,
    '',
    '![distances](exit-distances.png) ![predictor](predictor.png)',
    '',
    ...splitsTable(report),
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
    `Each row: ${evaluation.baselinesToGroundTruth || evaluation.strip ? 'the inputs' : 'the label map'}, every exit from earliest to full, and the ground truth.`,
    '',
    '![samples](samples.png)',
    '',
    ...(evaluation.strip
      ? [
          '## One input held, the other varied',
          `Top row: the ${evaluation.strip.held[0]} of the first test input, then the other input of each of the first ${evaluation.strip.varied.length} test inputs; below, one row per exit (earliest first), each driving that ${evaluation.strip.held[0]}.`,
          '',
          '![strip](strip.png)',
          '',
        ]
      : []),
  ];
  return lines.join('\n');
}

/** The splits side by side: one column per split, one row per figure. */
function splitsTable(report: PackReport): string[] {
  if (report.splits.length < 2) return [];
  const sets = report.splits;
  const row = (label: string, cell: (s: SplitFigures) => string) => `| ${label} | ${sets.map(cell).join(' | ')} |`;
  const exitNames = sets[0]!.exits.map((e) => e.name);
  return [
    '## Splits side by side',
    'The same figures on each split the pack ships (the painted-style set comes from a generator never used in training or calibration).',
    '',
    `| | ${sets.map((s) => `${s.split} (${s.n})`).join(' | ')} |`,
    `|---|${sets.map(() => '---').join('|')}|`,
    row('full model LPIPS to ground truth', (s) => num(s.full_lpips_to_gt)),
    ...exitNames.slice(0, -1).map((name, k) => row(`${name}: mean dist to full / predictor bias / MAE / Spearman`, (s) => {
      const e = s.exits[k]!;
      return `${num(e.lpips_to_full_mean)} / ${e.predictor_bias >= 0 ? '+' : ''}${e.predictor_bias.toFixed(3)} / ${num(e.predictor_mae)} / ${num(e.predictor_spearman)}`;
    })),
    ...REPORT_TAUS.map((t) => row(`tau ${t}: oracle saved`, (s) => pct(s.oracle_saving[String(t)]!))),
    ...REPORT_TAUS.map((t) => row(`tau ${t}: risk router (alpha ${RISK_ALPHA}) violations / saved`, (s) => {
      const r = s.risk[String(t)];
      return r ? `${pct(r.violation_rate)} / ${pct(r.macs_saved)}` : '-';
    })),
    row('novel inputs (p < 0.01)', (s) => (s.novel_share === null ? '-' : pct(s.novel_share))),
    '',
  ];
}
