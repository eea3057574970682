/**
 * Pixel caps on every decode path: a few hundred bytes of PNG can announce 16000x16000 pixels.
 * Each path refuses it from the header, with a message naming what was refused, before any
 * pixel is decoded.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngChunk } from '../support/png-chunk.js';
import { historyOf, postPrompt, raw, startLoopback, type Loopback } from './loopback.js';

/** A greyscale PNG whose header says `width` x `height`, with one row of data (a bomb's shape). */
function announcing(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const row = deflateSync(Buffer.alloc(width + 1));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', row), pngChunk('IEND', Buffer.alloc(0))]);
}

let server: Loopback;
const bomb = announcing(16_000, 16_000);
beforeAll(async () => {
  server = await startLoopback();
  await writeFile(join(server.workspace, 'input', 'bomb.png'), bomb);
});
afterAll(async () => server?.stop());

async function failure(prompt: Record<string, unknown>): Promise<{ node_id: string; exception_message: string }> {
  const answer = await postPrompt(server, prompt);
  expect(answer.status).toBe(200);
  const entry = await historyOf(server, answer.json().prompt_id);
  return entry.status.messages.find(([type]: [string]) => type === 'execution_error')[1];
}

describe('a PNG announcing 16000x16000 pixels', () => {
  it('is refused as a painted label map data URL (cap: the painter\'s 2048x2048)', async () => {
    const error = await failure({
      '1': { class_type: 'exitgraph/PaintedLabelMap', inputs: { width: 2048, height: 2048, map: `data:image/png;base64,${bomb.toString('base64')}` } },
      '2': { class_type: 'exitgraph/ColorizeLabelMap', inputs: { label_map: ['1', 0] } },
      '3': { class_type: 'exitgraph/PreviewImage', inputs: { image: ['2', 0] } },
    });
    expect(error).toMatchObject({ node_id: '1', exception_message: 'the painted label map is 16000x16000 (256.0 Mpx); at most 4.2 Mpx can be decoded' });
  });

  it('is refused by Load Label Map and Load Image reading the file (cap: 64 Mpx)', async () => {
    const labels = await failure({
      '1': { class_type: 'exitgraph/LoadLabelMap', inputs: { path: 'bomb.png' } },
      '2': { class_type: 'exitgraph/ColorizeLabelMap', inputs: { label_map: ['1', 0] } },
      '3': { class_type: 'exitgraph/PreviewImage', inputs: { image: ['2', 0] } },
    });
    expect(labels.exception_message).toBe('bomb.png is 16000x16000 (256.0 Mpx); at most 67.1 Mpx can be decoded');
    const image = await failure({ '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'bomb.png' } }, '2': { class_type: 'exitgraph/PreviewImage', inputs: { image: ['1', 0] } } });
    expect(image.exception_message).toBe('bomb.png is 16000x16000 (256.0 Mpx); at most 67.1 Mpx can be decoded');
  });

  it('is refused as an upload', async () => {
    const boundary = 'cap';
    const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="bomb.png"\r\nContent-Type: image/png\r\n\r\n`), bomb, Buffer.from(`\r\n--${boundary}--\r\n`)]);
    const answer = await raw(server, { method: 'POST', path: '/upload/image', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
    expect(answer.status).toBe(400);
    expect(answer.json().error.message).toMatch(/pixel limit/);
  });
});
