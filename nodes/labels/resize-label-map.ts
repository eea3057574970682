import { defineNode, type LabelMap } from '../../sdk/index.js';

export const resizeLabelMap = defineNode({
  id: 'exitgraph/ResizeLabelMap',
  version: 1,
  title: 'Resize Label Map',
  category: 'labels',
  description: 'Scales a label map to an exact size by nearest neighbour, so class ids stay ids (a model pack takes one size).',
  inputs: { label_map: { type: 'LABEL_MAP' } },
  outputs: { label_map: { type: 'LABEL_MAP' } },
  params: {
    type: 'object',
    properties: {
      width: { type: 'integer', minimum: 1, maximum: 8192, default: 128 },
      height: { type: 'integer', minimum: 1, maximum: 8192, default: 128 },
    },
  },
  run: (_ctx, inputs, params: { width: number; height: number }) => {
    const map: LabelMap = inputs.label_map;
    const { width, height } = params;
    const ids = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      const sy = Math.min(map.height - 1, Math.floor(((y + 0.5) * map.height) / height));
      for (let x = 0; x < width; x++) {
        const sx = Math.min(map.width - 1, Math.floor(((x + 0.5) * map.width) / width));
        ids[y * width + x] = map.ids[sy * map.width + sx]!;
      }
    }
    return { label_map: { width, height, ids, classes: map.classes } };
  },
});
