import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { addPngText, asciiJson, createImage, decodeImage, encodePng, imageToBytes, isPng, readPngPalette, readPngText } from '../../sdk/index.js';
import { pngChunk as chunk } from '../support/png-chunk.js';


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
});
