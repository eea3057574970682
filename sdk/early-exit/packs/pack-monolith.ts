/**
 * One ONNX model computing the same path as the runner's sessions for an exit: the pack's files
 * for that exit merged into a single graph. The runner uses it to reach an exit from scratch in
 * one session run (one call instead of one per segment, and no feature map copied between
 * sessions); it is also the baseline of the segmentation-overhead benchmark and a second check
 * of the segmented path (exit k through segments == the merged model).
 *
 * The same merge serves batches: with `batch`, the merged model's input and outputs take a
 * symbolic first dimension (the packs' files are exported with batch 1, and their ops work per
 * sample), so N inputs bound for one exit run as one session run. The oracle model merges every
 * step and returns every exit's image.
 *
 * Files are exported separately, so their private names (weights, intermediate tensors,
 * node names) may collide; every name that is not a pool tensor is prefixed with its file.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileContentHash } from '../onnx/optimized-model-cache.js';
import { onnx, toNumber, type pb } from '../onnx/onnx-proto.js';
import type { LoadedPack } from './load-pack.js';
import type { PackStep } from './pack-plan.js';

/** Bump when the merge itself changes, so ids (and the optimized-model cache) move on. */
const MERGE_VERSION = 2;
export const BATCH_DIM = 'N';

export interface MergeOptions {
  /** A symbolic first dimension on the input and every output. Default false (batch 1). */
  readonly batch?: boolean;
}

/**
 * @param extraOutputs pool tensors the merged model also returns (after the exit's image), so a
 *   run can escalate from them: e.g. the last segment's features and the guide.
 */
export async function monolithicExitModel(pack: LoadedPack, exit: number, extraOutputs: readonly string[] = [], options: MergeOptions = {}): Promise<Uint8Array> {
  const steps = pack.plan.exitSteps[exit];
  if (!steps) throw new Error(`pack ${pack.manifest.name} has no exit ${exit}`);
  return mergedModel(pack, steps, [pack.manifest.exits[exit]!.output, ...extraOutputs], `exit ${pack.manifest.exits[exit]!.name}`, options);
}

/** Every segment, guide and head in one model returning every exit's image (the oracle's pass). */
export function oracleModel(pack: LoadedPack, options: MergeOptions = {}): Promise<Uint8Array> {
  return mergedModel(pack, pack.plan.steps, pack.manifest.exits.map((e) => e.output), 'every exit', options);
}

/** The predictor alone, with a batch dimension when asked. */
export function predictorModel(pack: LoadedPack, options: MergeOptions = {}): Promise<Uint8Array> {
  return mergedModel(pack, [pack.plan.predictor], [pack.manifest.predictor.output], 'the predictor', options);
}

/**
 * A content id of the merged model that `steps` and `outputs` give: the files' bytes and the
 * merge's parameters, stable across processes (for the session and optimized-model caches).
 */
export async function mergedModelId(pack: LoadedPack, steps: readonly PackStep[], outputs: readonly string[], options: MergeOptions = {}): Promise<string> {
  const inputs = externalInputs(pack, steps);
  // One-input packs keep the id they had before format 2 (and so their optimized-model cache entries).
  const input = inputs.length === 1 && inputs[0] === pack.manifest.input.name ? { input: inputs[0] } : { inputs };
  const hash = createHash('sha256').update(JSON.stringify({ merge: MERGE_VERSION, ...input, steps: steps.map((s) => s.id), outputs, batch: Boolean(options.batch) }));
  for (const step of steps) hash.update(pack.fileHashes?.[step.file] ?? (await fileContentHash(pack.path(step.file))));
  return hash.digest('hex');
}

/**
 * The pool tensors `steps` read that none of them produces, in order of first use: the pack's
 * input for a one-input pack; for format 2, the inputs and stage outputs the steps need.
 */
export function externalInputs(pack: LoadedPack, steps: readonly PackStep[]): string[] {
  const produced = new Set(steps.flatMap((s) => s.outputs));
  const read = [...new Set(steps.flatMap((s) => s.inputs))].filter((name) => !produced.has(name));
  return read.length ? read : [pack.manifest.input.name];
}

/** `steps` (reading only the pack's inputs and stage outputs from outside) merged into one model returning `outputs`. */
export async function mergedModel(pack: LoadedPack, steps: readonly PackStep[], outputs: readonly string[], what: string, options: MergeOptions = {}): Promise<Uint8Array> {
  const inputNames = externalInputs(pack, steps);
  const pool = new Set([...inputNames, ...steps.flatMap((s) => s.outputs)]);
  const nodes: pb.INodeProto[] = [];
  const initializers: pb.ITensorProto[] = [];
  let opset = 0;
  let irVersion = 0;
  const inputInfo = new Map<string, pb.IValueInfoProto>();
  const outputInfo = new Map<string, pb.IValueInfoProto>();

  for (const [i, step] of steps.entries()) {
    const model = onnx.ModelProto.decode(await readFile(pack.path(step.file)));
    // Decoded messages are full message instances (repeated fields always present).
    const graph = model.graph as pb.GraphProto;
    opset = Math.max(opset, ...model.opsetImport.filter((o) => !o.domain).map((o) => toNumber(o.version)));
    irVersion = Math.max(irVersion, toNumber(model.irVersion));
    const rename = (name: string): string => (!name || pool.has(name) ? name : `f${i}/${name}`);
    for (const init of graph.initializer) initializers.push({ ...init, name: rename(init.name ?? '') });
    for (const node of graph.node) {
      nodes.push({ ...node, name: node.name ? `f${i}/${node.name}` : '', input: (node.input ?? []).map(rename), output: (node.output ?? []).map(rename) });
    }
    for (const v of graph.input) if (inputNames.includes(v.name ?? '') && !inputInfo.has(v.name!)) inputInfo.set(v.name!, v);
    for (const v of graph.output) if (outputs.includes(v.name ?? '') && !outputInfo.has(v.name!)) outputInfo.set(v.name!, v);
  }
  const missing = [...inputNames.filter((n) => !inputInfo.has(n)), ...outputs.filter((n) => !outputInfo.has(n))];
  if (missing.length) throw new Error(`pack ${pack.manifest.name}: cannot find the declarations of ${missing.map((n) => `"${n}"`).join(', ')} in the files of ${what}`);
  const declare = (info: pb.IValueInfoProto): pb.IValueInfoProto => (options.batch ? withBatchDim(info) : info);
  const model = onnx.ModelProto.create({
    irVersion,
    producerName: 'exitgraph-monolith',
    opsetImport: [{ domain: '', version: opset }],
    graph: { name: `${pack.manifest.name}-${what.replace(/\s+/g, '-')}`, node: nodes, initializer: initializers, input: inputNames.map((n) => declare(inputInfo.get(n)!)), output: outputs.map((n) => declare(outputInfo.get(n)!)) },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The declaration with its first dimension made symbolic (`N`). */
function withBatchDim(info: pb.IValueInfoProto): pb.IValueInfoProto {
  const tensor = info.type?.tensorType;
  const dims = tensor?.shape?.dim;
  if (!tensor || !dims?.length) return info;
  return { ...info, type: { ...info.type, tensorType: { ...tensor, shape: { dim: [{ dimParam: BATCH_DIM }, ...dims.slice(1)] } } } };
}
