import { createImage, defineNode } from '../../sdk/index.js';

/** Distinct, stable colours by class id (golden-angle hues), so maps read the same everywhere. */
export function classColor(id: number): [number, number, number] {
  const hue = (id * 137.508) % 360;
  const s = 0.65;
  const l = id % 2 ? 0.45 : 0.6;
  const k = (n: number) => (n + hue / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return [f(0), f(8), f(4)];
}

export const colorizeLabelMap = defineNode({
  id: 'exitgraph/ColorizeLabelMap',
  version: 1,
  title: 'Colorize Label Map',
  category: 'labels',
  description: 'Renders a label map as an image, one colour per class, to look at it.',
  inputs: { label_map: { type: 'LABEL_MAP' } },
  outputs: { image: { type: 'IMAGE' } },
  params: { type: 'object', properties: {} },
  run: (_ctx, inputs) => {
    const map = inputs.label_map;
    const image = createImage(map.width, map.height, 3);
    const palette = map.classes.map((_, id) => classColor(id));
    for (let p = 0; p < map.ids.length; p++) image.data.set(palette[map.ids[p]!] ?? [0, 0, 0], p * 3);
    return { image };
  },
});
