/**
 * Random bytes where images and multipart bodies belong, against a server on loopback: uploads,
 * label-map data URLs and multipart framing. Always a 200 or a 4xx with a message, never a 500
 * or a hang; the server answers afterwards.
 */
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyOf, postPrompt, raw, startLoopback, type Loopback } from './loopback.js';

let server: Loopback;
let png: Buffer;
beforeAll(async () => {
  server = await startLoopback({ maxUploadBytes: 256 * 1024 });
  png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 1, g: 1, b: 1 } } }).toColourspace('b-w').png().toBuffer();
});
afterAll(async () => server?.stop());

/** A real PNG with random bytes overwritten, cut or appended: what a broken file looks like. */
const mangledPng = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)),
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }).map((edits) => {
    const bytes = Buffer.from(png);
    for (const [at, byte] of edits) bytes[at % bytes.length] = byte;
    return bytes;
  }),
  fc.nat().map((cut) => png.subarray(0, cut % png.length)),
);

function upload(bytes: Buffer, boundary = 'fuzz-boundary'): { body: Buffer; type: string } {
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="fuzz.png"\r\nContent-Type: image/png\r\n\r\n`);
  return { body: Buffer.concat([head, bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]), type: `multipart/form-data; boundary=${boundary}` };
}

describe('random bytes', () => {
  it('as an uploaded image: 200 or 400 with a message', async () => {
    await fc.assert(
      fc.asyncProperty(mangledPng, async (bytes) => {
        const { body, type } = upload(bytes);
        const answer = await raw(server, { method: 'POST', path: '/upload/image', headers: { 'content-type': type }, body });
        expect([200, 400], answer.text.slice(0, 300)).toContain(answer.status);
        if (answer.status === 400) expect(answer.json().error.message).toBeTruthy();
      }),
      { numRuns: 120 },
    );
  });

  it('as a painted label map: the prompt ends with an error naming the painting, or succeeds', async () => {
    await fc.assert(
      fc.asyncProperty(mangledPng, async (bytes) => {
        const prompt = {
          '1': { class_type: 'exitgraph/PaintedLabelMap', inputs: { width: 8, height: 8, map: `data:image/png;base64,${bytes.toString('base64')}` } },
          '2': { class_type: 'exitgraph/ColorizeLabelMap', inputs: { label_map: ['1', 0] } },
          '3': { class_type: 'exitgraph/PreviewImage', inputs: { image: ['2', 0] } },
        };
        const answer = await postPrompt(server, prompt);
        if (answer.status === 400) return; // an empty payload does not match the data URL pattern
        expect(answer.status).toBe(200);
        const entry = await historyOf(server, answer.json().prompt_id, 20_000);
        if (entry.status.status_str === 'error') {
          const [, data] = entry.status.messages.find(([type]: [string]) => type === 'execution_error');
          expect(data.node_id).toBe('1');
          expect(data.exception_message).toMatch(/painted label map|data URL/);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('as multipart framing: 200, 400 or 413, never 500', async () => {
    const piece = fc.oneof(
      fc.constantFrom('--b', '--b--', '\r\n', 'Content-Disposition: form-data; name="image"; filename="a.png"', 'Content-Disposition: form-data; name="overwrite"', 'Content-Type: image/png', 'true', '\x89PNG'),
      fc.string({ maxLength: 20 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 30 }), fc.constantFrom('multipart/form-data; boundary=b', 'multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary="b"', 'multipart/mixed; boundary=b'), async (pieces, type) => {
        const answer = await raw(server, { method: 'POST', path: '/upload/image', headers: { 'content-type': type }, body: pieces.join('') });
        expect([200, 400, 413], answer.text.slice(0, 300)).toContain(answer.status);
      }),
      { numRuns: 150 },
    );
    expect((await raw(server, { path: '/system_stats' })).status).toBe(200);
    expect(server.log.filter((line) => line.startsWith('internal error'))).toEqual([]);
  });
});
