/** Reading image files for metrics: always RGB (alpha dropped, grey expanded), via sharp. */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { imageFromBytes, type Image } from '../../kernel/image/image.js';

/** Reads an image file (PNG, JPEG, WebP, ...) as a 3-channel RGB `Image` in [0, 1]. */
export async function readRgbImage(path: string): Promise<Image> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot read image ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  try {
    const { data, info } = await sharp(bytes).toColourspace('srgb').removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return imageFromBytes(data, info.width, info.height, 3);
  } catch (error) {
    throw new Error(`${path} could not be decoded as an image: ${(error as Error).message}`);
  }
}

/** Reads two images for a metric and checks they have one size; the error names both files. */
export async function readImagePair(pathA: string, pathB: string): Promise<[Image, Image]> {
  const [a, b] = await Promise.all([readRgbImage(pathA), readRgbImage(pathB)]);
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`images differ in size: ${pathA} is ${a.width}x${a.height}, ${pathB} is ${b.width}x${b.height}; metrics compare images of one size`);
  }
  return [a, b];
}
