/**
 * One ONNX model computing the same path as the runner's sessions for an exit: the pack's files
 * for that exit merged into a single graph. The runner uses it to reach an exit from scratch in
 * one session run (one call instead of one per segment, and no feature map copied between
 * sessions); it is also the baseline of the segmentation-overhead benchmark and a second check
 * of the segmented path (exit k through segments == the merged model).
 *
 * Files are exported separately, so their private names (weights, intermediate tensors,
 * node names) may collide; every name that is not a pool tensor is prefixed with its file.
 */
import { readFile } from 'node:fs/promises';
import { onnx, toNumber, type pb } from '../onnx/onnx-proto.js';
import type { LoadedPack } from './load-pack.js';

/**
 * @param extraOutputs pool tensors the merged model also returns (after the exit's image), so a
 *   run can escalate from them: e.g. the last segment's features and the guide.
 */
export async function monolithicExitModel(pack: LoadedPack, exit: number, extraOutputs: readonly string[] = []): Promise<Uint8Array> {
  const steps = pack.plan.exitSteps[exit];
  const exitSpec = pack.manifest.exits[exit];
  if (!steps || !exitSpec) throw new Error(`pack ${pack.manifest.name} has no exit ${exit}`);
  const pool = new Set([pack.manifest.input.name, ...steps.flatMap((s) => s.outputs)]);
  const nodes: pb.INodeProto[] = [];
  const initializers: pb.ITensorProto[] = [];
  let opset = 0;
  let irVersion = 0;
  let inputInfo: pb.IValueInfoProto | undefined;
  const outputNames = [exitSpec.output, ...extraOutputs];
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
    inputInfo ??= graph.input.find((v) => v.name === pack.manifest.input.name);
    for (const v of graph.output) if (v.name && outputNames.includes(v.name) && !outputInfo.has(v.name)) outputInfo.set(v.name, v);
  }
  const outputs = outputNames.flatMap((n) => outputInfo.get(n) ?? []);
  const missing = [...(inputInfo ? [] : [pack.manifest.input.name]), ...outputNames.filter((n) => !outputInfo.has(n))];
  if (!inputInfo || missing.length) throw new Error(`pack ${pack.manifest.name}: cannot find the declarations of ${missing.map((n) => `"${n}"`).join(', ')} in the files of exit ${exitSpec.name}`);
  const model = onnx.ModelProto.create({
    irVersion,
    producerName: 'exitgraph-monolith',
    opsetImport: [{ domain: '', version: opset }],
    graph: { name: `${pack.manifest.name}-${exitSpec.name}`, node: nodes, initializer: initializers, input: [inputInfo], output: outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}
