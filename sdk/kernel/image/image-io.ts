import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp, { type OutputInfo } from 'sharp';
import { imageFromBytes, imageToBytes, type Image } from './image.js';
import { addPngText } from './png-text.js';

/**
 * Decodes any image sharp reads (PNG, JPEG, WebP, ...) into an `Image`. Grey stays 1 channel,
 * grey+alpha becomes RGBA, palette images become RGB(A).
 */
export async function decodeImage(bytes: Uint8Array, source: string): Promise<Image> {
  let raw: { data: Buffer; info: OutputInfo };
  try {
    const pipeline = sharp(bytes);
    const meta = await pipeline.metadata();
    const wanted = meta.channels === 2 ? 4 : meta.channels === 1 ? 1 : meta.hasAlpha ? 4 : 3;
    const shaped = wanted === 1 ? pipeline.toColourspace('b-w') : wanted === 4 ? pipeline.ensureAlpha() : pipeline.removeAlpha();
    raw = await shaped.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new Error(`${source} could not be decoded as an image: ${(error as Error).message}`);
  }
  const { width, height, channels } = raw.info;
  return imageFromBytes(raw.data, width, height, channels as Image['channels']);
}

export async function readImageFile(path: string): Promise<Image> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new Error(`cannot read image ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  return decodeImage(bytes, path);
}

/** Encodes an image as PNG, with optional tEXt chunks (e.g. the graph that made it). */
export async function encodePng(image: Image, text: Readonly<Record<string, string>> = {}): Promise<Buffer> {
  const png = await sharp(Buffer.from(imageToBytes(image).buffer), { raw: { width: image.width, height: image.height, channels: image.channels } })
    // Without this libvips writes single-channel input as 3-channel sRGB.
    .toColourspace(image.channels === 1 ? 'b-w' : 'srgb')
    .png()
    .toBuffer();
  if (!Object.keys(text).length) return png;
  const withText = addPngText(png, text);
  return Buffer.from(withText.buffer, withText.byteOffset, withText.byteLength);
}

export async function writePng(image: Image, path: string, text: Readonly<Record<string, string>> = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, await encodePng(image, text));
}
