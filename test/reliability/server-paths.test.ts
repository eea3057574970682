/**
 * Files the server or a node touches stay inside the workspace at the moment of use: links
 * already in the workspace that lead out of it are refused (reading) or replaced (overwriting),
 * packs are named, not pathed, and errors never show the server's absolute paths.
 */
import { mkdir, mkdtemp, readFile, readdir, lstat, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyOf, postPrompt, raw, startLoopback, type Loopback } from './loopback.js';

let server: Loopback;
let outside: string;
let png: Buffer;

beforeAll(async () => {
  server = await startLoopback();
  outside = await mkdtemp(join(tmpdir(), 'exitgraph-outside-'));
  png = await sharp({ create: { width: 2, height: 2, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toBuffer();
});
afterAll(async () => {
  await server?.stop();
  await rm(outside, { recursive: true, force: true });
});

/** The error a prompt ended with (from its history entry). */
async function runError(prompt: Record<string, unknown>): Promise<string> {
  const answer = await postPrompt(server, prompt);
  expect(answer.status).toBe(200);
  const entry = await historyOf(server, answer.json().prompt_id);
  expect(entry.status.status_str).toBe('error');
  const error = entry.status.messages.find(([type]: [string]) => type === 'execution_error');
  return error[1].exception_message as string;
}

function multipart(fields: Record<string, string>, file: { name: string; bytes: Buffer }): { body: Buffer; type: string } {
  const boundary = 'exitgraph-test-boundary';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${file.name}"\r\nContent-Type: image/png\r\n\r\n`), file.bytes, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

describe('links already in the workspace', () => {
  it('an upload with overwrite onto a link replaces the link and leaves its target alone', async () => {
    const target = join(outside, 'victim.txt');
    await writeFile(target, 'do not touch');
    await symlink(target, join(server.workspace, 'input', 'victim.png'));
    const { body, type } = multipart({ overwrite: 'true' }, { name: 'victim.png', bytes: png });
    const answer = await raw(server, { method: 'POST', path: '/upload/image', headers: { 'content-type': type }, body });
    expect(answer.status).toBe(200);
    expect(await readFile(target, 'utf8')).toBe('do not touch');
    const stored = await lstat(join(server.workspace, 'input', 'victim.png'));
    expect(stored.isSymbolicLink()).toBe(false);
    expect(await readFile(join(server.workspace, 'input', 'victim.png'))).toEqual(png);
  });

  it('Load Image refuses a file or folder link leading out, naming the path as given', async () => {
    await writeFile(join(outside, 'secret.png'), png);
    await symlink(join(outside, 'secret.png'), join(server.workspace, 'input', 'file-link.png'));
    await symlink(outside, join(server.workspace, 'input', 'dir-link'));
    for (const image of ['file-link.png', 'dir-link/secret.png']) {
      const message = await runError({ '1': { class_type: 'exitgraph/LoadImage', inputs: { image } }, '2': { class_type: 'exitgraph/PreviewImage', inputs: { image: ['1', 0] } } });
      expect(message).toBe(`cannot read image ${image}: input path "${image}" leads outside the workspace (through a symbolic link)`);
      expect(message).not.toContain(server.workspace);
    }
  });

  it('Load Image of a missing file names it relative to the workspace', async () => {
    const message = await runError({ '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'sub/missing.png' } }, '2': { class_type: 'exitgraph/PreviewImage', inputs: { image: ['1', 0] } } });
    expect(message).toBe('cannot read image sub/missing.png: no such file');
  });

  it('Save Image refuses output/<link>/x and writes nothing outside', async () => {
    const away = join(outside, 'away');
    await mkdir(away);
    await symlink(away, join(server.workspace, 'output', 'out-link'));
    const message = await runError({
      '1': { class_type: 'exitgraph/PaintedLabelMap', inputs: { width: 2, height: 2 } },
      '2': { class_type: 'exitgraph/ColorizeLabelMap', inputs: { label_map: ['1', 0] } },
      '3': { class_type: 'exitgraph/SaveImage', inputs: { image: ['2', 0], filename_prefix: 'out-link/deeper/x' } },
    });
    expect(message).toContain('leads outside the workspace (through a symbolic link)');
    expect(message).not.toContain(server.workspace);
    expect(await readdir(away)).toEqual([]);
  });
});

describe('errors name paths relative to the workspace', () => {
  it('Save Image into a "folder" that is a file', async () => {
    await writeFile(join(server.workspace, 'output', 'plain-file'), 'x');
    const message = await runError({
      '1': { class_type: 'exitgraph/PaintedLabelMap', inputs: { width: 2, height: 2 } },
      '2': { class_type: 'exitgraph/ColorizeLabelMap', inputs: { label_map: ['1', 0] } },
      '3': { class_type: 'exitgraph/SaveImage', inputs: { image: ['2', 0], filename_prefix: 'plain-file/x' } },
    });
    expect(message).not.toContain(server.workspace);
    expect(message).toContain('plain-file');
  });
});

describe('saved workflows', () => {
  it('a link in workflows/ leading out is neither read nor written through', async () => {
    const secret = join(outside, 'secret.json');
    await writeFile(secret, '{"nodes":[],"links":["secret"]}');
    await symlink(secret, join(server.workspace, 'workflows', 'linked.json'));
    expect((await raw(server, { path: '/api/workflows/linked' })).status).toBe(403);
    const put = await raw(server, { method: 'PUT', path: '/api/workflows/linked', headers: { 'content-type': 'application/json' }, body: '{"nodes":[],"links":[]}' });
    expect(put.status).toBe(200);
    expect(await readFile(secret, 'utf8')).toBe('{"nodes":[],"links":["secret"]}');
    expect((await lstat(join(server.workspace, 'workflows', 'linked.json'))).isSymbolicLink()).toBe(false);
  });
});

describe('the pack param from a prompt', () => {
  const generate = (pack: string) => ({
    '1': { class_type: 'exitgraph/PaintedLabelMap', inputs: { width: 2, height: 2 } },
    '2': { class_type: 'exitgraph/SemanticMapGenerator', inputs: { label_map: ['1', 0], pack } },
    '3': { class_type: 'exitgraph/PreviewImage', inputs: { image: ['2', 0] } },
  });

  it('a path is refused the same way whether or not it exists', async () => {
    const messages = await Promise.all(['/etc', '/etc/passwd', '/no/such/folder', '../models/packs/landscape'].map(async (pack) => (await runError(generate(pack))).replace(pack, '<given>')));
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).toContain('is not a pack name');
  });

  it('an unknown name lists the available packs, not the folders searched', async () => {
    const message = await runError(generate('no-such-pack'));
    expect(message).toMatch(/^model pack "no-such-pack" not found \((available: [a-z0-9., _-]+|no packs are installed)\)$/);
  });
});
