import { crc32 } from './crc32.js';

/**
 * PNG chunks over plain Uint8Array (no Node built-in, so the editor client uses the same code),
 * and the text chunks ComfyUI uses to embed graphs (`prompt`, `workflow`). Text is written as
 * tEXt with Latin-1 text (JSON goes through asciiJson first) and read from tEXt and
 * uncompressed iTXt.
 */
const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngChunk {
  /** Four Latin-1 letters, e.g. `IHDR`, `tEXt`. */
  readonly type: string;
  readonly data: Uint8Array;
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= SIGNATURE.length && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** The chunks of a PNG up to and including IEND; `source` names the file in errors. */
export function readPngChunks(bytes: Uint8Array, source = 'PNG'): PngChunk[] {
  if (!isPng(bytes)) throw new Error(`${source} is not a PNG file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngChunk[] = [];
  let offset = SIGNATURE.length;
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = latin1(bytes.subarray(offset + 4, offset + 8));
    if (offset + 12 + length > bytes.length) throw new Error(`${source} is truncated (chunk ${type} runs past the end)`);
    chunks.push({ type, data: bytes.subarray(offset + 8, offset + 8 + length) });
    offset += 12 + length;
    if (type === 'IEND') break;
  }
  return chunks;
}

/** A PNG file from its chunks (signature added, lengths and CRCs computed). */
export function writePngChunks(chunks: readonly PngChunk[]): Uint8Array {
  const size = chunks.reduce((total, chunk) => total + 12 + chunk.data.length, SIGNATURE.length);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(SIGNATURE, 0);
  let offset = SIGNATURE.length;
  for (const { type, data } of chunks) {
    if (!/^[A-Za-z]{4}$/.test(type)) throw new Error(`PNG chunk type "${type}" must be four ASCII letters`);
    view.setUint32(offset, data.length);
    for (let i = 0; i < 4; i++) out[offset + 4 + i] = type.charCodeAt(i);
    out.set(data, offset + 8);
    // The CRC covers the type and the data, not the length.
    view.setUint32(offset + 8 + data.length, crc32(out.subarray(offset + 4, offset + 8 + data.length)));
    offset += 12 + data.length;
  }
  return out;
}

/** All tEXt / iTXt entries, keyword -> text. */
export function readPngText(bytes: Uint8Array, source?: string): Record<string, string> {
  const text: Record<string, string> = {};
  for (const chunk of readPngChunks(bytes, source)) {
    const entry = chunk.type === 'tEXt' ? readTextChunk(chunk.data) : chunk.type === 'iTXt' ? readInternationalTextChunk(chunk.data) : undefined;
    if (entry) text[entry[0]] = entry[1];
  }
  return text;
}

/** tEXt: keyword \0 text, both Latin-1. */
function readTextChunk(data: Uint8Array): [string, string] | undefined {
  const zero = data.indexOf(0);
  return zero > 0 ? [latin1(data.subarray(0, zero)), latin1(data.subarray(zero + 1))] : undefined;
}

/** iTXt: keyword \0 compressionFlag compressionMethod languageTag \0 translatedKeyword \0 text (UTF-8). Compressed ones are skipped. */
function readInternationalTextChunk(data: Uint8Array): [string, string] | undefined {
  const zero = data.indexOf(0);
  if (zero <= 0 || data[zero + 1] !== 0) return undefined;
  const language = data.indexOf(0, zero + 3);
  const translated = language < 0 ? -1 : data.indexOf(0, language + 1);
  if (translated < 0) return undefined;
  return [latin1(data.subarray(0, zero)), new TextDecoder().decode(data.subarray(translated + 1))];
}

/** Returns the PNG with tEXt chunks added before IEND. Text must be Latin-1 (use asciiJson). */
export function addPngText(png: Uint8Array, entries: Readonly<Record<string, string>>): Uint8Array {
  const text = Object.entries(entries).map(([keyword, value]) => textChunk(keyword, value));
  const chunks: PngChunk[] = [];
  for (const chunk of readPngChunks(png)) {
    if (chunk.type === 'IEND') chunks.push(...text);
    chunks.push(chunk);
  }
  return writePngChunks(chunks);
}

function textChunk(keyword: string, text: string): PngChunk {
  // The PNG spec: keywords are 1-79 Latin-1 characters without NUL.
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword)) throw new Error(`PNG text keyword "${keyword}" must be 1-79 printable Latin-1 characters`);
  const data = new Uint8Array(keyword.length + 1 + text.length);
  for (let i = 0; i < keyword.length; i++) data[i] = keyword.charCodeAt(i);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new Error(`PNG text "${keyword}" has a character outside Latin-1 at ${i} (write JSON with asciiJson)`);
    data[keyword.length + 1 + i] = code;
  }
  return { type: 'tEXt', data };
}

/** JSON with every non-ASCII character \u-escaped, so it fits a tEXt chunk losslessly. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The palette (PLTE) of an indexed PNG, as RGB triples, or undefined for other PNGs. */
export function readPngPalette(bytes: Uint8Array): [number, number, number][] | undefined {
  const chunks = readPngChunks(bytes);
  const header = chunks.find((c) => c.type === 'IHDR');
  const palette = chunks.find((c) => c.type === 'PLTE');
  if (!header || !palette || header.data[9] !== 3) return undefined;
  const colors: [number, number, number][] = [];
  for (let i = 0; i + 2 < palette.data.length; i += 3) colors.push([palette.data[i]!, palette.data[i + 1]!, palette.data[i + 2]!]);
  return colors;
}

function latin1(bytes: Uint8Array): string {
  let text = '';
  // In slices: String.fromCharCode takes its arguments on the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return text;
}
