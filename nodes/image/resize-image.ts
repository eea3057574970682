import sharp from 'sharp';
import { defineNode, imageFromBytes, imageToBytes, type Image } from '../../sdk/index.js';

const KERNELS = ['nearest', 'linear', 'cubic', 'lanczos3'] as const;

export const resizeImage = defineNode({
  id: 'exitgraph/ImageResize',
  version: 1,
  title: 'Resize Image',
  category: 'image/transform',
  description: 'Scales the image to an exact size (aspect ratio is not kept).',
  inputs: { image: { type: 'IMAGE' } },
  outputs: { image: { type: 'IMAGE' } },
  params: {
    type: 'object',
    properties: {
      width: { type: 'integer', minimum: 1, maximum: 8192, default: 512 },
      height: { type: 'integer', minimum: 1, maximum: 8192, default: 512 },
      method: { type: 'string', enum: KERNELS, default: 'lanczos3' },
    },
  },
  run: async (_ctx, inputs, params: { width: number; height: number; method: (typeof KERNELS)[number] }) => {
    const { image } = inputs;
    const { data, info } = await sharp(Buffer.from(imageToBytes(image).buffer), { raw: { width: image.width, height: image.height, channels: image.channels } })
      .resize(params.width, params.height, { fit: 'fill', kernel: params.method })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { image: imageFromBytes(data, info.width, info.height, info.channels as Image['channels']) };
  },
});
