import { colorizeLabels, defineNode } from '../../sdk/index.js';

export const colorizeLabelMap = defineNode({
  id: 'exitgraph/ColorizeLabelMap',
  version: 1,
  title: 'Colorize Label Map',
  category: 'labels',
  description: 'Renders a label map as an image, one colour per class, to look at it.',
  inputs: { label_map: { type: 'LABEL_MAP' } },
  outputs: { image: { type: 'IMAGE' } },
  params: { type: 'object', properties: {} },
  run: (_ctx, inputs) => ({ image: colorizeLabels(inputs.label_map) }),
});
