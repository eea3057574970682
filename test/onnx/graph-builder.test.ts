import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder } from '../../sdk/early-exit/index.js';
import { onnx } from '../../sdk/early-exit/index.js';

/** Deterministic pseudo-random values, so expected numbers are computed independently in JS. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = (s / 2147483648) * 2 - 1;
  }
  return out;
}

/** Reference Conv (NCHW, stride 1, symmetric pad) + Relu + MaxPool 2x2 + ReduceMean over H,W. */
function reference(x: Float32Array, w: Float32Array, b: Float32Array, C: number, K: number, H: number, W: number): Float32Array {
  const conv = new Float32Array(K * H * W);
  for (let k = 0; k < K; k++)
    for (let y = 0; y < H; y++)
      for (let xx = 0; xx < W; xx++) {
        let acc = b[k]!;
        for (let c = 0; c < C; c++)
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) {
              const yy = y + dy, xs = xx + dx;
              if (yy < 0 || yy >= H || xs < 0 || xs >= W) continue;
              acc += x[(c * H + yy) * W + xs]! * w[((k * C + c) * 3 + (dy + 1)) * 3 + (dx + 1)]!;
            }
        conv[(k * H + y) * W + xx] = Math.max(0, acc);
      }
  const out = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    let sum = 0;
    for (let y = 0; y < H / 2; y++)
      for (let xx = 0; xx < W / 2; xx++) {
        let m = -Infinity;
        for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) m = Math.max(m, conv[(k * H + 2 * y + dy) * W + 2 * xx + dx]!);
        sum += m;
      }
    out[k] = sum / ((H / 2) * (W / 2));
  }
  return out;
}

describe('OnnxGraphBuilder', () => {
  it('builds a Conv/Relu/MaxPool/ReduceMean graph that onnxruntime runs with the expected numbers', async () => {
    const C = 3, K = 4, H = 8, W = 8;
    const w = values(K * C * 9, 1), b = values(K, 2), x = values(C * H * W, 3);
    const g = new OnnxGraphBuilder({ opset: 17 });
    g.input('x', 'float32', ['N', C, H, W]);
    g.initializer('w', w, [K, C, 3, 3]);
    g.initializer('b', b, [K]);
    g.node('Conv', ['x', 'w', 'b'], ['conv'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    const relu = g.op('Relu', ['conv']);
    const pooled = g.op('MaxPool', [relu], { kernel_shape: [2, 2], strides: [2, 2] });
    g.node('ReduceMean', [pooled], ['y'], { axes: [2, 3], keepdims: 0 });
    g.output('y', 'float32', ['N', K]);

    const session = await ort.InferenceSession.create(g.toBytes());
    const result = await session.run({ x: new ort.Tensor('float32', x, [1, C, H, W]) });
    const y = result.y!;
    expect(y.dims).toEqual([1, K]);
    const expected = reference(x, w, b, C, K, H, W);
    const got = y.data as Float32Array;
    for (let k = 0; k < K; k++) expect(got[k]).toBeCloseTo(expected[k]!, 5);
    await session.release();
  });

  it('stores typed attributes, constants, int64 initializers and float attributes correctly', async () => {
    const g = new OnnxGraphBuilder();
    g.input('a', 'float32', [2, 3]);
    g.input('bm', 'float32', [3, 2]);
    g.initializer('shape', new BigInt64Array([4n]), [1]);
    const two = g.constant(new Float32Array([2]), []);
    // alpha = 1 must be encoded as FLOAT (Gemm declares it float); alpha = 0.5 scales the product.
    const gemm = g.op('Gemm', ['a', 'bm'], { alpha: 0.5, beta: 1 });
    const scaled = g.op('Mul', [gemm, two]);
    g.node('Reshape', [scaled, 'shape'], ['flat']);
    g.output('flat', 'float32', [4]);

    const model = onnx.ModelProto.decode(g.toBytes());
    const gemmNode = model.graph?.node?.find((n) => n.opType === 'Gemm');
    expect(gemmNode?.attribute?.find((a) => a.name === 'beta')?.type).toBe(onnx.AttributeProto.AttributeType.FLOAT);
    expect(model.opsetImport[0]!.version).toBeTruthy();

    const session = await ort.InferenceSession.create(g.toBytes());
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const bm = new Float32Array([1, 0, 0, 1, 1, 1]);
    const { flat } = await session.run({ a: new ort.Tensor('float32', a, [2, 3]), bm: new ort.Tensor('float32', bm, [3, 2]) });
    // a @ bm = [[4, 5], [10, 11]]; Gemm's alpha 0.5 then Mul by 2 gives it back, flattened to 4 values.
    expect(Array.from(flat!.data as Float32Array)).toEqual([4, 5, 10, 11]);
    await session.release();
  });

  it('rejects duplicate tensor names and wrong tensor sizes', () => {
    const g = new OnnxGraphBuilder();
    g.input('x', 'float32', [1]);
    expect(() => g.initializer('x', new Float32Array(1))).toThrow(/already defined/);
    expect(() => g.initializer('w', new Float32Array(3), [2, 2])).toThrow(/3 values but dims \[2, 2\] need 4/);
  });
});
