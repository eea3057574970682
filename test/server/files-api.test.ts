import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startTestServer, type Harness } from './server-harness.js';

const LIMIT = 64 * 1024;
let h: Harness;
beforeAll(async () => {
  h = await startTestServer({ maxUploadBytes: LIMIT });
  // A secret next to the workspace that no request may read.
  await writeFile(join(h.workspace, '..', `secret-${process.pid}.txt`), 'top secret').catch(() => {});
  await writeFile(join(h.workspace, 'output', 'ok.png'), await png(4, 4));
});
afterAll(async () => {
  await h?.stop();
});

function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 10, b: 10 } } }).png().toBuffer();
}

async function upload(bytes: Buffer, filename: string, fields: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const form = new FormData();
  form.set('image', new Blob([new Uint8Array(bytes)]), filename);
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  const response = await fetch(`${h.url}/upload/image`, { method: 'POST', body: form });
  return { status: response.status, json: await response.json() };
}

describe('/view', () => {
  it('serves a file of the workspace', async () => {
    const response = await fetch(`${h.url}/view?filename=ok.png&type=output`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it.each([
    ['filename=../../secret.txt&type=output'],
    [`filename=secret-${process.pid}.txt&subfolder=..%2F..&type=output`],
    [`filename=secret-${process.pid}.txt&subfolder=../..&type=input`],
    ['filename=%2Fetc%2Fpasswd&type=output'],
    ['filename=passwd&subfolder=%2Fetc&type=output'],
    ['filename=..&type=output'],
    ['filename=ok.png&type=..%2Foutput'],
    ['filename=ok.png%00.txt&type=output'],
  ])('refuses a path that leaves the workspace: %s', async (query) => {
    const response = await fetch(`${h.url}/view?${query}`);
    expect([400, 403, 404]).toContain(response.status);
    const body = await response.text();
    expect(body).not.toContain('top secret');
    expect(body).not.toContain('root:');
  });

  it('refuses a symbolic link that leads out of the workspace', async () => {
    await symlink('/etc', join(h.workspace, 'output', 'etc-link'));
    const response = await fetch(`${h.url}/view?filename=passwd&subfolder=etc-link&type=output`);
    expect(response.status).toBe(403);
  });

  it('answers 404 for a missing file', async () => {
    expect((await fetch(`${h.url}/view?filename=nothing.png`)).status).toBe(404);
  });
});

describe('/upload/image', () => {
  it('stores an image in input/ and serves it back', async () => {
    const { status, json } = await upload(await png(8, 8), 'red.png');
    expect(status).toBe(200);
    expect(json).toEqual({ name: 'red.png', subfolder: '', type: 'input' });
    const again = await upload(await png(8, 8), 'red.png');
    expect(again.json.name).toBe('red (1).png');
    const view = await fetch(`${h.url}/view?filename=red.png&type=input`);
    expect(view.status).toBe(200);
  });

  it('stores into a subfolder, and names the file after its real format', async () => {
    const { status, json } = await upload(await png(8, 8), 'picture.html', { subfolder: 'mine' });
    expect(status).toBe(200);
    expect(json).toEqual({ name: 'picture.png', subfolder: 'mine', type: 'input' });
    expect(await readdir(join(h.workspace, 'input', 'mine'))).toEqual(['picture.png']);
  });

  it('refuses an upload larger than the limit', async () => {
    const big = Buffer.alloc(LIMIT * 4, 1);
    const { status, json } = await upload(big, 'big.png');
    expect(status).toBe(413);
    expect(json.error.type).toBe('payload_too_large');
  });

  it('refuses a file just over the limit that the announced size does not give away', async () => {
    const raw = Buffer.alloc(LIMIT + 1000, 7);
    const { status } = await upload(raw, 'edge.png');
    expect(status).toBe(413);
  });

  it('refuses files that do not decode as images', async () => {
    const text = await upload(Buffer.from('hello, not an image'), 'fake.png');
    expect(text.status).toBe(400);
    expect(text.json.error.type).toBe('invalid_image');
    const truncated = (await png(64, 64)).subarray(0, 60);
    expect((await upload(truncated, 'cut.png')).status).toBe(400);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><script>alert(1)</script></svg>');
    expect((await upload(svg, 'x.svg')).status).toBe(400);
  });

  it('refuses names and folders that leave the workspace', async () => {
    // The multipart parser keeps only the last part of a client's file name.
    const stripped = await upload(await png(4, 4), '../escape.png');
    expect(stripped.json).toEqual({ name: 'escape.png', subfolder: '', type: 'input' });
    for (const [name, fields] of [
      ['ok.png', { subfolder: '../../' }],
      ['ok.png', { subfolder: '/tmp' }],
      ['ok.png', { type: '../x' }],
    ] as const) {
      const { status } = await upload(await png(4, 4), name, fields);
      expect([400, 403]).toContain(status);
    }
    await mkdir(join(h.workspace, 'input'), { recursive: true });
    await symlink('/tmp', join(h.workspace, 'input', 'tmp-link'));
    expect((await upload(await png(4, 4), 'ok.png', { subfolder: 'tmp-link' })).status).toBe(403);
    expect(await readdir(join(h.workspace, '..'))).not.toContain('escape.png');
  });
});
