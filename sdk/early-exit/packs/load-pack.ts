/**
 * Loading a model pack: the manifest against its JSON Schema, then every ONNX file against the
 * manifest (tensor names, element types and shapes, following the tensor pool from the model
 * input through segments, guides and heads), calibration data and splits; MACs are counted from
 * the graphs. `inspectPack` reports every problem found; `loadPack` throws if any is an error.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { countMacs, type MacCount } from '../onnx/mac-count.js';
import { OnnxDecodeError, readModelInfo, type DeclaredDim, type OnnxModelInfo, type TensorDeclaration } from '../onnx/model-info.js';
import { resolvePackDir } from './find-pack.js';
import type { CalibrationData, PackManifest } from './manifest.js';
import { validateCalibration, validateManifest } from './manifest-schema.js';
import { computeCosts, type PackCosts } from './pack-costs.js';
import { planPack, type PackPlan, type PackStep } from './pack-plan.js';
import { PackLoadError, type PackProblem } from './pack-problems.js';

export interface PackInspection {
  readonly dir: string;
  /** Present once manifest.json parsed and passed its schema. */
  readonly manifest?: PackManifest;
  readonly plan?: PackPlan;
  /** Present when every ONNX file could be read. */
  readonly costs?: PackCosts;
  /** MACs of the monolithic reference model, when the pack has one. */
  readonly referenceMacs?: number;
  readonly calibration?: CalibrationData;
  /** Parsed ONNX files by file name. */
  readonly models: ReadonlyMap<string, OnnxModelInfo>;
  /** Shape of every tensor in the pool, by name. */
  readonly tensorShapes: ReadonlyMap<string, readonly number[]>;
  readonly problems: readonly PackProblem[];
}

export interface LoadedPack extends PackInspection {
  readonly manifest: PackManifest;
  readonly plan: PackPlan;
  readonly costs: PackCosts;
  /** Absolute path of a file of the pack. */
  path(file: string): string;
}

export interface LoadPackOptions {
  /** Folder of packs to look names up in (default: EXITGRAPH_PACKS, ./models/packs, the checkout's models/packs). */
  readonly packsDir?: string;
}

/** Loads a pack by folder path or name; throws PackLoadError listing every error found. */
export async function loadPack(pathOrName: string, options: LoadPackOptions = {}): Promise<LoadedPack> {
  const inspection = await inspectPack(pathOrName, options);
  if (inspection.problems.some((p) => p.severity === 'error') || !inspection.manifest || !inspection.plan || !inspection.costs) {
    throw new PackLoadError(inspection.dir, inspection.problems);
  }
  const dir = inspection.dir;
  return { ...inspection, manifest: inspection.manifest, plan: inspection.plan, costs: inspection.costs, path: (file: string) => join(dir, file) };
}

/** Checks a pack and reports every problem found (it throws only when the pack folder cannot be found). */
export async function inspectPack(pathOrName: string, options: LoadPackOptions = {}): Promise<PackInspection> {
  const dir = resolvePackDir(pathOrName, options);
  const problems: PackProblem[] = [];
  const models = new Map<string, OnnxModelInfo>();
  const tensorShapes = new Map<string, readonly number[]>();
  const done = (extra: Partial<PackInspection> = {}): PackInspection => ({ dir, models, tensorShapes, problems, ...extra });
  const error = (file: string, field: string, message: string): void => void problems.push({ severity: 'error', file, field, message });
  const warn = (file: string, field: string, message: string): void => void problems.push({ severity: 'warning', file, field, message });

  // 1. manifest.json: JSON, schema, cross-references.
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  } catch (e) {
    error('manifest.json', '', (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `not valid JSON: ${(e as Error).message}`);
    return done();
  }
  const validated = validateManifest(raw);
  if (!validated.ok) {
    for (const p of validated.problems) error('manifest.json', p.field, p.message);
    return done();
  }
  const manifest = validated.manifest;
  // Only problems that make the execution plan meaningless stop here; the rest are reported
  // alongside what the ONNX files say, so one wrong name does not hide the file it concerns.
  if (!checkManifest(manifest, error, warn)) return done({ manifest });
  const plan = planPack(manifest);

  // 2. ONNX files, following the tensor pool in execution order.
  const { input } = manifest;
  const channels = input.kind === 'label_map' ? input.classes!.length : 3;
  const pool = new Map<string, { shape: readonly number[]; from: string }>([[input.name, { shape: [1, channels, input.height, input.width], from: `the pack input (${input.kind})` }]]);
  const macsByStep = new Map<string, number>();
  let allRead = true;

  // Packs exchange float32 tensors only (the runner builds and reads float32 data).
  const checkType = (file: string, field: string, declared: TensorDeclaration): void => {
    if (declared.type !== 'float32') error(file, field, `"${declared.name}" is ${declared.type}; pack tensors must be float32`);
  };

  const checkFile = async (step: PackStep, inputsField: string, outputsField: string): Promise<MacCount | undefined> => {
    let model: OnnxModelInfo;
    try {
      model = models.get(step.file) ?? (await readModelInfo(join(dir, step.file)));
    } catch (e) {
      allRead = false;
      const detail = e instanceof OnnxDecodeError ? e.detail : (e as Error).message;
      error(step.file, `${step.field}.file`, detail === 'file not found' ? detail : `not a valid ONNX model: ${detail}`);
      return undefined;
    }
    models.set(step.file, model);
    const modelInputs = new Map(model.inputs.map((d) => [d.name, d]));
    const modelOutputs = new Map(model.outputs.map((d) => [d.name, d]));
    for (const name of step.inputs) {
      const declared = modelInputs.get(name);
      if (!declared) {
        error(step.file, inputsField, `names input "${name}", but ${step.file} has no such input (its inputs: ${listNames(model.inputs)})`);
        continue;
      }
      checkType(step.file, inputsField, declared);
      const pooled = pool.get(name);
      if (!pooled) {
        error(step.file, inputsField, `input "${name}" is not produced by the pack input or any earlier file`);
        continue;
      }
      const mismatch = shapeMismatch(declared.shape, pooled.shape);
      if (mismatch) error(step.file, inputsField, `input "${name}" is declared ${formatShape(declared.shape)} in ${step.file}, but ${pooled.from} produces ${formatShape(pooled.shape)} (${mismatch})`);
    }
    for (const name of modelInputs.keys()) {
      if (!step.inputs.includes(name)) error(step.file, inputsField, `${step.file} needs input "${name}", which the manifest does not list`);
    }
    for (const name of step.outputs) {
      const declared = modelOutputs.get(name);
      if (!declared) error(step.file, outputsField, `names output "${name}", but ${step.file} has no such output (its outputs: ${listNames(model.outputs)})`);
      else checkType(step.file, outputsField, declared);
    }
    for (const name of modelOutputs.keys()) {
      if (!step.outputs.includes(name)) warn(step.file, outputsField, `${step.file} also outputs "${name}", which the manifest does not list (it is computed and discarded)`);
    }
    const inputShapes: Record<string, readonly number[]> = {};
    for (const name of step.inputs) {
      const pooled = pool.get(name);
      if (pooled) inputShapes[name] = pooled.shape;
    }
    const macs = countMacs(model.graph, model.opset, inputShapes);
    if (macs.uncounted.length) {
      warn(step.file, step.field, `MACs of ${macs.uncounted.length} node(s) could not be counted (${macs.uncounted.slice(0, 3).join(', ')}): ${macs.unresolved[0]?.reason ?? 'shapes unknown'}`);
    }
    for (const name of step.outputs) {
      const declared = modelOutputs.get(name);
      const shape = declared?.shape?.every((d) => typeof d === 'number') ? (declared.shape as number[]) : macs.shapes.get(name);
      if (shape) pool.set(name, { shape, from: `${step.file} (${step.field})` });
      else warn(step.file, outputsField, `the shape of "${name}" is neither declared nor inferable`);
    }
    return macs;
  };

  for (const step of plan.steps) {
    const macs = await checkFile(step, `${step.field}.inputs`, step.kind === 'head' ? `${step.field}.output` : `${step.field}.outputs`);
    if (macs) macsByStep.set(step.id, macs.total);
  }
  const predictorMacs = await checkFile(plan.predictor, 'predictor.input', 'predictor.output');
  if (predictorMacs) macsByStep.set('predictor', predictorMacs.total);

  // Exit heads produce images at the input size; the predictor one distance per exit.
  const expectImage = [1, 3, input.height, input.width];
  manifest.exits.forEach((exit, k) => {
    const shape = pool.get(exit.output)?.shape;
    if (shape && shapeMismatch(shape, expectImage)) error(exit.file, `exits[${k}].output`, `"${exit.output}" is ${formatShape(shape)}, but every exit must output ${formatShape(expectImage)}`);
  });
  const distances = pool.get(manifest.predictor.output)?.shape;
  if (distances && shapeMismatch(distances, [1, manifest.exits.length])) {
    error(manifest.predictor.file, 'predictor.output', `"${manifest.predictor.output}" is ${formatShape(distances)}, but must be [1, ${manifest.exits.length}] (one distance per exit)`);
  }
  for (const [name, entry] of pool) tensorShapes.set(name, entry.shape);

  // 3. The monolithic reference model, checked against the pool it must reproduce.
  let referenceMacs: number | undefined;
  if (manifest.reference) {
    const ref = manifest.reference;
    const step: PackStep = { id: 'reference', kind: 'segment', file: ref.file, field: 'reference', inputs: [ref.input], outputs: ref.outputs };
    const before = new Map(pool);
    // The reference recomputes tensors already in the pool; check its shapes against them, not the other way round.
    for (const name of ref.outputs) pool.delete(name);
    const macs = await checkFile(step, 'reference.input', 'reference.outputs');
    if (macs) referenceMacs = macs.total;
    for (const name of ref.outputs) {
      const produced = pool.get(name)?.shape;
      const expected = before.get(name)?.shape;
      if (produced && expected && shapeMismatch(produced, expected)) error(ref.file, 'reference.outputs', `"${name}" is ${formatShape(produced)} in the reference but ${formatShape(expected)} in the segmented pack`);
    }
    pool.clear();
    for (const [k, v] of before) pool.set(k, v);
  }

  // 4. Calibration, splits, training report.
  const calibration = await checkCalibration(dir, manifest, error, warn);
  for (const [splitName, split] of Object.entries(manifest.splits ?? {})) {
    await checkFileSize(dir, split.labels, `splits.${splitName}.labels`, split.count * input.height * input.width, error);
    if (split.images) await checkFileSize(dir, split.images, `splits.${splitName}.images`, split.count * input.height * input.width * 3, error);
  }
  if (manifest.training) await checkFileSize(dir, manifest.training.file, 'training.file', undefined, error);

  const costs = allRead ? computeCosts(manifest, plan, macsByStep) : undefined;
  return done({ manifest, plan, ...(costs ? { costs } : {}), ...(referenceMacs !== undefined ? { referenceMacs } : {}), ...(calibration ? { calibration } : {}) });
}

type Report = (file: string, field: string, message: string) => void;

/** Cross-references the schema cannot express. Returns false when the pack cannot be planned. */
function checkManifest(m: PackManifest, error: Report, warn: Report): boolean {
  const F = 'manifest.json';
  let plannable = true;
  const segments = m.segments.length;
  if (m.output.range[0] >= m.output.range[1]) error(F, 'output.range', `must be [low, high] with low < high, got [${m.output.range.join(', ')}]`);
  const producers = new Map<string, string>([[m.input.name, 'input.name']]);
  const produce = (name: string, field: string): void => {
    const first = producers.get(name);
    if (first) error(F, field, `tensor "${name}" is already produced by ${first}; names must be unique across the pack`);
    else producers.set(name, field);
  };
  m.segments.forEach((s, i) => s.outputs.forEach((o) => produce(o, `segments[${i}].outputs`)));
  if (m.guides) {
    m.guides.outputs.forEach((o) => produce(o, 'guides.outputs'));
    if (m.guides.after_segment >= segments) {
      error(F, 'guides.after_segment', `is ${m.guides.after_segment}, but the pack has ${segments} segment(s)`);
      plannable = false;
    }
  }
  const names = new Set<string>();
  m.exits.forEach((e, k) => {
    if (names.has(e.name)) {
      error(F, `exits[${k}].name`, `exit name "${e.name}" is used twice`);
      plannable = false;
    }
    names.add(e.name);
    produce(e.output, `exits[${k}].output`);
    if (e.after_segment >= segments) {
      error(F, `exits[${k}].after_segment`, `is ${e.after_segment}, but the pack has ${segments} segment(s)`);
      plannable = false;
    }
    if (k > 0 && e.after_segment < m.exits[k - 1]!.after_segment) error(F, `exits[${k}].after_segment`, 'exits must be listed in order of cost (after_segment never decreasing)');
  });
  const last = m.exits[m.exits.length - 1]!;
  if (last.after_segment !== segments - 1) warn(F, `exits[${m.exits.length - 1}].after_segment`, 'the last exit should be the full model, after the last segment');
  if (producers.has(m.predictor.output)) error(F, 'predictor.output', `tensor "${m.predictor.output}" is already produced by ${producers.get(m.predictor.output)}`);
  if (m.predictor.input !== m.input.name) error(F, 'predictor.input', `must be the pack input "${m.input.name}" (the predictor runs before any segment), got "${m.predictor.input}"`);
  if (m.reference) {
    if (m.reference.input !== m.input.name) error(F, 'reference.input', `must be the pack input "${m.input.name}", got "${m.reference.input}"`);
    const exitOutputs = new Set(m.exits.map((e) => e.output));
    for (const o of m.reference.outputs) if (!exitOutputs.has(o)) error(F, 'reference.outputs', `"${o}" is not the output of any exit`);
  }
  return plannable;
}

async function checkCalibration(dir: string, m: PackManifest, error: Report, warn: Report): Promise<CalibrationData | undefined> {
  const file = m.calibration.file;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(dir, file), 'utf8'));
  } catch (e) {
    error(file, 'calibration.file', (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `not valid JSON: ${(e as Error).message}`);
    return undefined;
  }
  const validated = validateCalibration(raw);
  if (!validated.ok) {
    for (const p of validated.problems) error(file, p.field, p.message);
    return undefined;
  }
  const c = validated.calibration;
  const exitNames = m.exits.map((e) => e.name);
  if (c.exits.join('\u0000') !== exitNames.join('\u0000')) error(file, 'exits', `lists [${c.exits.join(', ')}], but the manifest's exits are [${exitNames.join(', ')}]`);
  if (c.predicted.length !== c.n) error(file, 'predicted', `has ${c.predicted.length} rows, but n is ${c.n}`);
  if (c.measured.length !== c.n) error(file, 'measured', `has ${c.measured.length} rows, but n is ${c.n}`);
  const badRow = (rows: readonly (readonly number[])[]): number => rows.findIndex((r) => r.length !== exitNames.length);
  const badPredicted = badRow(c.predicted);
  if (badPredicted >= 0) error(file, `predicted[${badPredicted}]`, `has ${c.predicted[badPredicted]!.length} values, expected one per exit (${exitNames.length})`);
  const badMeasured = badRow(c.measured);
  if (badMeasured >= 0) error(file, `measured[${badMeasured}]`, `has ${c.measured[badMeasured]!.length} values, expected one per exit (${exitNames.length})`);
  if (c.metric !== m.metric) warn(file, 'metric', `is "${c.metric}", but the manifest's metric is "${m.metric}"`);
  return c;
}

async function checkFileSize(dir: string, file: string, field: string, expected: number | undefined, error: Report): Promise<void> {
  try {
    const info = await stat(join(dir, file));
    if (expected !== undefined && info.size !== expected) error(file, field, `is ${info.size} bytes, expected ${expected}`);
  } catch {
    error(file, field, 'file not found');
  }
}


/** Why a declared shape cannot hold a tensor of `actual` shape, or '' when it can. */
function shapeMismatch(declared: readonly DeclaredDim[] | null, actual: readonly number[]): string {
  if (!declared) return '';
  if (declared.length !== actual.length) return `rank ${declared.length} vs ${actual.length}`;
  const bad = declared.findIndex((d, i) => typeof d === 'number' && d !== actual[i]);
  return bad >= 0 ? `dimension ${bad} differs` : '';
}

function formatShape(shape: readonly DeclaredDim[] | null): string {
  return shape ? `[${shape.map((d) => d ?? '?').join(', ')}]` : '(no shape)';
}

function listNames(declarations: readonly TensorDeclaration[]): string {
  return declarations.map((d) => d.name).join(', ') || 'none';
}
