import { createImage, defineNode } from '../../sdk/index.js';

export const cropImage = defineNode({
  id: 'exitgraph/ImageCrop',
  version: 1,
  title: 'Crop Image',
  category: 'image/transform',
  description: 'Cuts a rectangle out of the image. The rectangle must lie inside the image.',
  inputs: { image: { type: 'IMAGE' } },
  outputs: { image: { type: 'IMAGE' } },
  params: {
    type: 'object',
    properties: {
      x: { type: 'integer', minimum: 0, default: 0 },
      y: { type: 'integer', minimum: 0, default: 0 },
      width: { type: 'integer', minimum: 1, default: 256 },
      height: { type: 'integer', minimum: 1, default: 256 },
    },
  },
  run: (_ctx, inputs, params: { x: number; y: number; width: number; height: number }) => {
    const { image } = inputs;
    const { x, y, width, height } = params;
    if (x + width > image.width || y + height > image.height) {
      throw new Error(`crop ${width}x${height} at (${x}, ${y}) does not fit in the ${image.width}x${image.height} image`);
    }
    const out = createImage(width, height, image.channels);
    const rowLength = width * image.channels;
    for (let row = 0; row < height; row++) {
      const from = ((y + row) * image.width + x) * image.channels;
      out.data.set(image.data.subarray(from, from + rowLength), row * rowLength);
    }
    return { image: out };
  },
});
