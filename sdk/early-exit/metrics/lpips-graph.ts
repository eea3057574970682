/**
 * LPIPS v0.1 (alex, squeeze) as an ONNX graph, built from the weights folder at load time with
 * the SDK's OnnxGraphBuilder. The recipe is models/lpips/README.md "The forward pass",
 * identical to models/training/exitgraph_training/lpips.py:
 *
 *   inputs  a, b: float32 [N, 3, H, W] in [-1, 1]   (N, H, W symbolic; H, W >= 32)
 *   x = concat(a, b) over the batch (one backbone pass for both images)
 *   x = (x - shift) / scale
 *   backbone taps (ReLU outputs); per tap f: f / (sqrt(sum_c f^2) + 1e-10); split back into the
 *   a and b halves; (fa - fb)^2; 1x1 conv with linI (no bias); mean over space
 *   output  distance: float32 [N] = sum over taps
 */
import { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { weightTensor, type LpipsNet, type LpipsWeights } from './weights.js';

export const LPIPS_SHIFT = [-0.03, -0.088, -0.188] as const;
export const LPIPS_SCALE = [0.458, 0.448, 0.45] as const;
export const LPIPS_EPS = 1e-10;
/** Smallest image side the alex backbone accepts (its second max-pool needs a 3x3 input). */
export const LPIPS_MIN_SIZE = 32;
export const LPIPS_OPSET = 17;

/** Backbone layout: channels per tap and the linI layers that weigh them. */
export const LPIPS_TAP_CHANNELS: Readonly<Record<LpipsNet, readonly number[]>> = {
  alex: [64, 192, 384, 256, 256],
  squeeze: [64, 128, 256, 384, 384, 512, 512],
};

interface ConvOptions {
  readonly stride?: number;
  readonly pad?: number;
}

class LpipsGraph {
  readonly g = new OnnxGraphBuilder({ opset: LPIPS_OPSET, graphName: 'lpips', producer: 'exitgraph-metrics' });
  constructor(readonly weights: LpipsWeights) {}

  /** Conv + bias from `<prefix>.weight` / `<prefix>.bias`, then ReLU. */
  convRelu(x: string, prefix: string, out: number, inC: number, k: number, { stride = 1, pad = 0 }: ConvOptions = {}): string {
    const w = weightTensor(this.weights, `${prefix}.weight`, [out, inC, k, k]);
    const b = weightTensor(this.weights, `${prefix}.bias`, [out]);
    const wName = this.g.initializer(`${prefix}.weight`, w.data, [...w.shape]);
    const bName = this.g.initializer(`${prefix}.bias`, b.data, [...b.shape]);
    const y = this.g.op('Conv', [x, wName, bName], { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] }, this.g.fresh(prefix));
    return this.g.op('Relu', [y], {}, this.g.fresh(`${prefix}.relu`));
  }

  maxPool(x: string, ceil: boolean): string {
    return this.g.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: ceil ? 1 : 0 });
  }

  /** torchvision SqueezeNet fire module: squeeze 1x1 -> relu -> concat(expand1x1, expand3x3) relus. */
  fire(x: string, index: number, inC: number, squeeze: number, expand: number): string {
    const p = `features.${index}`;
    const s = this.convRelu(x, `${p}.squeeze`, squeeze, inC, 1);
    const e1 = this.convRelu(s, `${p}.expand1x1`, expand, squeeze, 1);
    const e3 = this.convRelu(s, `${p}.expand3x3`, expand, squeeze, 3, { pad: 1 });
    return this.g.op('Concat', [e1, e3], { axis: 1 });
  }

  alexTaps(x: string): string[] {
    const t1 = this.convRelu(x, 'features.0', 64, 3, 11, { stride: 4, pad: 2 });
    const t2 = this.convRelu(this.maxPool(t1, false), 'features.3', 192, 64, 5, { pad: 2 });
    const t3 = this.convRelu(this.maxPool(t2, false), 'features.6', 384, 192, 3, { pad: 1 });
    const t4 = this.convRelu(t3, 'features.8', 256, 384, 3, { pad: 1 });
    const t5 = this.convRelu(t4, 'features.10', 256, 256, 3, { pad: 1 });
    return [t1, t2, t3, t4, t5];
  }

  squeezeTaps(x: string): string[] {
    const t1 = this.convRelu(x, 'features.0', 64, 3, 3, { stride: 2 });
    let h = this.fire(this.maxPool(t1, true), 3, 64, 16, 64);
    const t2 = this.fire(h, 4, 128, 16, 64);
    h = this.fire(this.maxPool(t2, true), 6, 128, 32, 128);
    const t3 = this.fire(h, 7, 256, 32, 128);
    const t4 = this.fire(this.maxPool(t3, true), 9, 256, 48, 192);
    const t5 = this.fire(t4, 10, 384, 48, 192);
    const t6 = this.fire(t5, 11, 384, 64, 256);
    const t7 = this.fire(t6, 12, 512, 64, 256);
    return [t1, t2, t3, t4, t5, t6, t7];
  }

  build(): Uint8Array {
    const { g } = this;
    const net = this.weights.net;
    g.input('a', 'float32', ['N', 3, 'H', 'W']);
    g.input('b', 'float32', ['N', 3, 'H', 'W']);
    const both = g.op('Concat', ['a', 'b'], { axis: 0 }, 'ab');
    const shift = g.initializer('scaling.shift', new Float32Array(LPIPS_SHIFT), [1, 3, 1, 1]);
    const scale = g.initializer('scaling.scale', new Float32Array(LPIPS_SCALE), [1, 3, 1, 1]);
    const scaled = g.op('Div', [g.op('Sub', [both, shift]), scale], {}, 'scaled');
    const taps = net === 'alex' ? this.alexTaps(scaled) : this.squeezeTaps(scaled);

    const channelAxis = g.initializer('axes.channel', new BigInt64Array([1n]), [1]);
    const eps = g.initializer('eps', new Float32Array([LPIPS_EPS]), []);
    const perTap = taps.map((tap, i) => {
      const channels = LPIPS_TAP_CHANNELS[net][i]!;
      const sumSq = g.op('ReduceSum', [g.op('Mul', [tap, tap]), channelAxis], { keepdims: 1 });
      const unit = g.op('Div', [tap, g.op('Add', [g.op('Sqrt', [sumSq]), eps])], {}, `tap${i}.unit`);
      const fa = g.fresh(`tap${i}.a`);
      const fb = g.fresh(`tap${i}.b`);
      g.node('Split', [unit], [fa, fb], { axis: 0 });
      const diff = g.op('Sub', [fa, fb]);
      const lin = weightTensor(this.weights, `lin${i}.model.1.weight`, [1, channels, 1, 1]);
      const linName = g.initializer(`lin${i}.model.1.weight`, lin.data, [...lin.shape]);
      const weighted = g.op('Conv', [g.op('Mul', [diff, diff]), linName], { kernel_shape: [1, 1] });
      return g.op('ReduceMean', [weighted], { axes: [1, 2, 3], keepdims: 0 }, `tap${i}.distance`);
    });
    g.node('Sum', perTap, ['distance']);
    g.output('distance', 'float32', ['N']);
    return g.toBytes();
  }
}

/** The serialized ONNX model of LPIPS for these weights (inputs `a`, `b`; output `distance`). */
export function buildLpipsModel(weights: LpipsWeights): Uint8Array {
  return new LpipsGraph(weights).build();
}
