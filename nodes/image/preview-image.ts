import { defineNode } from '../../sdk/index.js';
import { saveWithGraph } from './output-files.js';

export const previewImage = defineNode({
  id: 'exitgraph/PreviewImage',
  version: 1,
  title: 'Preview Image',
  category: 'image',
  description: 'Shows the image on the node in the editor (and writes it under previews/ in the output folder).',
  inputs: { image: { type: 'IMAGE' } },
  outputs: {},
  params: { type: 'object', properties: {} },
  output: true,
  cacheable: false,
  run: async (ctx, inputs) => {
    ctx.preview(inputs.image);
    const saved = await saveWithGraph(ctx, inputs.image, 'previews/preview');
    ctx.ui({ images: [saved] });
    return {};
  },
});
