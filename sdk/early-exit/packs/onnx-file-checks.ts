/**
 * Step 2 of inspecting a pack: every ONNX file against the manifest. The checker follows the
 * tensor pool in execution order, from the pack input through segments, guides and heads, so each
 * file's inputs are checked against the shapes the files before it produce; MACs are counted from
 * the graphs with those shapes.
 */
import { join } from 'node:path';
import { countMacs, type MacCount } from '../onnx/mac-count.js';
import { OnnxDecodeError, readModelInfo, type DeclaredDim, type OnnxModelInfo, type TensorDeclaration } from '../onnx/model-info.js';
import { PACK_FORMAT, inputChannels, packInputs, referenceInputs, type PackManifest, type ReferenceSpec } from './manifest.js';
import type { PackPlan, PackStep } from './pack-plan.js';
import { labelGridDims } from './predictor-features.js';
import type { PackProblemLog } from './pack-problems.js';

/** A tensor of the pool: its shape and who produces it (for messages). */
interface Pooled {
  readonly shape: readonly number[];
  readonly from: string;
}

export class PackFileChecker {
  readonly #pool = new Map<string, Pooled>();
  /** MACs of every step whose file could be read, by step id. */
  readonly macsByStep = new Map<string, number>();
  /** False once a file could not be read or parsed (the costs are then unknown). */
  allRead = true;

  constructor(
    private readonly dir: string,
    private readonly manifest: PackManifest,
    private readonly log: PackProblemLog,
    /** Parsed files by name, filled as they are read (a file used by two steps is read once). */
    private readonly models: Map<string, OnnxModelInfo>,
  ) {
    for (const input of packInputs(manifest)) {
      this.#pool.set(input.name, { shape: [1, inputChannels(input), input.height, input.width], from: `the pack input "${input.name}" (${input.kind})` });
    }
    const features = manifest.predictor.features;
    const from = features && packInputs(manifest).find((i) => i.name === features.from);
    if (features && from) {
      this.#pool.set(features.name, { shape: labelGridDims(from.classes?.length ?? 0, features.grid), from: `predictor.features (${features.kind} of "${features.from}")` });
    }
  }

  /** Shape of every tensor in the pool, by name. */
  get tensorShapes(): Map<string, readonly number[]> {
    return new Map([...this.#pool].map(([name, pooled]) => [name, pooled.shape]));
  }

  /** Stages, then segments, guides and heads in execution order, then the predictor. */
  async checkPlan(plan: PackPlan): Promise<void> {
    for (const step of [...plan.stages, ...plan.steps]) {
      const macs = await this.checkStep(step, `${step.field}.inputs`, step.kind === 'head' ? `${step.field}.output` : `${step.field}.outputs`);
      if (macs) this.macsByStep.set(step.id, macs.total);
    }
    const predictorMacs = await this.checkStep(plan.predictor, this.manifest.format === PACK_FORMAT ? 'predictor.input' : 'predictor.inputs', 'predictor.output');
    if (predictorMacs) this.macsByStep.set('predictor', predictorMacs.total);
  }

  /** Exit heads produce images at the input size; the predictor one distance per exit. */
  checkOutputShapes(): void {
    const { manifest } = this;
    const expectImage = [1, 3, manifest.input.height, manifest.input.width];
    manifest.exits.forEach((exit, k) => {
      const shape = this.#pool.get(exit.output)?.shape;
      if (shape && shapeMismatch(shape, expectImage)) this.log.error(exit.file, `exits[${k}].output`, `"${exit.output}" is ${formatShape(shape)}, but every exit must output ${formatShape(expectImage)}`);
    });
    const distances = this.#pool.get(manifest.predictor.output)?.shape;
    if (distances && shapeMismatch(distances, [1, manifest.exits.length])) {
      this.log.error(manifest.predictor.file, 'predictor.output', `"${manifest.predictor.output}" is ${formatShape(distances)}, but must be [1, ${manifest.exits.length}] (one distance per exit)`);
    }
  }

  /**
   * The monolithic reference model, checked against the pool it must reproduce; returns its MACs.
   * It recomputes tensors already in the pool, so its shapes are checked against them, not the
   * other way round; the pool is left as it was.
   */
  async checkReference(ref: ReferenceSpec): Promise<number | undefined> {
    const step: PackStep = { id: 'reference', kind: 'segment', file: ref.file, field: 'reference', inputs: referenceInputs(ref), outputs: ref.outputs };
    const before = new Map(this.#pool);
    for (const name of ref.outputs) this.#pool.delete(name);
    const macs = await this.checkStep(step, ref.inputs && this.manifest.format !== PACK_FORMAT ? 'reference.inputs' : 'reference.input', 'reference.outputs');
    for (const name of ref.outputs) {
      const produced = this.#pool.get(name)?.shape;
      const expected = before.get(name)?.shape;
      if (produced && expected && shapeMismatch(produced, expected)) this.log.error(ref.file, 'reference.outputs', `"${name}" is ${formatShape(produced)} in the reference but ${formatShape(expected)} in the segmented pack`);
    }
    this.#pool.clear();
    for (const [name, pooled] of before) this.#pool.set(name, pooled);
    return macs?.total;
  }

  /** One file: read it, check its inputs and outputs, count its MACs, add its outputs to the pool. */
  private async checkStep(step: PackStep, inputsField: string, outputsField: string): Promise<MacCount | undefined> {
    const model = await this.readModel(step);
    if (!model) return undefined;
    this.checkInputs(step, model, inputsField);
    this.checkOutputs(step, model, outputsField);
    const macs = this.countStepMacs(step, model);
    this.poolOutputs(step, model, macs, outputsField);
    return macs;
  }

  private async readModel(step: PackStep): Promise<OnnxModelInfo | undefined> {
    try {
      const model = this.models.get(step.file) ?? (await readModelInfo(join(this.dir, step.file)));
      this.models.set(step.file, model);
      return model;
    } catch (e) {
      this.allRead = false;
      const detail = e instanceof OnnxDecodeError ? e.detail : (e as Error).message;
      this.log.error(step.file, `${step.field}.file`, detail === 'file not found' ? detail : `not a valid ONNX model: ${detail}`);
      return undefined;
    }
  }

  /** Every listed input exists in the file, is float32 and fits what the pool holds; the file needs no unlisted input. */
  private checkInputs(step: PackStep, model: OnnxModelInfo, field: string): void {
    const modelInputs = new Map(model.inputs.map((d) => [d.name, d]));
    for (const name of step.inputs) {
      const declared = modelInputs.get(name);
      if (!declared) {
        this.log.error(step.file, field, `names input "${name}", but ${step.file} has no such input (its inputs: ${listNames(model.inputs)})`);
        continue;
      }
      this.checkType(step.file, field, declared);
      const pooled = this.#pool.get(name);
      if (!pooled) {
        this.log.error(step.file, field, `input "${name}" is not produced by the pack input or any earlier file`);
        continue;
      }
      const mismatch = shapeMismatch(declared.shape, pooled.shape);
      if (mismatch) this.log.error(step.file, field, `input "${name}" is declared ${formatShape(declared.shape)} in ${step.file}, but ${pooled.from} produces ${formatShape(pooled.shape)} (${mismatch})`);
    }
    for (const name of modelInputs.keys()) {
      if (!step.inputs.includes(name)) this.log.error(step.file, field, `${step.file} needs input "${name}", which the manifest does not list`);
    }
  }

  /** Every listed output exists in the file and is float32; unlisted outputs are only a warning. */
  private checkOutputs(step: PackStep, model: OnnxModelInfo, field: string): void {
    const modelOutputs = new Map(model.outputs.map((d) => [d.name, d]));
    for (const name of step.outputs) {
      const declared = modelOutputs.get(name);
      if (!declared) this.log.error(step.file, field, `names output "${name}", but ${step.file} has no such output (its outputs: ${listNames(model.outputs)})`);
      else this.checkType(step.file, field, declared);
    }
    for (const name of modelOutputs.keys()) {
      if (!step.outputs.includes(name)) this.log.warn(step.file, field, `${step.file} also outputs "${name}", which the manifest does not list (it is computed and discarded)`);
    }
  }

  /** Packs exchange float32 tensors only (the runner builds and reads float32 data). */
  private checkType(file: string, field: string, declared: TensorDeclaration): void {
    if (declared.type !== 'float32') this.log.error(file, field, `"${declared.name}" is ${declared.type}; pack tensors must be float32`);
  }

  /** MACs with the file's inputs at the shapes the pool gives them. */
  private countStepMacs(step: PackStep, model: OnnxModelInfo): MacCount {
    const inputShapes: Record<string, readonly number[]> = {};
    for (const name of step.inputs) {
      const pooled = this.#pool.get(name);
      if (pooled) inputShapes[name] = pooled.shape;
    }
    const macs = countMacs(model.graph, model.opset, inputShapes);
    if (macs.uncounted.length) {
      this.log.warn(step.file, step.field, `MACs of ${macs.uncounted.length} node(s) could not be counted (${macs.uncounted.slice(0, 3).join(', ')}): ${macs.unresolved[0]?.reason ?? 'shapes unknown'}`);
    }
    return macs;
  }

  /** Outputs join the pool with their declared shape, or the inferred one when the file leaves dims open. */
  private poolOutputs(step: PackStep, model: OnnxModelInfo, macs: MacCount, field: string): void {
    const modelOutputs = new Map(model.outputs.map((d) => [d.name, d]));
    for (const name of step.outputs) {
      const shape = concreteShape(modelOutputs.get(name)?.shape) ?? macs.shapes.get(name);
      if (shape) this.#pool.set(name, { shape, from: `${step.file} (${step.field})` });
      else this.log.warn(step.file, field, `the shape of "${name}" is neither declared nor inferable`);
    }
  }
}

/** The declared shape when every dim is a number. */
function concreteShape(shape: readonly DeclaredDim[] | null | undefined): readonly number[] | undefined {
  return shape?.every((d): d is number => typeof d === 'number') ? shape : undefined;
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
