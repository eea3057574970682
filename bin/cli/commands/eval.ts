import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { Host } from '../../../sdk/index.js';
import { bestFixedExit, routeEvaluation, routerName, type AnyRouterDefinition, type PackEvaluation, type RouterFigures } from '../../../sdk/early-exit/index.js';
import { curveCsv, tauCurve } from '../../../sdk/early-exit/index.js';
import { lineChart, simulateAudit, svgToPng, type AuditSimulation } from '../../../sdk/early-exit/index.js';
import { ROUTERS, RouterRegistry, loadModelPack, readInputFolder, type LoadedModelPack, type PackSplit } from '../../../sdk/early-exit/index.js';
import { NOVELTY_PARAMS, noveltyKind, type ExitPlan, type NoveltyPolicy } from '../../../sdk/early-exit/index.js';
import { CliError, EXIT, hostFor } from '../cli-host.js';
import { DEVICE_CHOICES, pickDevice } from '../device-option.js';
import { evaluateWithProgress } from '../evaluate-with-progress.js';
import { untilCtrlC } from '../interrupt.js';
import { addRouterFlags, paramsFromFlags, parseNumber, routerFlags, routerFlagsHelp, type RouterFlag } from '../router-flags.js';

/** eval's own options; the router flags come from the router schemas (see router-flags.ts). */
interface EvalOptions {
  router: string;
  tau: number;
  alpha: number;
  param: string[];
  split: string;
  inputs?: string;
  limit?: number;
  audit?: number;
  auditStep: number;
  novelInputs: 'full' | 'trust';
  noveltyLevel: number;
  device: string;
  weights?: string;
  json?: boolean;
  out?: string;
  [routerFlag: string]: unknown;
}

/** The evaluation's own quality bar, passed to the router too when it declares them. */
const SHARED = new Set(['--tau', '--alpha']);

type Baselines = { full: RouterFigures; oracle: RouterFigures; best_fixed: RouterFigures };
type CurvePoint = ReturnType<typeof tauCurve>[number];

/**
 * Registers `exitgraph eval`. `routers` gives the router flags and the --help list: the registry
 * of the host the command will run against (main builds it first, with the --plugin packs, so
 * that plugin routers' params are flags too); `host` is that host.
 */
export function register(program: Command, routers: RouterRegistry = new RouterRegistry(), host?: Host): void {
  const command = defineEvalCommand(program, routers);
  // --tau and --alpha are eval's own options, and the flags of the routers that take them.
  const reserved = new Set(command.options.map((o) => o.long).filter((l): l is string => Boolean(l) && !SHARED.has(l!)));
  const flags = routerFlags(routers, reserved);
  addRouterFlags(command, flags.filter((f) => !SHARED.has(f.flag)))
    .addHelpText('after', `${routerFlagsHelp(routers, flags)}\n\nExample:\n  exitgraph eval landscape --router risk --tau 0.1 --alpha 0.1 --json\n  exitgraph eval landscape --router risk --inputs my-maps/ --json   (your own painted maps)`)
    .action(async (packName: string, options: EvalOptions, cmd: Command) => {
      const runHost = host ?? (await hostFor(cmd));
      await untilCtrlC('the evaluation', (signal) => evalCommand(runHost, packName, options, flags, signal));
    });
}

function defineEvalCommand(program: Command, routers: RouterRegistry): Command {
  return program
    .command('eval')
    .description("Evaluate a router on a pack's test split (or a folder of label maps, --inputs): MACs and latency saved, violation rate, mean LPIPS, against the full model, the oracle and the best fixed exit")
    .argument('<pack>', 'pack folder or name under models/packs')
    .option('--router <name>', `router: ${routers.list().map(routerName).join(', ')} (a plugin's, once loaded with --plugin)`, 'threshold')
    .option('--tau <number>', 'quality bar: a violation is an output further than tau from the full output (also the param of routers that take tau)', (v: string) => parseNumber('--tau', v), 0.1)
    .option('--alpha <number>', 'allowed violation rate: the bar for the best fixed exit (also the param of routers that take alpha)', (v: string) => parseNumber('--alpha', v), 0.1)
    .option('--param <key=value>', 'a router param by name (repeatable; value is JSON or text)', (v: string, p: string[]) => [...p, v], [])
    .option('--split <name>', 'split shipped with the pack', 'test')
    .option('--inputs <folder>', "evaluate the label-map PNGs of a folder instead of a split (greyscale ids or palette PNGs, class names from a tEXt \"classes\" chunk else the pack's ids), resized to the pack's input size by nearest neighbour")
    .option('--limit <n>', 'evaluate the first n inputs only', (v: string) => parseNumber('--limit', v))
    .option('--audit <fraction>', "replay the Exit Selector's audit on the inputs in order: every round(1/fraction)-th input checked against the full model (its cost counted), the router tightened when the audited violation rate's 95% interval lies above alpha; plots the running rate (audit.png)", (v: string) => auditFraction(v))
    .option('--audit-step <number>', "how far one tightening goes (added to the router's predictions)", (v: string) => parseNumber('--audit-step', v), 0.01)
    .addOption(new Option('--novel-inputs <policy>', "inputs unlike every calibration input, or finer than the predictor samples (packs with novelty maps): full (the full model, as the Exit Selector does by default) or trust (routed like the rest)").choices([...NOVELTY_PARAMS.novel_inputs.enum]).default('full'))
    .option('--novelty-level <p>', 'novelty p-value below which an input is novel', (v: string) => noveltyLevel(v), NOVELTY_PARAMS.novelty_level.default)
    .addOption(new Option('--device <device>', 'execution device').choices(DEVICE_CHOICES).default('cpu'))
    .option('--weights <dir>', 'LPIPS weights folder (default: $EXITGRAPH_WEIGHTS, then the shipped models/lpips)')
    .option('--json', 'print the figures as JSON')
    .option('--out <dir>', 'folder for the curve (CSV, SVG, PNG) and figures (default: output/eval/<pack>-<router>)');
}

async function evalCommand(host: Host, packName: string, options: EvalOptions, flags: readonly RouterFlag[], signal: AbortSignal): Promise<void> {
  const routers = host.services.get(ROUTERS);
  const { router, params } = chooseRouter(routers, options, flags);
  const device = await pickDevice(options.device);
  const { pack, inputs } = options.inputs ? await readInputs(packName, options.inputs, options.limit) : { pack: packName, inputs: undefined };
  const evaluation = await evaluateWithProgress(pack, {
    device: device.device,
    split: options.split,
    signal,
    ...(inputs ? { inputs } : {}),
    ...(options.limit ? { limit: options.limit } : {}),
    ...(options.weights ? { weightsDir: options.weights } : {}),
  }, Boolean(options.json));
  const { tau, alpha } = options;
  const novelty: NoveltyPolicy = { mode: options.novelInputs, level: options.noveltyLevel };
  const { figures, exits, plans } = routeEvaluation(evaluation, routers, router.id, params, tau, novelty);
  const baselines = baselinesFor(evaluation, routers, tau, alpha);
  const curve = curveFor(evaluation, routers, router, params, novelty);
  const out = resolve(options.out ?? join('output', 'eval', `${evaluation.pack}-${router.id.replace(/\W+/g, '-')}`));
  const audit = options.audit === undefined ? undefined : simulateAudit(evaluation, routers, router.id, params, { fraction: options.audit, tau, alpha, step: options.auditStep }, novelty);
  const summary = {
    ...summaryOf(evaluation, router, figures, baselines, curve, { tau, alpha, out }),
    ...(evaluation.novelty ? { novelty: noveltySummary(evaluation, novelty, figures) } : {}),
    ...(audit ? { audit: auditSummary(audit, out) } : {}),
    inputs: inputRows(evaluation, exits, plans, tau),
  };
  signal.throwIfAborted();
  await writeEvalFiles(out, evaluation, curve, summary);
  if (audit) await writeAuditPlot(out, evaluation, audit);
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(`${[...evalTable(evaluation, router, figures, baselines, { tau, alpha, out, predictorShare: summary.predictor_share, novelty }), ...(audit ? auditLines(audit, out) : [])].join('\n')}\n`);
  if (!Number.isFinite(figures.macs_saved)) process.exitCode = EXIT.failed;
}

/** The router named by --router and its params from the flags, validated against its schema. */
function chooseRouter(routers: RouterRegistry, options: EvalOptions, flags: readonly RouterFlag[]): { router: AnyRouterDefinition; params: Record<string, unknown> } {
  let router: AnyRouterDefinition;
  try {
    router = routers.get(options.router);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const given = paramsFromFlags(router, flags.filter((f) => !SHARED.has(f.flag)), options, { tau: options.tau, alpha: options.alpha }, options.param);
  try {
    return { router, params: routers.params(router, given) };
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** The --inputs folder read up front, so that a bad map is an invalid argument (exit 2) naming the file. */
async function readInputs(packName: string, folder: string, limit: number | undefined): Promise<{ pack: LoadedModelPack; inputs: PackSplit }> {
  const pack = await loadModelPack(packName);
  try {
    return { pack, inputs: await readInputFolder(pack, folder, limit) };
  } catch (error) {
    throw new CliError(`--inputs: ${(error as Error).message}`);
  }
}

function noveltyLevel(value: string): number {
  const level = parseNumber('--novelty-level', value);
  if (!(level > 0 && level <= 0.5)) throw new CliError(`--novelty-level must be in (0, 0.5], got ${value}`);
  return level;
}

/** How many inputs were novel and what the policy did with them. */
function noveltySummary(evaluation: PackEvaluation, policy: NoveltyPolicy, figures: RouterFigures) {
  const scores = evaluation.novelty ?? [];
  const { far, fine } = novelCounts(evaluation, policy.level);
  return {
    policy: policy.mode,
    level: policy.level,
    novel: far + fine,
    // Of those: far from every calibration input, and finer than the predictor samples.
    novel_far: far,
    novel_fine: fine,
    escalated: figures.novel_escalated,
    reference_size: scores[0]?.n ?? 0,
  };
}

function auditFraction(value: string): number {
  const fraction = parseNumber('--audit', value);
  if (!(fraction > 0 && fraction <= 1)) throw new CliError(`--audit must be a fraction in (0, 1], got ${value}`);
  return fraction;
}

function auditSummary(audit: AuditSimulation, out: string) {
  const f = audit.figures;
  return {
    fraction: audit.spec.fraction,
    every: audit.every,
    step: audit.spec.step,
    macs_saved: f.macs_saved,
    latency_saved: f.latency_saved,
    violation_rate: f.violation_rate,
    mean_lpips: f.mean_lpips,
    exit_histogram: f.exit_histogram,
    audited: audit.audit.audited,
    violations: audit.audit.violations,
    rate: audit.audit.rate,
    interval: audit.audit.interval,
    tightenings: audit.audit.tightenings,
    offset: audit.audit.offset,
    tightened: audit.audit.tightened,
    /** Per input: audited or not, the running rates and the tightening it was routed with. */
    stream: audit.points.map((p) => ({ input: p.input, audited: p.audited, running_rate: p.runningRate, audited_rate: p.auditedRate, interval: p.interval, offset: p.offset })),
    files: ['audit.svg', 'audit.png'].map((file) => join(out, file)),
  };
}

function auditLines(audit: AuditSimulation, out: string): string[] {
  const a = audit.audit;
  return [
    `audit (1 input in ${audit.every}): ${a.violations}/${a.audited} audited over tau, rate ${pct(a.rate)} (95% ${pct(a.interval[0])}-${pct(a.interval[1])}); tightened ${a.tightenings}x (+${a.offset.toFixed(3)})`,
    `with the audit: ${pct(audit.figures.macs_saved)} MACs saved (audit cost included), ${pct(audit.figures.violation_rate)} violations over all inputs; plot: ${join(out, 'audit.png')}`,
  ];
}

/** The running violation rate over the stream: all inputs (known in evaluation) and the audit's estimate. */
async function writeAuditPlot(out: string, evaluation: PackEvaluation, audit: AuditSimulation): Promise<void> {
  const audited = audit.points.filter((p) => p.audited);
  const svg = lineChart(
    [
      { name: 'all inputs', points: audit.points.map((p) => [p.input, p.runningRate] as const) },
      { name: 'audited', points: audited.map((p) => [p.input, p.auditedRate] as const) },
      { name: 'audited 95% high', points: audited.map((p) => [p.input, p.interval[1]] as const) },
      { name: 'audited 95% low', points: audited.map((p) => [p.input, p.interval[0]] as const) },
    ],
    {
      title: `${evaluation.pack}: audit of 1 input in ${audit.every} (${evaluation.split})`,
      xLabel: 'input in the stream',
      yLabel: `share of outputs further than ${audit.spec.tau} from the full output`,
      guides: [{ y: audit.spec.alpha, label: `alpha ${audit.spec.alpha}` }],
    },
  );
  await writeFile(join(out, 'audit.svg'), svg);
  await writeFile(join(out, 'audit.png'), await svgToPng(svg));
}

/** Per input: the exit the router took, its predicted and true distance to the full output. */
function inputRows(evaluation: PackEvaluation, exits: readonly number[], plans: readonly ExitPlan[], tau: number) {
  return exits.map((exit, i) => {
    const novelty = plans[i]?.novelty;
    const group = plans[i]?.details?.novelty_group;
    return {
      input: evaluation.files?.[i] ?? i,
      exit: evaluation.exits[exit]!.name,
      predicted: evaluation.predicted[i]![exit] ?? null,
      measured: evaluation.measured[i]![exit]!,
      violation: evaluation.measured[i]![exit]! > tau,
      // The risk router's novelty group (1 = nearest the calibration set, as its reasons count), where it fitted per group.
      ...(typeof group === 'number' ? { novelty_group: group } : {}),
      ...(novelty
        ? {
            novelty_p: novelty.pValue,
            ...(novelty.samplingGap !== undefined ? { sampling_gap: novelty.samplingGap } : {}),
            novel: novelty.novel,
            ...(novelty.kind ? { novel_kind: novelty.kind } : {}),
            ...(novelty.escalatedFrom !== undefined ? { escalated_from: evaluation.exits[novelty.escalatedFrom]!.name } : {}),
          }
        : {}),
    };
  });
}

function baselinesFor(evaluation: PackEvaluation, routers: RouterRegistry, tau: number, alpha: number): Baselines {
  return {
    full: routeEvaluation(evaluation, routers, 'full', {}, tau).figures,
    oracle: routeEvaluation(evaluation, routers, 'oracle', { tau }, tau).figures,
    best_fixed: { ...bestFixedExit(evaluation, routers, tau, alpha) },
  };
}

/** Saving vs quality over tau for the chosen router, threshold and the oracle (each once). */
function curveFor(evaluation: PackEvaluation, routers: RouterRegistry, router: AnyRouterDefinition, params: Record<string, unknown>, novelty: NoveltyPolicy): CurvePoint[] {
  const curveRouters = [{ name: router.id, params }, { name: 'threshold', params: {} }, { name: 'oracle', params: {} }]
    .filter((r, i, all) => all.findIndex((o) => routers.get(o.name).id === routers.get(r.name).id) === i);
  return tauCurve(evaluation, routers, curveRouters, undefined, novelty);
}

function summaryOf(evaluation: PackEvaluation, router: AnyRouterDefinition, figures: RouterFigures, baselines: Baselines, curve: readonly CurvePoint[], at: { tau: number; alpha: number; out: string }) {
  return {
    pack: evaluation.pack,
    split: evaluation.split,
    device: evaluation.device,
    n: evaluation.n,
    tau: at.tau,
    alpha: at.alpha,
    router: router.id,
    params: figures.params,
    macs_saved: figures.macs_saved,
    latency_saved: figures.latency_saved,
    violation_rate: figures.violation_rate,
    mean_lpips: figures.mean_lpips,
    exit_histogram: figures.exit_histogram,
    predictor_share: evaluation.predictorMacs / evaluation.fullMacs,
    baselines,
    curve: curve.map((p) => ({ router: p.router, tau: p.tau, macs_saved: p.figures.macs_saved, violation_rate: p.figures.violation_rate, mean_lpips: p.figures.mean_lpips })),
    files: ['curve.csv', 'curve.svg', 'curve.png', 'eval.json'].map((f) => join(at.out, f)),
  };
}

async function writeEvalFiles(out: string, evaluation: PackEvaluation, curve: readonly CurvePoint[], summary: object): Promise<void> {
  await mkdir(out, { recursive: true });
  const svg = lineChart(
    [...new Set(curve.map((p) => p.router))].map((name) => ({ name: name.replace(/^exitgraph\//, ''), points: curve.filter((p) => p.router === name).map((p) => [p.figures.mean_lpips, p.figures.macs_saved] as const) })),
    { title: `${evaluation.pack}: compute saved vs quality (tau ${curve.length ? `${curve[0]!.tau}-${curve[curve.length - 1]!.tau}` : ''})`, xLabel: `mean ${evaluation.metric} to the full output`, yLabel: 'fraction of full MACs saved' },
  );
  await Promise.all([
    writeFile(join(out, 'curve.csv'), curveCsv([...curve])),
    writeFile(join(out, 'curve.svg'), svg),
    svgToPng(svg).then((png) => writeFile(join(out, 'curve.png'), png)),
    writeFile(join(out, 'eval.json'), `${JSON.stringify(summary, null, 2)}\n`),
  ]);
}

/** The table: the header names the router's own params only; eval's bar (tau, alpha) is explained below. */
function evalTable(evaluation: PackEvaluation, router: AnyRouterDefinition, figures: RouterFigures, baselines: Baselines, at: { tau: number; alpha: number; out: string; predictorShare: number; novelty: NoveltyPolicy }): string[] {
  const exitName = (k: number): string => evaluation.exits[k]?.name ?? `exit ${k}`;
  const row = (name: string, f: RouterFigures): string =>
    `${name.padEnd(22)} ${pct(f.macs_saved).padStart(8)} ${pct(f.latency_saved).padStart(9)} ${pct(f.violation_rate).padStart(10)} ${f.mean_lpips.toFixed(4).padStart(10)}`;
  const params = Object.entries(figures.params).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  return [
    `${evaluation.pack}, ${evaluation.files ? `folder ${evaluation.split}` : `${evaluation.split} split`} (${evaluation.n} inputs) on ${evaluation.device}; router ${routerName(router)}${params ? ` (${params})` : ''}`,
    `${'router'.padEnd(22)} ${'MACs saved'.padStart(8)} ${'time saved'.padStart(9)} ${'violations'.padStart(10)} ${'mean dist'.padStart(10)}`,
    row(routerName(router), figures),
    row('full', baselines.full),
    row('oracle', baselines.oracle),
    row(`best fixed (${exitName(baselines.best_fixed.exit_histogram.findIndex((h) => h > 0))})`, baselines.best_fixed),
    `violations: outputs further than ${at.tau} (${evaluation.metric}) from the full output; best fixed: the earliest exit with at most ${pct(at.alpha)} violations`,
    `exits taken: ${figures.exit_histogram.map((h, k) => `${exitName(k)} ${pct(h)}`).join(', ')}`,
    `predictor: ${pct(at.predictorShare)} of the full MACs`,
    ...(evaluation.novelty ? [noveltyLine(evaluation, at.novelty.level, at.novelty.mode, figures.novel_escalated)] : []),
    `curve: ${join(at.out, 'curve.png')} (and .csv, .svg); figures: ${join(at.out, 'eval.json')}`,
  ];
}

/** Novel inputs of each kind at `level`: far from every calibration input, and finer than the predictor samples. */
function novelCounts(evaluation: PackEvaluation, level: number): { far: number; fine: number } {
  const kinds = (evaluation.novelty ?? []).map((s) => noveltyKind(s, level));
  return { far: kinds.filter((k) => k === 'distance').length, fine: kinds.filter((k) => k === 'sampling').length };
}

function noveltyLine(evaluation: PackEvaluation, level: number, mode: NoveltyPolicy['mode'], escalated: number): string {
  const { far, fine } = novelCounts(evaluation, level);
  const what = mode === 'full' ? `${escalated} moved to the full model` : 'routed like the rest (--novel-inputs trust)';
  return `novel inputs: ${far + fine} of ${evaluation.n} (${far} with p < ${level}, ${fine} finer than the predictor samples); ${what}`;
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
