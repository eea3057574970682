/** Step 1 of inspecting a pack: manifest.json parsed, checked against its schema and cross-checked. */
import { PACK_FORMAT, normalizeManifest, packInputs, packStages, predictorInputs, referenceInputs, type PackManifest, type PredictorFeaturesSpec } from './manifest.js';
import { validateManifest } from './manifest-schema.js';
import type { PackProblemLog } from './pack-problems.js';
import { readPackJson } from './read-json.js';

const F = 'manifest.json';

/** The manifest when it parses and passes its schema; otherwise undefined, with the problems logged. */
export async function readManifest(dir: string, log: PackProblemLog): Promise<PackManifest | undefined> {
  const read = await readPackJson(dir, F, '', log);
  if (!read) return undefined;
  const validated = validateManifest(read.value);
  if (!validated.ok) {
    for (const p of validated.problems) log.error(F, p.field, p.message);
    return undefined;
  }
  return normalizeManifest(validated.manifest);
}

/** Which manifest field produces each tensor; a second producer of a name is an error. */
class TensorProducers {
  readonly #byName: Map<string, string>;

  constructor(
    inputFields: ReadonlyMap<string, string>,
    private readonly log: PackProblemLog,
  ) {
    this.#byName = new Map(inputFields);
  }

  add(name: string, field: string): void {
    const first = this.#byName.get(name);
    if (first) this.log.error(F, field, `tensor "${name}" is already produced by ${first}; names must be unique across the pack`);
    else this.#byName.set(name, field);
  }

  producerOf(name: string): string | undefined {
    return this.#byName.get(name);
  }
}

/**
 * Cross-references the schema cannot express, reported in manifest order. Returns false when the
 * pack cannot be planned; other problems are only logged, so one wrong name does not hide the
 * file it concerns.
 */
export function checkManifest(m: PackManifest, log: PackProblemLog): boolean {
  if (m.output.range[0] >= m.output.range[1]) log.error(F, 'output.range', `must be [low, high] with low < high, got [${m.output.range.join(', ')}]`);
  const producers = new TensorProducers(inputFields(m, log), log);
  checkStages(m, producers, log);
  m.segments.forEach((s, i) => s.outputs.forEach((o) => producers.add(o, `segments[${i}].outputs`)));
  let plannable = checkGuides(m, producers, log);
  const exitNames = new Set<string>();
  m.exits.forEach((_, k) => {
    if (!checkExit(m, k, exitNames, producers, log)) plannable = false;
  });
  const last = m.exits.at(-1);
  if (last && last.after_segment !== m.segments.length - 1) log.warn(F, `exits[${m.exits.length - 1}].after_segment`, 'the last exit should be the full model, after the last segment');
  checkPredictor(m, producers, log);
  checkReference(m, log);
  return plannable;
}

/** Input name -> its manifest field (`input.name`, `inputs[1].name`); a name used twice is an error. */
function inputFields(m: PackManifest, log: PackProblemLog): Map<string, string> {
  const fields = new Map<string, string>();
  if (!m.inputs || m.format === PACK_FORMAT) return new Map([[m.input.name, 'input.name']]);
  m.inputs.forEach((input, i) => {
    const field = `inputs[${i}].name`;
    const first = fields.get(input.name);
    if (first) log.error(F, field, `input "${input.name}" is already named by ${first}; input names must be unique`);
    else fields.set(input.name, field);
    if (input.kind === 'image' && input.range && (input.range[0] !== -1 || input.range[1] !== 1)) {
      log.error(F, `inputs[${i}].range`, `image inputs are fed as u8 / 127.5 - 1, so the range must be [-1, 1], got [${input.range.join(', ')}]`);
    }
  });
  return fields;
}

/** Stages read only pack inputs and earlier stages' outputs, and produce new tensors. */
function checkStages(m: PackManifest, producers: TensorProducers, log: PackProblemLog): void {
  const inputs = new Set(packInputs(m).map((i) => i.name));
  const available = new Set(inputs);
  packStages(m).forEach((stage, i) => {
    for (const name of stage.inputs) {
      if (!available.has(name)) log.error(F, `stages[${i}].inputs`, `"${name}" is neither a pack input (${[...inputs].join(', ')}) nor an output of an earlier stage: stages depend only on the pack's inputs`);
    }
    stage.outputs.forEach((o) => {
      producers.add(o, `stages[${i}].outputs`);
      available.add(o);
    });
  });
}

/** Guide outputs are new tensors, retrieved after a segment that exists. */
function checkGuides(m: PackManifest, producers: TensorProducers, log: PackProblemLog): boolean {
  if (!m.guides) return true;
  m.guides.outputs.forEach((o) => producers.add(o, 'guides.outputs'));
  if (m.guides.after_segment < m.segments.length) return true;
  log.error(F, 'guides.after_segment', `is ${m.guides.after_segment}, but the pack has ${m.segments.length} segment(s)`);
  return false;
}

/** Exit k: a unique name, a new output tensor, after a segment that exists, no cheaper than exit k - 1. */
function checkExit(m: PackManifest, k: number, names: Set<string>, producers: TensorProducers, log: PackProblemLog): boolean {
  const exit = m.exits[k];
  if (!exit) return true;
  let plannable = true;
  if (names.has(exit.name)) {
    log.error(F, `exits[${k}].name`, `exit name "${exit.name}" is used twice`);
    plannable = false;
  }
  names.add(exit.name);
  producers.add(exit.output, `exits[${k}].output`);
  if (exit.after_segment >= m.segments.length) {
    log.error(F, `exits[${k}].after_segment`, `is ${exit.after_segment}, but the pack has ${m.segments.length} segment(s)`);
    plannable = false;
  }
  const previous = m.exits[k - 1];
  if (previous && exit.after_segment < previous.after_segment) log.error(F, `exits[${k}].after_segment`, 'exits must be listed in order of cost (after_segment never decreasing)');
  return plannable;
}

/** The predictor reads pack inputs (or its runtime-computed features) only and writes a tensor nothing else produces. */
function checkPredictor(m: PackManifest, producers: TensorProducers, log: PackProblemLog): void {
  const other = producers.producerOf(m.predictor.output);
  if (other) log.error(F, 'predictor.output', `tensor "${m.predictor.output}" is already produced by ${other}`);
  const names = packInputs(m).map((i) => i.name);
  const features = m.predictor.features;
  if (features) checkPredictorFeatures(m, features, producers, log);
  const readable = features ? [...names, features.name] : names;
  const field = m.format === PACK_FORMAT ? 'predictor.input' : 'predictor.inputs';
  for (const input of predictorInputs(m)) {
    if (!readable.includes(input)) log.error(F, field, `must name pack inputs${features ? ' or predictor.features.name' : ''} (${readable.map((n) => `"${n}"`).join(', ')}): the predictor runs before any segment, got "${input}"`);
  }
}

/** `predictor.features`: computed from a label map input, on a grid that divides its sampled size, under a name of its own. */
function checkPredictorFeatures(m: PackManifest, features: PredictorFeaturesSpec, producers: TensorProducers, log: PackProblemLog): void {
  const field = 'predictor.features';
  const inputs = packInputs(m);
  const other = producers.producerOf(features.name);
  if (other) log.error(F, `${field}.name`, `tensor "${features.name}" is already produced by ${other}`);
  const from = inputs.find((i) => i.name === features.from);
  if (!from) {
    log.error(F, `${field}.from`, `must name a pack input (${inputs.map((i) => `"${i.name}"`).join(', ')}), got "${features.from}"`);
    return;
  }
  if (from.kind !== 'label_map') log.error(F, `${field}.from`, `"${features.from}" is an image; label-grid features are computed from a label map`);
  const cell = features.grid * features.stride;
  if (from.height % cell !== 0 || from.width % cell !== 0) {
    log.error(F, field, `grid ${features.grid} x stride ${features.stride} = ${cell} must divide the input's ${from.width}x${from.height} pixels`);
  }
}

/** The reference model reads pack inputs and reproduces exit outputs. */
function checkReference(m: PackManifest, log: PackProblemLog): void {
  const ref = m.reference;
  if (!ref) return;
  const names = packInputs(m).map((i) => i.name);
  const field = m.format === PACK_FORMAT ? 'reference.input' : 'reference.inputs';
  for (const input of referenceInputs(ref)) {
    if (!names.includes(input)) log.error(F, field, `must name pack inputs (${names.map((n) => `"${n}"`).join(', ')}), got "${input}"`);
  }
  const exitOutputs = new Set(m.exits.map((e) => e.output));
  for (const o of ref.outputs) if (!exitOutputs.has(o)) log.error(F, 'reference.outputs', `"${o}" is not the output of any exit`);
}
