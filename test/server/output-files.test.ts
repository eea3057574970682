/**
 * Output files are never overwritten: Save Image nodes running at once in one prompt, many
 * prompts, many writers in one folder and a server restarted on the same workspace each get
 * their own file, holding their own pixels.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../editor/server/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { writeNumbered } from '../../nodes/image/output-files.js';
import { createHost, localWorkspace } from '../../sdk/index.js';
import { getJson, postJson, WsRecorder } from './server-harness.js';
import { testPack } from './test-pack.js';

type Rgb = [number, number, number];

function solid(rgb: Rgb): Record<string, unknown> {
  return { class_type: 'test/Solid', inputs: { r: rgb[0], g: rgb[1], b: rgb[2], width: 8, height: 8 } };
}

function save(from: string, prefix: string): Record<string, unknown> {
  return { class_type: 'exitgraph/SaveImage', inputs: { image: [from, 0], filename_prefix: prefix } };
}

async function startOn(workspace: string): Promise<RunningServer> {
  return startServer({ host: await createHost({ builtins: [...builtinPacks, testPack] }), port: 0, workspace, log: () => {} });
}

/** Queues the prompt and waits for its end; returns the history entry's outputs. */
async function run(server: RunningServer, ws: WsRecorder, prompt: Record<string, unknown>): Promise<Record<string, { images: { filename: string; subfolder: string }[] }>> {
  const queued = await postJson(`${server.url}/prompt`, { prompt, client_id: 'files' });
  expect(queued.status).toBe(200);
  return outputsOf(server, ws, queued.json.prompt_id);
}

async function outputsOf(server: RunningServer, ws: WsRecorder, id: string): Promise<Record<string, { images: { filename: string; subfolder: string }[] }>> {
  await ws.next((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === id, 60_000);
  const { json } = await getJson(`${server.url}/history/${id}`);
  expect(json[id].status.status_str).toBe('success');
  return json[id].outputs;
}

async function pixelsOf(file: string): Promise<number[]> {
  const { data } = await sharp(await readFile(file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return [...data];
}

describe('output files', () => {
  let workspace: string;
  let server: RunningServer;
  let ws: WsRecorder;
  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'exitgraph-outputs-'));
    server = await startOn(workspace);
    ws = await WsRecorder.connect(server.url, 'files');
  });
  afterAll(async () => {
    ws?.close();
    await server?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  it('gives three Save Image nodes with one prefix in one prompt three files, each with its own pixels', async () => {
    const colours: Rgb[] = [[250, 0, 0], [0, 250, 0], [0, 0, 250]];
    const prompt = Object.fromEntries(colours.flatMap((rgb, i) => [[`c${i}`, solid(rgb)], [`s${i}`, save(`c${i}`, 'three')]]));
    const outputs = await run(server, ws, prompt);
    const names = colours.map((_, i) => outputs[`s${i}`]!.images[0]!.filename);
    expect(new Set(names).size).toBe(3);
    // Each against the same image saved by a prompt of its own.
    for (const [i, rgb] of colours.entries()) {
      const alone = await run(server, ws, { c: solid(rgb), s: save('c', 'alone') });
      const together = await pixelsOf(join(workspace, 'output', names[i]!));
      expect(together).toEqual(await pixelsOf(join(workspace, 'output', alone.s!.images[0]!.filename)));
      expect(together.slice(0, 3)).toEqual(rgb);
    }
  });

  it('gives three Preview Image nodes in one prompt three files, each with its own pixels', async () => {
    const colours: Rgb[] = [[200, 10, 10], [10, 200, 10], [10, 10, 200]];
    const prompt = Object.fromEntries(colours.flatMap((rgb, i) => [[`c${i}`, solid(rgb)], [`p${i}`, { class_type: 'exitgraph/PreviewImage', inputs: { image: [`c${i}`, 0] } }]]));
    const outputs = await run(server, ws, prompt);
    const files = colours.map((_, i) => outputs[`p${i}`]!.images[0]!);
    expect(new Set(files.map((f) => f.filename)).size).toBe(3);
    for (const [i, file] of files.entries()) expect((await pixelsOf(join(workspace, 'output', file.subfolder, file.filename))).slice(0, 3)).toEqual(colours[i]);
  });

  it('gives 50 prompts queued at once 50 files, each with its prompt\'s pixels, and leaves no partial files', async () => {
    const colours: Rgb[] = Array.from({ length: 50 }, (_, i) => [i * 5, 255 - i * 5, (i * 37) % 256]);
    const queued = await Promise.all(colours.map((rgb) => postJson(`${server.url}/prompt`, { prompt: { c: solid(rgb), s: save('c', 'many/run') }, client_id: 'files' })));
    const outputs = await Promise.all(queued.map((q) => outputsOf(server, ws, q.json.prompt_id)));
    const files = outputs.map((o) => o.s!.images[0]!);
    expect(new Set(files.map((f) => f.filename)).size).toBe(50);
    expect(files.every((f) => f.subfolder === 'many')).toBe(true);
    for (const [i, file] of files.entries()) expect((await pixelsOf(join(workspace, 'output', 'many', file.filename))).slice(0, 3)).toEqual(colours[i]);
    const left = await readdir(join(workspace, 'output', 'many'));
    expect(left.sort()).toEqual(files.map((f) => f.filename).sort());
  });

  it('keeps counting after a restart on the same workspace instead of overwriting', async () => {
    const first = await run(server, ws, { c: solid([1, 2, 3]), s: save('c', 'restart') });
    await server.close();
    ws.close();
    server = await startOn(workspace);
    ws = await WsRecorder.connect(server.url, 'files');
    const second = await run(server, ws, { c: solid([4, 5, 6]), s: save('c', 'restart') });
    expect([first.s!.images[0]!.filename, second.s!.images[0]!.filename]).toEqual(['restart_00001_.png', 'restart_00002_.png']);
    expect((await pixelsOf(join(workspace, 'output', 'restart_00001_.png'))).slice(0, 3)).toEqual([1, 2, 3]);
  });

  it('numbers 100 concurrent writers in one folder uniquely, each file holding its own bytes', async () => {
    const folder = join(workspace, 'direct');
    await mkdir(folder);
    const payloads = Array.from({ length: 100 }, (_, i) => Buffer.from(`payload ${i}`));
    const direct = localWorkspace(folder, folder, { confined: workspace });
    const names = await Promise.all(payloads.map((bytes) => writeNumbered(direct, folder, 'w', bytes)));
    expect(new Set(names).size).toBe(100);
    for (const [i, name] of names.entries()) expect(String(await readFile(join(folder, name)))).toBe(`payload ${i}`);
    expect((await readdir(folder)).length).toBe(100);
  });
});
