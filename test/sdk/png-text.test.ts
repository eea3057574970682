import { crc32 as zlibCrc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { addPngText, asciiJson, createImage, decodeImage, encodePng, imageToBytes, isPng, readPngPalette, readPngText } from '../../sdk/index.js';
import { crc32 } from '../../sdk/kernel/image/crc32.js';
import { readPngChunks, writePngChunks } from '../../sdk/kernel/browser.js';
import { pngChunk as chunk } from '../support/png-chunk.js';
import { rng } from '../support/seeded-random.js';

describe('PNG text chunks', () => {
  it('adds tEXt chunks that read back, without touching the pixels', async () => {
    const image = createImage(2, 1, 3, new Float32Array([0, 0.5, 1, 1, 0.5, 0]));
    const plain = await encodePng(image);
    const graph = { '1': { class_type: 'x/Y', inputs: { title: 'naïve — ☕' } } };
    const withText = addPngText(plain, { prompt: asciiJson(graph), other: 'value' });
    expect(isPng(withText)).toBe(true);
    expect(readPngText(withText)).toEqual({ prompt: asciiJson(graph), other: 'value' });
    expect(JSON.parse(readPngText(withText).prompt!)).toEqual(graph);
    expect(imageToBytes(await decodeImage(withText, 'with text'))).toEqual(imageToBytes(await decodeImage(plain, 'plain')));
    // encodePng's own text argument does the same.
    expect(readPngText(await encodePng(image, { workflow: '{}' }))).toEqual({ workflow: '{}' });
  });

  it('asciiJson escapes every non-ASCII character so the text fits a Latin-1 chunk', () => {
    const text = asciiJson({ s: 'é☕\u{1F600}' });
    expect(text).toMatch(/^[\x00-\x7e]*$/);
    expect(JSON.parse(text)).toEqual({ s: 'é☕\u{1F600}' });
  });

  it('reads uncompressed iTXt (UTF-8) entries too', async () => {
    const png = await encodePng(createImage(1, 1, 1));
    const iend = png.length - 12;
    const itxt = chunk('iTXt', Buffer.concat([Buffer.from('prompt\0\0\0en\0prompt\0', 'latin1'), Buffer.from('{"t":"☕"}', 'utf8')]));
    const withItxt = Buffer.concat([png.subarray(0, iend), itxt, png.subarray(iend)]);
    expect(readPngText(withItxt)).toEqual({ prompt: '{"t":"☕"}' });
  });

  it('refuses non-PNG and truncated input with the source named', async () => {
    expect(isPng(Buffer.from('GIF89a'))).toBe(false);
    expect(() => readPngText(Buffer.from('hello world'), 'notes.txt')).toThrow('notes.txt is not a PNG file');
    const png = await encodePng(createImage(4, 4, 3));
    expect(() => readPngText(png.subarray(0, 50), 'cut.png')).toThrow(/^cut\.png is truncated/);
  });

  it('reads the palette of indexed PNGs only', async () => {
    const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 3, 0, 0, 0]);
    const indexed = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('PLTE', Buffer.from([1, 2, 3, 4, 5, 6])),
      chunk('IDAT', deflateSync(Buffer.from([0, 1]))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    expect(readPngPalette(indexed)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(readPngPalette(await encodePng(createImage(1, 1, 3)))).toBeUndefined();
  });

  it('writes the same tEXt chunk bytes (CRC included) as an encoder built on node:zlib', async () => {
    const png = await encodePng(createImage(3, 2, 3, new Float32Array(18).fill(0.25)));
    const withText = addPngText(png, { workflow: '{"a":1}' });
    const iend = png.length - 12;
    expect(Buffer.from(withText)).toEqual(Buffer.concat([png.subarray(0, iend), chunk('tEXt', Buffer.from('workflow\0{"a":1}', 'latin1')), png.subarray(iend)]));
  });

  it('refuses text a tEXt chunk cannot hold, naming the keyword', async () => {
    const png = await encodePng(createImage(1, 1, 3));
    expect(() => addPngText(png, { prompt: '☕' })).toThrow('PNG text "prompt" has a character outside Latin-1 at 0 (write JSON with asciiJson)');
    expect(() => addPngText(png, { '': 'x' })).toThrow('PNG text keyword "" must be 1-79 printable Latin-1 characters');
  });

  it('reads chunks and writes them back byte for byte', async () => {
    const png = await encodePng(createImage(5, 4, 3, new Float32Array(60).fill(0.5)), { prompt: '{}' });
    const chunks = readPngChunks(new Uint8Array(png));
    expect(chunks.map((c) => c.type).slice(-2)).toEqual(['tEXt', 'IEND']);
    expect(chunks[0]!.type).toBe('IHDR');
    expect(Buffer.from(writePngChunks(chunks))).toEqual(png);
    expect(() => writePngChunks([{ type: 'tEX', data: new Uint8Array(0) }])).toThrow('PNG chunk type "tEX" must be four ASCII letters');
  });
});

describe('CRC-32 over Uint8Array', () => {
  it('matches node:zlib on the standard check value, on empty input and on random lengths', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const random = rng(11);
    for (const length of [1, 3, 255, 256, 4097]) {
      const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256));
      expect(crc32(bytes)).toBe(zlibCrc32(bytes) >>> 0);
      // Continued over two parts, as zlib's running CRC.
      expect(crc32(bytes.subarray(length >> 1), crc32(bytes.subarray(0, length >> 1)))).toBe(zlibCrc32(bytes) >>> 0);
    }
  });
});
