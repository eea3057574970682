/**
 * The static shape inference used for MAC counting agrees with the shapes onnxruntime actually
 * produces, for every tensor of every fixture graph (each intermediate tensor is made a graph
 * output, and the model is run on zeros).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { OnnxGraphBuilder } from '../../sdk/early-exit/index.js';
import { countMacs } from '../../sdk/early-exit/index.js';
import { decodeModel } from '../../sdk/early-exit/index.js';
import { onnx } from '../../sdk/early-exit/index.js';
import { inferShapes } from '../../sdk/early-exit/index.js';
import { FIXTURE_PACKS } from '../packs/helpers.js';

/** Runs `bytes` with every node output fetched; returns name -> dims. */
async function actualShapes(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Map<string, readonly number[]>> {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new Error('the model has no graph');
  const outputs = (graph.output ??= []);
  const declared = new Set(outputs.map((o) => o.name));
  for (const node of graph.node ?? []) for (const out of node.output ?? []) if (out && !declared.has(out)) outputs.push(onnx.ValueInfoProto.create({ name: out }));
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish());
  const result = await session.run(feeds);
  await session.release();
  return new Map(Object.entries(result).map(([name, t]) => [name, t.dims]));
}

function zerosFor(bytes: Uint8Array): Record<string, ort.Tensor> {
  const info = decodeModel(bytes);
  return Object.fromEntries(info.inputs.map((d) => {
    const dims = d.shape!.map((x) => (typeof x === 'number' ? x : 1));
    return [d.name, new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims)];
  }));
}

/** Infers the graph's shapes, expects none unresolved and each equal to what onnxruntime produces. */
async function expectShapesOfOnnxruntime(bytes: Uint8Array): Promise<{ info: ReturnType<typeof decodeModel>; inferred: ReturnType<typeof inferShapes> }> {
  const info = decodeModel(bytes);
  const inferred = inferShapes(info.graph, info.opset);
  expect(inferred.unresolved).toEqual([]);
  const actual = await actualShapes(bytes, zerosFor(bytes));
  for (const [name, dims] of actual) expect(inferred.shapes.get(name), name).toEqual(dims);
  return { info, inferred };
}

const files = ['tiny-landscape', 'tiny-image'].flatMap((pack) =>
  readdirSync(join(FIXTURE_PACKS, pack)).filter((f) => f.endsWith('.onnx')).map((f) => `${pack}/${f}`),
);

describe('inferShapes', () => {
  it.each(files)('matches onnxruntime on every tensor of %s', async (file) => {
    const bytes = readFileSync(join(FIXTURE_PACKS, file));
    const info = decodeModel(bytes, file);
    const inferred = inferShapes(info.graph, info.opset);
    expect(inferred.unresolved).toEqual([]);
    const actual = await actualShapes(bytes, zerosFor(bytes));
    expect(actual.size).toBeGreaterThan(0);
    for (const [name, dims] of actual) expect(inferred.shapes.get(name), name).toEqual(dims);
  });

  it('follows the Shape -> Gather -> Concat -> Resize/Reshape chains exporters emit', async () => {
    const g = new OnnxGraphBuilder({ opset: 17 });
    g.input('x', 'float32', [1, 3, 10, 12]);
    const shape = g.op('Shape', ['x']);
    const hw = g.op('Slice', [shape, g.constant(new BigInt64Array([2n])), g.constant(new BigInt64Array([4n])), g.constant(new BigInt64Array([0n]))]);
    const doubled = g.op('Mul', [hw, g.constant(new BigInt64Array([2n, 2n]))]);
    const nc = g.op('Gather', [shape, g.constant(new BigInt64Array([0n, 1n]))], { axis: 0 });
    const sizes = g.op('Concat', [nc, doubled], { axis: 0 });
    const up = g.op('Resize', ['x', '', '', sizes], { mode: 'nearest' });
    const flatShape = g.op('Concat', [g.constant(new BigInt64Array([1n])), g.constant(new BigInt64Array([-1n]))], { axis: 0 });
    const flat = g.op('Reshape', [up, flatShape]);
    const pooled = g.op('ReduceMean', [g.op('Unsqueeze', [flat, g.constant(new BigInt64Array([0n]))])], { axes: [2], keepdims: 0 });
    g.node('Identity', [pooled], ['y']);
    g.output('y', 'float32', [1, 1]);
    const { info, inferred } = await expectShapesOfOnnxruntime(g.toBytes());
    expect(inferred.shapes.get(up)).toEqual([1, 3, 20, 24]);
  });

  it('sizes GridSample by its grid, so the convolutions after a warp are counted', async () => {
    const g = new OnnxGraphBuilder({ opset: 17 });
    g.input('x', 'float32', [1, 4, 8, 8]);
    g.input('grid', 'float32', [1, 16, 12, 2]);
    const warped = g.op('GridSample', ['x', 'grid'], { mode: 'bilinear', padding_mode: 'border', align_corners: 0 });
    g.initializer('w', new Float32Array(6 * 4 * 3 * 3), [6, 4, 3, 3]);
    g.node('Conv', [warped, 'w'], ['y'], { pads: [1, 1, 1, 1] });
    g.output('y', 'float32', [1, 6, 16, 12]);
    const { info, inferred } = await expectShapesOfOnnxruntime(g.toBytes());
    expect(inferred.shapes.get(warped)).toEqual([1, 4, 16, 12]);
    expect(countMacs(info.graph, info.opset).total).toBe(6 * 16 * 12 * 4 * 3 * 3);
  });

  it('reports ops it has no rule for instead of guessing, and the MACs they hide', () => {
    const g = new OnnxGraphBuilder();
    g.input('x', 'float32', [1, 4, 8, 8]);
    const odd = g.op('NonZero', ['x']);
    g.initializer('w', new Float32Array(4 * 4), [4, 4, 1, 1]);
    g.node('Conv', [g.op('Cast', [odd], { to: 1 }), 'w'], ['y']);
    g.output('y', 'float32', []);
    const info = decodeModel(g.toBytes());
    const macs = countMacs(info.graph, info.opset);
    expect(macs.unresolved[0]).toMatchObject({ opType: 'NonZero', reason: expect.stringContaining('no shape rule for op NonZero') });
    expect(macs.uncounted).toHaveLength(1);
  });

  it('reports a malformed node (attributes or ranks that do not fit) instead of inferring NaN', () => {
    const g = new OnnxGraphBuilder();
    g.input('x', 'float32', [1, 4, 8, 8]);
    g.initializer('w', new Float32Array(4 * 4 * 9), [4, 4, 3, 3]);
    const conv = g.op('Conv', ['x', 'w'], { strides: [2] }, 'conv'); // one stride for two spatial axes
    g.input('v', 'float32', [8]);
    const pooled = g.op('GlobalAveragePool', ['v'], {}, 'pooled'); // needs N and C
    g.output(conv, 'float32', []);
    g.output(pooled, 'float32', []);
    const info = decodeModel(g.toBytes());
    const inferred = inferShapes(info.graph, info.opset);
    expect(inferred.shapes.has(conv)).toBe(false);
    expect(inferred.shapes.has(pooled)).toBe(false);
    expect(inferred.unresolved.map(({ opType, reason }) => ({ opType, reason }))).toEqual([
      { opType: 'Conv', reason: 'strides has no entry 1 (it has 1)' },
      { opType: 'GlobalAveragePool', reason: 'GlobalAveragePool input has rank 1, expected at least 2' },
    ]);
  });
});

describe('countMacs', () => {
  it('counts grouped Conv, ConvTranspose with padding, Gemm with transA and batched MatMul', () => {
    const g = new OnnxGraphBuilder();
    g.input('x', 'float32', [1, 8, 16, 16]);
    g.initializer('wg', new Float32Array(8 * 2 * 9), [8, 2, 3, 3]); // group 4: Cin/group = 2
    const grouped = g.op('Conv', ['x', 'wg'], { group: 4, pads: [1, 1, 1, 1], strides: [2, 2] }); // [1, 8, 8, 8]
    g.initializer('wt', new Float32Array(8 * 4 * 16), [8, 4, 4, 4]);
    const up = g.op('ConvTranspose', [grouped, 'wt'], { strides: [2, 2], pads: [1, 1, 1, 1] }); // [1, 4, 16, 16]
    const flat = g.op('Flatten', [up], { axis: 1 }); // [1, 1024]
    g.initializer('a', new Float32Array(1024 * 5), [1024, 5]);
    const gemm = g.op('Gemm', ['a', flat], { transA: 1, transB: 1 }); // [5, 1]
    g.input('m', 'float32', [2, 3, 4, 6]);
    g.initializer('n', new Float32Array(6 * 7), [6, 7]);
    const mm = g.op('MatMul', ['m', 'n']); // [2, 3, 4, 7]
    g.output(gemm, 'float32', [5, 1]);
    g.output(mm, 'float32', [2, 3, 4, 7]);
    const info = decodeModel(g.toBytes());
    const macs = countMacs(info.graph, info.opset);
    expect(macs.byOp).toEqual({
      Conv: 8 * 8 * 8 * 2 * 9,
      ConvTranspose: 8 * 8 * 8 * 4 * 16,
      Gemm: 5 * 1 * 1024,
      MatMul: 2 * 3 * 4 * 7 * 6,
    });
    expect(macs.total).toBe(Object.values(macs.byOp).reduce((a, b) => a + b, 0));
    expect(macs.otherOps).toEqual({ Flatten: 1 });
  });
});
