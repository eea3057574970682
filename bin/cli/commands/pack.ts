import type { Command } from 'commander';
import { PackNotFoundError } from '../../../sdk/early-exit/index.js';
import { inspectModelPack as inspectPack, type ModelPackInspection as PackInspection } from '../../../sdk/early-exit/index.js';
import { formatPackProblem, packInputs } from '../../../sdk/early-exit/index.js';
import { CliError, EXIT } from '../cli-host.js';
import { registerPackReport } from './pack-report.js';

/** `exitgraph pack inspect --json`: the pack's costs as computed from its ONNX graphs. */
export interface PackInspectJson {
  name: string | null;
  task: string | null;
  metric: string | null;
  full_macs: number | null;
  exits: { name: string; macs: number; share: number }[];
  predictor: { macs: number; share: number } | null;
  /** The pack's format (`exitgraph.pack/1` or `/2`). */
  format: string | null;
  /** Every input: name, kind and size. */
  inputs: { name: string; kind: string; height: number; width: number }[];
  /** MACs of the input-only stages (format 2), apart from the per-frame costs: paid once per distinct input when cached. */
  stage_macs: number | null;
  problems: { severity: 'error' | 'warning'; file: string; field: string; message: string }[];
}

export function inspectionJson(inspection: PackInspection): PackInspectJson {
  const { manifest, costs } = inspection;
  return {
    name: manifest?.name ?? null,
    task: manifest?.task ?? null,
    metric: manifest?.metric ?? null,
    full_macs: costs?.full ?? null,
    exits: costs?.exits.map(({ name, macs, share }) => ({ name, macs, share })) ?? [],
    predictor: costs ? { ...costs.predictor } : null,
    format: manifest?.format ?? null,
    inputs: manifest ? packInputs(manifest).map(({ name, kind, height, width }) => ({ name, kind, height, width })) : [],
    stage_macs: costs?.stage_macs ?? null,
    problems: inspection.problems.map((p) => ({ ...p })),
  };
}

/** 24993792 -> "24.99 M". */
export function formatMacs(macs: number): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'K']];
  for (const [scale, unit] of units) if (macs >= scale) return `${(macs / scale).toFixed(2)} ${unit}`;
  return `${macs}`;
}

const percent = (share: number): string => `${(share * 100).toFixed(share < 0.1 ? 2 : 1)}%`;

function printInspection(inspection: PackInspection): void {
  const { manifest, costs } = inspection;
  const out = (line = ''): void => void process.stdout.write(`${line}\n`);
  out(`pack: ${inspection.dir}`);
  if (manifest) {
    out(`${manifest.name} ${manifest.version}: ${manifest.task}, metric ${manifest.metric}`);
    for (const input of packInputs(manifest)) out(`input: "${input.name}" ${input.kind} ${input.width}x${input.height}${input.classes ? `, ${input.classes.length} classes` : ''}`);
    for (const stage of manifest.stages ?? []) out(`stage: ${stage.file} (${stage.inputs.join(', ')} -> ${stage.outputs.join(', ')})${stage.cache ? `, cached ${stage.cache}` : ''}`);
  }
  if (costs) {
    const width = Math.max(4, ...costs.exits.map((e) => e.name.length));
    out(`${'exit'.padEnd(width)}  ${'MACs'.padStart(10)}  ${'share'.padStart(7)}  sessions`);
    for (const exit of costs.exits) {
      out(`${exit.name.padEnd(width)}  ${formatMacs(exit.macs).padStart(10)}  ${percent(exit.share).padStart(7)}  ${exit.steps.join(' > ')}`);
    }
    out(`predictor: ${formatMacs(costs.predictor.macs)} MACs, ${percent(costs.predictor.share)} of the full model`);
    if (manifest?.stages?.length) out(`stages: ${formatMacs(costs.stage_macs)} MACs, apart from the per-frame MACs above (once per distinct input when cached)`);
    if (inspection.referenceMacs !== undefined) out(`reference (monolithic, all exits): ${formatMacs(inspection.referenceMacs)} MACs`);
  }
  if (inspection.calibration) out(`calibration: ${inspection.calibration.n} inputs, metric ${inspection.calibration.metric}`);
  if (!inspection.problems.length) out('problems: none');
  else {
    out(`problems (${inspection.problems.length}):`);
    for (const p of inspection.problems) out(`  ${p.severity}: ${formatPackProblem(p)}`);
  }
}

export function register(program: Command): void {
  const pack = program.command('pack').description('Model packs: check them, see what each exit costs, measure them');
  registerPackReport(pack);
  pack
    .command('inspect')
    .description('Check a pack against its ONNX files; print each exit\'s MACs and share of the full model, the predictor\'s cost, the metric and any problems')
    .argument('<pack>', 'pack folder, or a pack name under models/packs')
    .option('--packs <dir>', 'folder to look pack names up in')
    .option('--json', 'print JSON: { name, task, metric, full_macs, exits: [{ name, macs, share }], predictor: { macs, share }, format, inputs: [{ name, kind, height, width }], stage_macs, problems }')
    .addHelpText('after', '\nExit codes: 0 usable (warnings allowed), 2 the pack has errors or was not found.')
    .action(async (target: string, options: { json?: boolean; packs?: string }) => {
      let inspection: PackInspection;
      try {
        inspection = await inspectPack(target, options.packs ? { packsDir: options.packs } : {});
      } catch (error) {
        if (error instanceof PackNotFoundError) throw new CliError(error.message, EXIT.invalid);
        throw error;
      }
      if (options.json) process.stdout.write(`${JSON.stringify(inspectionJson(inspection), null, 2)}\n`);
      else printInspection(inspection);
      if (inspection.problems.some((p) => p.severity === 'error')) throw new CliError('', EXIT.invalid);
    });
}
