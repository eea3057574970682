/**
 * Dense chains (sdk/early-exit/onnx/dense-chain.ts): models built here as ONNX, run by
 * onnxruntime and by the JS evaluation on the same inputs; models that are not chains are
 * refused with the node that breaks the chain; the on-disk cache returns the same chain.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnx, OnnxGraphBuilder } from '../../sdk/early-exit/index.js';
import { DenseChain, denseChainOf } from '../../sdk/early-exit/onnx/dense-chain.js';
import { loadDenseChain } from '../../sdk/early-exit/onnx/dense-chain-cache.js';

/** Deterministic values in [-1, 1), with every `zeroEvery`-th one 0 (shares of absent classes). */
function values(n: number, seed: number, zeroEvery = 0): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = zeroEvery && i % zeroEvery === 0 ? 0 : (s / 2147483648) * 2 - 1;
  }
  return out;
}

/** [1, 4, 3, 3] -> Flatten -> Gemm (transB, alpha, beta) -> LeakyRelu -> MatMul -> Add -> Tanh -> Gemm -> Softplus. */
function chainModel(): Uint8Array {
  const g = new OnnxGraphBuilder();
  const x = g.input('features', 'float32', [1, 4, 3, 3]);
  const flat = g.op('Flatten', [x], { axis: 1 });
  const w1 = g.initializer('w1', values(16 * 36, 1), [16, 36]);
  const b1 = g.initializer('b1', values(16, 2), [16]);
  const h1 = g.op('LeakyRelu', [g.op('Gemm', [flat, w1, b1], { transB: 1, alpha: 0.5, beta: 2 })], { alpha: 0.2 });
  const w2 = g.initializer('w2', values(16 * 8, 3), [16, 8]);
  const h2 = g.op('Tanh', [g.op('Add', [g.op('MatMul', [h1, w2]), g.initializer('b2', values(8, 4), [8])])]);
  const w3 = g.initializer('w3', values(8 * 3, 5), [8, 3]);
  g.node('Softplus', [g.op('Gemm', [h2, w3, g.initializer('b3', values(3, 6), [3])])], ['distances']);
  g.output('distances', 'float32', [1, 3]);
  return g.toBytes();
}

async function onnxruntimeOutput(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, dims) });
  const data = out[session.outputNames[0]!]!.data as Float32Array;
  await session.release();
  return data;
}

const chainOf = (bytes: Uint8Array): DenseChain | string => denseChainOf(onnx.ModelProto.decode(bytes));

describe('dense chains', () => {
  it('compute what onnxruntime computes, on dense inputs and inputs with many zeros', async () => {
    const bytes = chainModel();
    const chain = chainOf(bytes);
    if (typeof chain === 'string') throw new Error(chain);
    expect(chain.inputLength).toBe(36);
    expect(chain.outputLength).toBe(3);
    expect(chain.macs).toBe(36 * 16 + 16 * 8 + 8 * 3);
    for (const [seed, zeroEvery] of [[11, 0], [12, 2], [13, 3]] as const) {
      const input = values(36, seed, zeroEvery);
      const expected = await onnxruntimeOutput(bytes, input, [1, 4, 3, 3]);
      const got = chain.run(input);
      for (let k = 0; k < 3; k++) expect(got[k]).toBeCloseTo(expected[k]!, 5);
    }
  });

  it('read Reshape to [batch, n] and Relu and Sigmoid as well', async () => {
    const g = new OnnxGraphBuilder();
    const x = g.input('x', 'float32', [1, 2, 5]);
    const flat = g.op('Reshape', [x, g.initializer('shape', BigInt64Array.from([1n, -1n]), [2])]);
    const h = g.op('Relu', [g.op('Gemm', [flat, g.initializer('w', values(10 * 4, 7), [10, 4]), g.initializer('b', values(4, 8), [4])])]);
    g.node('Sigmoid', [g.op('Gemm', [h, g.initializer('w2', values(4 * 2, 9), [4, 2])])], ['y']);
    g.output('y', 'float32', [1, 2]);
    const bytes = g.toBytes();
    const chain = chainOf(bytes);
    if (typeof chain === 'string') throw new Error(chain);
    const input = values(10, 21);
    const expected = await onnxruntimeOutput(bytes, input, [1, 2, 5]);
    const got = chain.run(input);
    for (let k = 0; k < 2; k++) expect(got[k]).toBeCloseTo(expected[k]!, 5);
  });

  it('refuse models that are not one chain of dense layers, naming what breaks it', () => {
    const conv = new OnnxGraphBuilder();
    const cx = conv.input('x', 'float32', [1, 2, 4, 4]);
    conv.node('Conv', [cx, conv.initializer('w', values(3 * 2 * 9, 1), [3, 2, 3, 3])], ['y'], { pads: [1, 1, 1, 1] });
    conv.output('y', 'float32', [1, 3, 4, 4]);
    expect(chainOf(conv.toBytes())).toMatch(/\(Conv\): not a dense-chain op/);

    const branch = new OnnxGraphBuilder();
    const bx = branch.input('x', 'float32', [1, 4]);
    const w = branch.initializer('w', values(16, 2), [4, 4]);
    const a = branch.op('Gemm', [bx, w]);
    branch.node('Add', [a, bx], ['y']);
    branch.output('y', 'float32', [1, 4]);
    expect(chainOf(branch.toBytes())).toMatch(/\(Add\): its second input is not an initializer/);

    const dynamic = new OnnxGraphBuilder();
    const dx = dynamic.input('x', 'float32', ['batch', 4]);
    dynamic.node('Relu', [dx], ['y']);
    dynamic.output('y', 'float32', ['batch', 4]);
    expect(chainOf(dynamic.toBytes())).toMatch(/not \[1, \.\.\.\] with fixed dimensions/);
  });

  it('survive serialization, and refuse bytes that are not one', () => {
    const chain = chainOf(chainModel()) as DenseChain;
    const bytes = chain.serialize();
    const again = DenseChain.deserialize(bytes);
    expect(again).toBeDefined();
    const input = values(36, 5, 4);
    expect(Array.from(again!.run(input))).toEqual(Array.from(chain.run(input)));
    expect(DenseChain.deserialize(bytes.subarray(0, bytes.length - 4))).toBeUndefined();
    expect(DenseChain.deserialize(new Uint8Array(16))).toBeUndefined();
  });
});

describe('the dense-chain cache', () => {
  let dir: string;
  const saved = process.env.EXITGRAPH_CACHE_DIR;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dense-chain-'));
    process.env.EXITGRAPH_CACHE_DIR = join(dir, 'cache');
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.EXITGRAPH_CACHE_DIR;
    else process.env.EXITGRAPH_CACHE_DIR = saved;
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a chain by the file content and returns the same numbers from it', async () => {
    const file = join(dir, 'predictor.onnx');
    await writeFile(file, chainModel());
    const first = await loadDenseChain(file);
    const cacheDir = join(dir, 'cache', 'dense-chains');
    expect(readdirSync(cacheDir).filter((name) => name.endsWith('.bin'))).toHaveLength(1);
    const second = await loadDenseChain(file);
    const input = values(36, 3);
    expect(Array.from(second.chain!.run(input))).toEqual(Array.from(first.chain!.run(input)));
  });

  it('remembers why a model is not a chain', async () => {
    const g = new OnnxGraphBuilder();
    const x = g.input('x', 'float32', [1, 4]);
    g.node('Softmax', [x], ['y']);
    g.output('y', 'float32', [1, 4]);
    const file = join(dir, 'softmax.onnx');
    await writeFile(file, g.toBytes());
    const found = await loadDenseChain(file);
    expect(found.chain).toBeUndefined();
    expect('reason' in found && found.reason).toMatch(/Softmax/);
    expect(readdirSync(join(dir, 'cache', 'dense-chains')).some((name) => name.endsWith('.none'))).toBe(true);
    expect(existsSync(file)).toBe(true);
  });
});
