import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { bestFixedExit, evaluateRouter, type RouterFigures } from '../../../sdk/early-exit/index.js';
import { curveCsv, tauCurve } from '../../../sdk/early-exit/index.js';
import { lineChart, svgToPng } from '../../../sdk/early-exit/index.js';
import { ROUTERS } from '../../../sdk/early-exit/index.js';
import { CliError, EXIT, hostFor } from '../cli-host.js';
import { DEVICE_CHOICES, pickDevice } from '../device-option.js';
import { evaluateWithProgress } from '../evaluate-with-progress.js';

interface EvalOptions {
  router: string;
  tau: number;
  alpha: number;
  delta?: number;
  method?: string;
  budget?: number;
  deadlineMs?: number;
  exit?: number;
  param: string[];
  split: string;
  limit?: number;
  device: string;
  weights?: string;
  json?: boolean;
  out?: string;
}

const number = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new CliError(`"${value}" is not a number`);
  return parsed;
};

export function register(program: Command): void {
  program
    .command('eval')
    .description("Evaluate a router on a pack's test split: MACs and latency saved, violation rate, mean LPIPS, against the full model, the oracle and the best fixed exit")
    .argument('<pack>', 'pack folder or name under models/packs')
    .option('--router <name>', 'router: threshold, risk, budget, deadline, fixed, full, oracle, or a plugin router id', 'threshold')
    .option('--tau <number>', 'quality threshold: distance to the full output', number, 0.1)
    .option('--alpha <number>', 'risk: allowed violation probability; also the bar for the best fixed exit', number, 0.1)
    .option('--delta <number>', 'risk with --method learn-then-test: calibration failure probability', number)
    .addOption(new Option('--method <method>', 'risk: calibration method (default learn-then-test)').choices(['conformal', 'learn-then-test']))
    .option('--budget <fraction>', 'budget: average share of the full MACs', number)
    .option('--deadline-ms <ms>', 'deadline: per-input latency target', number)
    .option('--exit <index>', 'fixed: exit index', number)
    .option('--param <key=value>', 'a param of a plugin router (repeatable; value is JSON or text)', (v: string, p: string[]) => [...p, v], [])
    .option('--split <name>', 'split shipped with the pack', 'test')
    .option('--limit <n>', 'evaluate the first n inputs only', number)
    .addOption(new Option('--device <device>', 'execution device').choices(DEVICE_CHOICES).default('cpu'))
    .option('--weights <dir>', 'LPIPS weights folder (default: $EXITGRAPH_WEIGHTS, then the shipped models/lpips)')
    .option('--json', 'print the figures as JSON')
    .option('--out <dir>', 'folder for the curve (CSV, SVG, PNG) and figures (default: output/eval/<pack>-<router>)')
    .addHelpText('after', '\nExample:\n  exitgraph eval landscape --router risk --tau 0.1 --alpha 0.1 --json')
    .action(async (packName: string, options: EvalOptions, command: Command) => {
      const host = await hostFor(command); // loads plugin packs, which may bring routers
      const routers = host.services.get(ROUTERS);
      const router = (() => {
        try {
          return routers.get(options.router);
        } catch (error) {
          throw new CliError((error as Error).message);
        }
      })();
      const params = routerParams(router.params.properties, options);
      try {
        routers.params(router, params);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      const device = await pickDevice(options.device);
      const evaluation = await evaluateWithProgress(packName, {
        device: device.device,
        split: options.split,
        ...(options.limit ? { limit: options.limit } : {}),
        ...(options.weights ? { weightsDir: options.weights } : {}),
      }, Boolean(options.json));

      const { tau, alpha } = options;
      const figures = evaluateRouter(evaluation, routers, router.id, params, tau);
      const baselines = {
        full: evaluateRouter(evaluation, routers, 'full', {}, tau),
        oracle: evaluateRouter(evaluation, routers, 'oracle', { tau }, tau),
        best_fixed: { ...bestFixedExit(evaluation, routers, tau, alpha) },
      };
      const curveRouters = [{ name: router.id, params }, { name: 'threshold', params: {} }, { name: 'oracle', params: {} }].filter((r, i, all) => all.findIndex((o) => routers.get(o.name).id === routers.get(r.name).id) === i);
      const curve = tauCurve(evaluation, routers, curveRouters);
      const out = resolve(options.out ?? join('output', 'eval', `${evaluation.pack}-${router.id.replace(/\W+/g, '-')}`));
      await mkdir(out, { recursive: true });
      const svg = lineChart(
        [...new Set(curve.map((p) => p.router))].map((name) => ({ name: name.replace(/^exitgraph\//, ''), points: curve.filter((p) => p.router === name).map((p) => [p.figures.mean_lpips, p.figures.macs_saved] as const) })),
        { title: `${evaluation.pack}: compute saved vs quality (tau ${curve.length ? `${curve[0]!.tau}-${curve[curve.length - 1]!.tau}` : ''})`, xLabel: `mean ${evaluation.metric} to the full output`, yLabel: 'fraction of full MACs saved' },
      );
      const summary = {
        pack: evaluation.pack,
        split: evaluation.split,
        device: evaluation.device,
        n: evaluation.n,
        tau,
        alpha,
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
        files: ['curve.csv', 'curve.svg', 'curve.png', 'eval.json'].map((f) => join(out, f)),
      };
      await Promise.all([
        writeFile(join(out, 'curve.csv'), curveCsv(curve)),
        writeFile(join(out, 'curve.svg'), svg),
        svgToPng(svg).then((png) => writeFile(join(out, 'curve.png'), png)),
        writeFile(join(out, 'eval.json'), `${JSON.stringify(summary, null, 2)}\n`),
      ]);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        return;
      }
      const row = (name: string, f: RouterFigures): string =>
        `${name.padEnd(22)} ${pct(f.macs_saved).padStart(8)} ${pct(f.latency_saved).padStart(9)} ${pct(f.violation_rate).padStart(10)} ${f.mean_lpips.toFixed(4).padStart(10)}`;
      const lines = [
        `${evaluation.pack}, ${evaluation.split} split (${evaluation.n} inputs) on ${evaluation.device}; tau ${tau}, alpha ${alpha}`,
        `${'router'.padEnd(22)} ${'MACs saved'.padStart(8)} ${'time saved'.padStart(9)} ${'violations'.padStart(10)} ${'mean dist'.padStart(10)}`,
        row(router.id.replace(/^exitgraph\//, ''), figures),
        row('full', baselines.full),
        row('oracle', baselines.oracle),
        row(`best fixed (exit ${baselines.best_fixed.exit_histogram.findIndex((h) => h > 0)})`, baselines.best_fixed),
        `exits taken: ${figures.exit_histogram.map((h, k) => `${evaluation.exits[k]!.name} ${pct(h)}`).join(', ')}`,
        `predictor: ${pct(summary.predictor_share)} of the full MACs`,
        `curve: ${join(out, 'curve.png')} (and .csv, .svg); figures: ${join(out, 'eval.json')}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      if (!Number.isFinite(figures.macs_saved)) process.exitCode = EXIT.failed;
    });
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** The flags a router declares, plus --param key=value for plugin routers. */
function routerParams(declared: Readonly<Record<string, unknown>>, options: EvalOptions): Record<string, unknown> {
  const flags: Record<string, unknown> = { tau: options.tau, alpha: options.alpha, delta: options.delta, method: options.method, budget: options.budget, deadline_ms: options.deadlineMs, exit: options.exit };
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(flags)) if (name in declared && value !== undefined) params[name] = value;
  for (const pair of options.param) {
    const at = pair.indexOf('=');
    if (at < 1) throw new CliError(`--param ${pair}: expected key=value`);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // plain text
    }
    params[pair.slice(0, at)] = value;
  }
  return params;
}
