/**
 * Small PNG files written byte by byte, so that tests control every pixel, palette entry and text
 * chunk (no encoder decisions in between).
 */
import { deflateSync } from 'node:zlib';
import { pngChunk as chunk } from './png-chunk.js';

export interface PngSpec {
  readonly width: number;
  readonly height: number;
  /** 0 grey, 2 RGB, 3 indexed (palette). 8 bits per sample. */
  readonly colorType: 0 | 2 | 3;
  /** Samples row-major: one per pixel (grey, index) or three (RGB). */
  readonly samples: readonly number[];
  readonly palette?: readonly (readonly [number, number, number])[];
  readonly text?: Readonly<Record<string, string>>;
}

/** An 8-bit PNG exactly as specified (no encoder decisions in between). */
export function makePng(spec: PngSpec): Buffer {
  const perPixel = spec.colorType === 2 ? 3 : 1;
  if (spec.samples.length !== spec.width * spec.height * perPixel) throw new Error('makePng: wrong number of samples');
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(spec.width, 0);
  ihdr.writeUInt32BE(spec.height, 4);
  ihdr[8] = 8;
  ihdr[9] = spec.colorType;
  const rows: number[] = [];
  for (let y = 0; y < spec.height; y++) {
    rows.push(0); // filter: none
    rows.push(...spec.samples.slice(y * spec.width * perPixel, (y + 1) * spec.width * perPixel));
  }
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (spec.palette) parts.push(chunk('PLTE', Buffer.from(spec.palette.flat())));
  for (const [keyword, value] of Object.entries(spec.text ?? {})) parts.push(chunk('tEXt', Buffer.from(`${keyword}\0${value}`, 'latin1')));
  parts.push(chunk('IDAT', deflateSync(Buffer.from(rows))), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}
