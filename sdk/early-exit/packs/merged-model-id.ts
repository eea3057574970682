/**
 * What the runner needs of a merged model before building it (see pack-monolith.ts): its content
 * id, which keys the session and optimized-model caches, and the tensors it reads. Kept apart
 * from the merge itself, which needs the ONNX protobuf reader: a run whose merged sessions are
 * already in the optimized-model cache never loads it.
 */
import { createHash } from 'node:crypto';
import { fileContentHash } from '../onnx/optimized-model-cache.js';
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
