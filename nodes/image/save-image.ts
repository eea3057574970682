import { defineNode } from '../../sdk/index.js';
import { saveWithGraph } from './output-files.js';

export const saveImage = defineNode({
  id: 'exitgraph/SaveImage',
  version: 1,
  title: 'Save Image',
  category: 'image',
  description: 'Writes the image as a PNG in the output folder, with the graph embedded (tEXt "prompt" and "workflow") so it can be run or opened again.',
  inputs: { image: { type: 'IMAGE' } },
  outputs: {},
  params: {
    type: 'object',
    properties: {
      filename_prefix: { type: 'string', default: 'exitgraph', pattern: '^[^\\\\]*$', description: 'File name prefix; may contain sub-folders' },
    },
  },
  output: true,
  // Every run writes a file, even when the image is unchanged.
  cacheable: false,
  run: async (ctx, inputs, params: { filename_prefix: string }) => {
    const saved = await saveWithGraph(ctx, inputs.image, params.filename_prefix);
    ctx.ui({ images: [saved] });
    return {};
  },
});
