import { crc32 } from 'node:zlib';

/**
 * PNG text chunks, as ComfyUI uses them to embed graphs (`prompt`, `workflow`). Written as tEXt
 * with ASCII-only text (non-ASCII JSON is \u-escaped by the caller's JSON.stringify replacer),
 * read from tEXt and uncompressed iTXt.
 */
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngChunk {
  readonly type: string;
  readonly data: Buffer;
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).equals(SIGNATURE);
}

export function readPngChunks(bytes: Uint8Array, source = 'PNG'): PngChunk[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isPng(buffer)) throw new Error(`${source} is not a PNG file`);
  const chunks: PngChunk[] = [];
  let offset = 8;
  while (offset + 8 <= buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    if (offset + 12 + length > buffer.length) throw new Error(`${source} is truncated (chunk ${type} runs past the end)`);
    chunks.push({ type, data: buffer.subarray(offset + 8, offset + 8 + length) });
    offset += 12 + length;
    if (type === 'IEND') break;
  }
  return chunks;
}

/** All tEXt / iTXt entries, keyword -> text. */
export function readPngText(bytes: Uint8Array, source?: string): Record<string, string> {
  const text: Record<string, string> = {};
  for (const chunk of readPngChunks(bytes, source)) {
    if (chunk.type === 'tEXt') {
      const zero = chunk.data.indexOf(0);
      if (zero > 0) text[chunk.data.toString('latin1', 0, zero)] = chunk.data.toString('latin1', zero + 1);
    } else if (chunk.type === 'iTXt') {
      // keyword \0 compressionFlag compressionMethod languageTag \0 translatedKeyword \0 text
      const zero = chunk.data.indexOf(0);
      if (zero <= 0 || chunk.data[zero + 1] !== 0) continue;
      const lang = chunk.data.indexOf(0, zero + 3);
      const translated = chunk.data.indexOf(0, lang + 1);
      if (lang < 0 || translated < 0) continue;
      text[chunk.data.toString('latin1', 0, zero)] = chunk.data.toString('utf8', translated + 1);
    }
  }
  return text;
}

/** Returns the PNG with tEXt chunks added before IEND. Text must be Latin-1 (use asciiJson). */
export function addPngText(png: Uint8Array, entries: Readonly<Record<string, string>>): Buffer {
  const chunks = readPngChunks(png);
  const out: Buffer[] = [SIGNATURE];
  for (const chunk of chunks) {
    if (chunk.type === 'IEND') {
      for (const [keyword, text] of Object.entries(entries)) out.push(encodeChunk('tEXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')])));
    }
    out.push(encodeChunk(chunk.type, chunk.data));
  }
  return Buffer.concat(out);
}

/** JSON with every non-ASCII character \u-escaped, so it fits a tEXt chunk losslessly. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function encodeChunk(type: string, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(data.length, 0);
  header.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([header.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([header, data, crc]);
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
