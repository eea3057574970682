import sharp from 'sharp';
import { imageToBytes, type Image } from '../../kernel/image/image.js';

/**
 * Lays images out in a grid (rows of equal-size RGB images) as one PNG, with a thin white gutter.
 */
export async function imageGridPng(rows: readonly (readonly Image[])[], gutter = 2): Promise<Buffer> {
  const cellWidth = Math.max(...rows.flat().map((i) => i.width));
  const cellHeight = Math.max(...rows.flat().map((i) => i.height));
  const columns = Math.max(...rows.map((r) => r.length));
  const width = columns * (cellWidth + gutter) + gutter;
  const height = rows.length * (cellHeight + gutter) + gutter;
  const composites = rows.flatMap((row, r) =>
    row.map((image, c) => ({
      input: Buffer.from(imageToBytes(image).buffer),
      raw: { width: image.width, height: image.height, channels: image.channels as 3 | 4 },
      left: gutter + c * (cellWidth + gutter),
      top: gutter + r * (cellHeight + gutter),
    })),
  );
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(composites).png().toBuffer();
}
