import { createImage, defineNode, type Image } from '../../sdk/index.js';

const MODES = {
  normal: (_a: number, b: number) => b,
  multiply: (a: number, b: number) => a * b,
  screen: (a: number, b: number) => 1 - (1 - a) * (1 - b),
  difference: (a: number, b: number) => Math.abs(a - b),
} as const;

type Mode = keyof typeof MODES;

export const blendImages = defineNode({
  id: 'exitgraph/ImageBlend',
  version: 1,
  title: 'Blend Images',
  category: 'image/compose',
  description: 'Mixes image b over image a: result = a + factor * (mode(a, b) - a). Both must have the same size.',
  inputs: { a: { type: 'IMAGE' }, b: { type: 'IMAGE' } },
  outputs: { image: { type: 'IMAGE' } },
  params: {
    type: 'object',
    properties: {
      factor: { type: 'number', minimum: 0, maximum: 1, default: 0.5 },
      mode: { type: 'string', enum: Object.keys(MODES), default: 'normal' },
    },
  },
  run: (_ctx, inputs, params: { factor: number; mode: Mode }) => {
    const { a, b } = inputs;
    if (a.width !== b.width || a.height !== b.height) {
      throw new Error(`cannot blend a ${a.width}x${a.height} image with a ${b.width}x${b.height} one; resize one first`);
    }
    const channels = a.channels === 1 && b.channels === 1 ? 1 : 3;
    const out = createImage(a.width, a.height, channels as Image['channels']);
    const apply = MODES[params.mode];
    const pixels = a.width * a.height;
    for (let p = 0; p < pixels; p++) {
      for (let c = 0; c < channels; c++) {
        const va = a.data[p * a.channels + Math.min(c, a.channels - 1)]!;
        const vb = b.data[p * b.channels + Math.min(c, b.channels - 1)]!;
        out.data[p * channels + c] = va + params.factor * (apply(va, vb) - va);
      }
    }
    return { image: out };
  },
});
