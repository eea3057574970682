import sharp from 'sharp';
import type { LabelMap } from './image.js';
import { MAX_IMAGE_PIXELS, checkPixels } from './image-io.js';
import { readPngChunks, readPngPalette, readPngText } from './png-text.js';

/**
 * Label maps on disk: 8-bit PNGs whose pixel value (greyscale) or palette index (indexed colour)
 * is the class id. Class names come from the caller, else from a tEXt chunk `classes` (a JSON
 * array); with neither the map is unnamed (`classes: []`) and its ids are taken as they are.
 */
export async function decodeLabelMap(bytes: Uint8Array, source: string, classes: readonly string[], options: { maxPixels?: number } = {}): Promise<LabelMap> {
  let palette: [number, number, number][] | undefined;
  let text: Record<string, string> = {};
  let header: Uint8Array | undefined;
  try {
    header = readPngChunks(bytes, source).find((chunk) => chunk.type === 'IHDR')?.data;
    palette = readPngPalette(bytes);
    text = readPngText(bytes, source);
  } catch {
    throw new Error(`${source}: a label map must be a PNG (greyscale ids or an indexed-colour palette)`);
  }
  if (!header || header.length < 8) throw new Error(`${source}: a label map must be a PNG (greyscale ids or an indexed-colour palette)`);
  // The size the header announces, checked before a single pixel is decoded.
  const maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  checkPixels(view.getUint32(0), view.getUint32(4), source, maxPixels);
  const channels = (await sharp(bytes, { limitInputPixels: maxPixels }).metadata().catch(() => ({ channels: 0 }))).channels ?? 0;
  // Greyscale: the first channel is the id (sharp would otherwise hand back sRGB).
  const pipeline = !palette && channels > 0 && channels <= 2 ? sharp(bytes, { limitInputPixels: maxPixels }).extractChannel(0) : sharp(bytes, { limitInputPixels: maxPixels });
  const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }).catch((error: Error) => {
    throw new Error(`${source} could not be decoded: ${error.message}`);
  });
  const pixels = info.width * info.height;
  const ids = new Uint8Array(pixels);
  if (palette) {
    // sharp expands the palette to colours; map each colour back to its palette index.
    const index = new Map<number, number>();
    palette.forEach(([r, g, b], i) => index.has((r << 16) | (g << 8) | b) || index.set((r << 16) | (g << 8) | b, i));
    for (let p = 0; p < pixels; p++) {
      const o = p * info.channels;
      const id = index.get((data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!);
      if (id === undefined) throw new Error(`${source}: pixel (${p % info.width}, ${Math.floor(p / info.width)}) has a colour that is not in the palette`);
      ids[p] = id;
    }
  } else if (info.channels <= 2 || isGrey(data, info.channels)) {
    for (let p = 0; p < pixels; p++) ids[p] = data[p * info.channels]!;
  } else {
    throw new Error(`${source}: a label map must be greyscale (pixel value = class id) or indexed colour, not ${info.channels}-channel colour`);
  }
  // Without names the ids stand for themselves (e.g. a model pack's class ids, checked there).
  const names = classes.length ? classes : parseClasses(text.classes, source) ?? [];
  if (names.length) checkRange(ids, names, source, info.width);
  return { width: info.width, height: info.height, ids, classes: names };
}

/** RGB(A) pixels whose colour channels are all equal: a greyscale map saved as colour. */
function isGrey(data: Uint8Array, channels: number): boolean {
  for (let o = 0; o < data.length; o += channels) if (data[o] !== data[o + 1] || data[o] !== data[o + 2]) return false;
  return true;
}

function parseClasses(text: string | undefined, source: string): string[] | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  } catch {
    // fall through to the error below
  }
  throw new Error(`${source}: tEXt "classes" must be a JSON array of class names`);
}

function checkRange(ids: Uint8Array, classes: readonly string[], source: string, width: number): void {
  let count = 0;
  let first = -1;
  for (let p = 0; p < ids.length; p++) {
    if (ids[p]! >= classes.length) {
      count += 1;
      if (first < 0) first = p;
    }
  }
  if (count) {
    throw new Error(`${source}: class id ${ids[first]} at pixel (${first % width}, ${Math.floor(first / width)}) is out of range: there are ${classes.length} classes (0-${classes.length - 1}); ${count} pixel${count === 1 ? '' : 's'} out of range`);
  }
}

/**
 * Scales a label map to an exact size by nearest neighbour on pixel centres, so class ids stay
 * ids: output pixel (x, y) takes the source pixel under its centre, floor((x + 0.5) * W / w).
 */
export function resizeLabelMapNearest(map: LabelMap, width: number, height: number): LabelMap {
  if (map.width === width && map.height === height) return map;
  const ids = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(map.height - 1, Math.floor(((y + 0.5) * map.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(map.width - 1, Math.floor(((x + 0.5) * map.width) / width));
      ids[y * width + x] = map.ids[sy * map.width + sx]!;
    }
  }
  return { width, height, ids, classes: map.classes };
}
