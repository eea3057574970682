import { defineNode, resizeLabelMapNearest, type LabelMap } from '../../sdk/index.js';

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
    return { label_map: resizeLabelMapNearest(map, params.width, params.height) };
  },
});
