import { createHash } from 'node:crypto';
import { decodeImage, defineNode, type Image } from '../../sdk/index.js';

export const loadImage = defineNode({
  id: 'exitgraph/LoadImage',
  version: 1,
  title: 'Load Image',
  category: 'image',
  description: 'Reads an image file (PNG, JPEG, WebP, ...) from the workspace as RGB, or RGBA when it has alpha.',
  inputs: {},
  outputs: { image: { type: 'IMAGE' } },
  params: {
    type: 'object',
    properties: {
      image: { type: 'string', minLength: 1, description: 'File path, relative to the input folder', 'x-widget': 'image-file' },
    },
    required: ['image'],
  },
  // The file can change between runs while the graph stays the same: key the cache on its bytes.
  fingerprint: async (params: { image: string }, ctx) => {
    const bytes = await ctx.workspace.readInput(params.image).catch(() => undefined);
    return bytes ? createHash('sha256').update(bytes).digest('hex') : 'missing';
  },
  // Read through the workspace (links out of a confined one refused), decoded with the pixel cap.
  run: async (ctx, _inputs, params: { image: string }) => {
    const bytes = await ctx.workspace.readInput(params.image).catch((error: Error) => {
      throw new Error(`cannot read image ${params.image}: ${error.message.replace(/^cannot read input "[^"]*": /, '')}`);
    });
    return { image: (await decodeImage(bytes, params.image)) as Image };
  },
});
