/**
 * The server as ComfyUI clients find it: raw HTTP clients with the headers they really send,
 * ComfyUI's own Python example flow (Debian's python3, urllib, websocket-client), and a `ws`
 * websocket client replaying the message sequence ComfyUI clients rely on. Everything runs
 * against a real server on loopback with the built-in nodes and the shipped landscape pack.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../editor/server/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { ONNX_SESSIONS } from '../../sdk/early-exit/index.js';
import { createHost, packageRoot } from '../../sdk/index.js';
import { generatorsPrompt } from './generator-prompts.js';
import { getJson, postJson, WsRecorder, type WsMessage } from './server-harness.js';
import { testPack } from './test-pack.js';

const PYTHON = '/usr/bin/python3';
const CLIENT = join(packageRoot(), 'test', 'server', 'python', 'comfy_client.py');

let server: RunningServer;
let workspace: string;
let hostPort: string;
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'exitgraph-compat-'));
  server = await startServer({ host: await createHost({ builtins: [...builtinPacks, testPack] }), port: 0, workspace, log: () => {} });
  hostPort = new URL(server.url).host;
});
afterAll(async () => {
  await server?.close();
  await rm(workspace, { recursive: true, force: true });
});

/** A POST as a hand-written client sends it: exactly these headers, the body as given. */
function rawPost(path: string, contentType: string | undefined, body: string): Promise<{ status: number; json: any }> {
  return new Promise((done, fail) => {
    const headers: Record<string, string | number> = { 'Content-Length': Buffer.byteLength(body) };
    if (contentType) headers['Content-Type'] = contentType;
    const req = request(`${server.url}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

function python(mode: string, prompt: unknown): Promise<{ prompt_id: string; images: Record<string, { filename: string; bytes: number; png: boolean }[]> }> {
  return new Promise((done, fail) => {
    const child = execFile(PYTHON, [CLIENT, hostPort, mode], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) fail(new Error(`${CLIENT} ${mode} failed: ${stderr || error.message}`));
      else done(JSON.parse(stdout));
    });
    child.stdin!.end(JSON.stringify(prompt));
  });
}

const hasPython = existsSync(PYTHON);
const hasWebsocketClient = hasPython && (await new Promise<boolean>((done) => execFile(PYTHON, ['-c', 'import websocket'], (error) => done(!error))));

function solidSave(rgb: [number, number, number], prefix: string): Record<string, unknown> {
  return {
    '1': { class_type: 'test/Solid', inputs: { r: rgb[0], g: rgb[1], b: rgb[2], width: 8, height: 8 } },
    '2': { class_type: 'exitgraph/SaveImage', inputs: { image: ['1', 0], filename_prefix: prefix } },
  };
}

/** Label map -> estimator -> selector -> generator -> Save Image: ui on every early-exit node. */
const earlyExitPrompt = {
  m: { class_type: 'exitgraph/PaintedLabelMap', inputs: {} },
  d: { class_type: 'exitgraph/DifficultyEstimator', inputs: { label_map: ['m', 0], pack: 'landscape' } },
  x: { class_type: 'exitgraph/ExitSelector', inputs: { difficulty: ['d', 0], router: 'threshold', tau: 0.1 } },
  g: { class_type: 'exitgraph/SemanticMapGenerator', inputs: { label_map: ['m', 0], plan: ['x', 0], pack: 'landscape' } },
  s: { class_type: 'exitgraph/SaveImage', inputs: { image: ['g', 0], filename_prefix: 'compat/early-exit' } },
};

function ofPrompt(ws: WsRecorder, id: string): WsMessage[] {
  return ws.messages.filter((m) => m.data.prompt_id === id);
}

function ended(ws: WsRecorder, id: string, timeoutMs = 60_000): Promise<WsMessage> {
  return ws.next((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === id, timeoutMs);
}

describe('request bodies, whatever the Content-Type', () => {
  for (const contentType of ['text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'application/json', undefined]) {
    it(`queues and runs a prompt posted as ${contentType ?? 'no Content-Type'}`, async () => {
      const ws = await WsRecorder.connect(server.url, 'bodies');
      try {
        const { status, json } = await rawPost('/prompt', contentType, JSON.stringify({ prompt: solidSave([9, 8, 7], 'bodies'), client_id: 'bodies' }));
        expect(status).toBe(200);
        await ended(ws, json.prompt_id);
        const history = (await getJson(`${server.url}/history/${json.prompt_id}`)).json;
        expect(history[json.prompt_id].status.status_str).toBe('success');
        expect(history[json.prompt_id].outputs['2'].images).toHaveLength(1);
      } finally {
        ws.close();
      }
    });
  }

  it('reads POST /queue, /history and /interrupt bodies sent as text/plain and as form-urlencoded', async () => {
    const ws = await WsRecorder.connect(server.url, 'bodies');
    try {
      const slow = { '1': { class_type: 'test/Solid', inputs: {} }, '2': { class_type: 'test/Slow', inputs: { image: ['1', 0], ms: 20_000 } }, '3': { class_type: 'exitgraph/SaveImage', inputs: { image: ['2', 0] } } };
      const running = await rawPost('/prompt', 'text/plain;charset=UTF-8', JSON.stringify({ prompt: slow, client_id: 'bodies' }));
      const waiting = await rawPost('/prompt', 'text/plain;charset=UTF-8', JSON.stringify({ prompt: solidSave([1, 1, 1], 'never'), client_id: 'bodies' }));
      expect((await rawPost('/queue', 'text/plain;charset=UTF-8', JSON.stringify({ delete: [waiting.json.prompt_id] }))).json).toEqual({ cleared: 0, deleted: 1 });
      const interrupted = await rawPost('/interrupt', 'application/x-www-form-urlencoded', JSON.stringify({ prompt_id: running.json.prompt_id }));
      expect(interrupted).toEqual({ status: 200, json: { interrupted: true } });
      await ended(ws, running.json.prompt_id);
      expect((await getJson(`${server.url}/history/${running.json.prompt_id}`)).json[running.json.prompt_id].status.status_str).toBe('error');
      const cleared = await rawPost('/history', 'application/x-www-form-urlencoded', JSON.stringify({ delete: [running.json.prompt_id] }));
      expect(cleared.status).toBe(200);
      expect((await getJson(`${server.url}/history/${running.json.prompt_id}`)).json).toEqual({});
    } finally {
      ws.close();
    }
  });

  it('answers a body that is not JSON with 400 saying so', async () => {
    const { status, json } = await rawPost('/prompt', 'application/x-www-form-urlencoded', 'prompt=1&client_id=2');
    expect(status).toBe(400);
    expect(json.error.message).toMatch(/not JSON/);
  });
});

describe('the websocket message sequence ComfyUI clients rely on', () => {
  it('status on connect; then execution_start, one execution_cached with the list, executing per node, progress, executed only for output nodes, execution_success, executing null last', async () => {
    const ws = await WsRecorder.connect(server.url, 'client.sequence');
    try {
      const status = await ws.next((m) => m.type === 'status');
      expect(ws.messages[0]).toBe(status);
      // A '.' in the clientId is kept, as ComfyUI keeps any id.
      expect(status.data.sid).toBe('client.sequence');
      expect(status.data.status).toEqual({ exec_info: { queue_remaining: 0 } });

      // First run: everything runs. Second run adds a slow branch; the label map and the estimator
      // are cached (the selector is not cacheable: routers keep state, so the generator runs too).
      const first = await postJson(`${server.url}/prompt`, { prompt: earlyExitPrompt, client_id: 'client.sequence' });
      await ended(ws, first.json.prompt_id);
      const prompt = {
        ...earlyExitPrompt,
        c: { class_type: 'test/Solid', inputs: { r: 200 } },
        w: { class_type: 'test/Slow', inputs: { image: ['c', 0], ms: 60, steps: 3 } },
        t: { class_type: 'exitgraph/SaveImage', inputs: { image: ['w', 0], filename_prefix: 'compat/slow' } },
      };
      const second = await postJson(`${server.url}/prompt`, { prompt, client_id: 'client.sequence' });
      await ended(ws, second.json.prompt_id);

      const messages = ofPrompt(ws, second.json.prompt_id);
      const types = messages.map((m) => m.type).filter((t) => !t.startsWith('exitgraph.'));
      expect(types[0]).toBe('execution_start');
      expect(types[1]).toBe('execution_cached');
      expect(types.filter((t) => t === 'execution_cached')).toHaveLength(1);
      expect([...(messages.find((m) => m.type === 'execution_cached')!.data.nodes as string[])].sort()).toEqual(['d', 'm']);
      expect(types.slice(-2)).toEqual(['execution_success', 'executing']);
      expect(messages.at(-1)!.data).toEqual({ node: null, display_node: null, prompt_id: second.json.prompt_id });

      const executing = messages.filter((m) => m.type === 'executing' && m.data.node !== null).map((m) => m.data.node);
      expect([...executing].sort()).toEqual(['c', 'g', 's', 't', 'w', 'x']);
      const at = (test: (m: WsMessage) => boolean): number => messages.findIndex(test);
      const progress = messages.filter((m) => m.type === 'progress' && m.data.node === 'w');
      expect(progress.map((m) => [m.data.value, m.data.max])).toEqual([[1, 3], [2, 3], [3, 3]]);
      expect(at((m) => m === progress[0])).toBeGreaterThan(at((m) => m.type === 'executing' && m.data.node === 'w'));

      const executed = messages.filter((m) => m.type === 'executed');
      expect(executed.map((m) => m.data.node).sort()).toEqual(['s', 't']);
      for (const message of executed) {
        expect(Object.keys(message.data)).toEqual(['node', 'display_node', 'output', 'prompt_id']);
        expect(message.data.output).toEqual({ images: [{ filename: expect.stringMatching(/_\d{5}_\.png$/), subfolder: 'compat', type: 'output' }] });
        expect(at((m) => m === message)).toBeGreaterThan(at((m) => m.type === 'executing' && m.data.node === message.data.node));
      }
      // History outputs: the output nodes' images only.
      const history = (await getJson(`${server.url}/history/${second.json.prompt_id}`)).json[second.json.prompt_id];
      expect(Object.keys(history.outputs).sort()).toEqual(['s', 't']);
      expect(history.status).toMatchObject({ status_str: 'success', completed: true });
      expect(history.status.messages.map(([type]: [string]) => type)).toEqual(['execution_start', 'execution_cached', 'execution_success']);
    } finally {
      ws.close();
    }
  });

  it('keeps exitgraph\'s per-node data (estimator numbers, exit plan, MACs) in its own messages, which the first run and the cached run both carry', async () => {
    await postJson(`${server.url}/free`, { free_memory: true });
    const ws = await WsRecorder.connect(server.url, 'own-data');
    try {
      const first = await postJson(`${server.url}/prompt`, { prompt: earlyExitPrompt, client_id: 'own-data' });
      await ended(ws, first.json.prompt_id);
      const firstRun = ofPrompt(ws, first.json.prompt_id);
      // A client resolving on the first `executed` gets the Save Image node's images.
      const executed = firstRun.filter((m) => m.type === 'executed');
      expect(executed.map((m) => m.data.node)).toEqual(['s']);
      const done = Object.fromEntries(firstRun.filter((m) => m.type === 'exitgraph.node_done').map((m) => [m.data.node, m.data.ui]));
      expect(done.d).toMatchObject({ predicted: expect.any(Array) });
      expect(done.g).toMatchObject({ exit: expect.any(Number), macs: expect.any(Number) });

      const again = await postJson(`${server.url}/prompt`, { prompt: earlyExitPrompt, client_id: 'own-data' });
      await ended(ws, again.json.prompt_id);
      const cached = Object.fromEntries(ofPrompt(ws, again.json.prompt_id).filter((m) => m.type === 'exitgraph.node_cached').map((m) => [m.data.node, m.data.ui]));
      expect(cached.d).toEqual(done.d);
    } finally {
      ws.close();
    }
  });
});

describe.skipIf(!hasPython)("ComfyUI's Python example flow (Debian's python3)", () => {
  it.skipIf(!hasWebsocketClient)('websocket_api_example: urllib queue, websocket until executing null, /history, /view', async () => {
    const result = await python('websocket', earlyExitPrompt);
    expect(Object.keys(result.images)).toEqual(['s']);
    expect(result.images.s![0]).toMatchObject({ filename: expect.stringMatching(/^early-exit_\d{5}_\.png$/), png: true });
  });

  it.skipIf(!hasWebsocketClient)('a client that resolves on the first executed gets the output node\'s images', async () => {
    await postJson(`${server.url}/free`, { free_memory: true });
    const result = await python('first-executed', earlyExitPrompt);
    expect(Object.keys(result.images)).toEqual(['s']);
    expect(result.images.s![0]!.png).toBe(true);
  });

  it('basic_api_example: urllib only, polling /history', async () => {
    const result = await python('poll', solidSave([3, 4, 5], 'python-poll'));
    expect(result.images['2']![0]).toMatchObject({ filename: expect.stringMatching(/^python-poll_\d{5}_\.png$/), png: true });
  });
});

describe('interrupt and delete', () => {
  it('stops a 32-generator prompt within a model run of the interrupt: execution_interrupted, history status error', async () => {
    const ws = await WsRecorder.connect(server.url, 'interrupt');
    try {
      const { json } = await postJson(`${server.url}/prompt`, { prompt: await generatorsPrompt(32, 7), client_id: 'interrupt' });
      await ws.next((m) => m.type === 'executing' && String(m.data.node).startsWith('g') && m.data.prompt_id === json.prompt_id, 60_000);
      expect((await postJson(`${server.url}/interrupt`, {})).json).toEqual({ interrupted: true });
      await ended(ws, json.prompt_id);
      const messages = ofPrompt(ws, json.prompt_id);
      expect(messages.some((m) => m.type === 'execution_success')).toBe(false);
      const stopped = messages.find((m) => m.type === 'execution_interrupted')!;
      expect(stopped.data).toMatchObject({ prompt_id: json.prompt_id, executed: expect.any(Array) });
      // Runs take turns and each checks the signal first: most generators never ran.
      const generated = messages.filter((m) => m.type === 'exitgraph.node_done' && String(m.data.node).startsWith('g'));
      expect(generated.length).toBeLessThan(16);
      const history = (await getJson(`${server.url}/history/${json.prompt_id}`)).json[json.prompt_id];
      expect(history.status).toMatchObject({ status_str: 'error', completed: false });
      expect(history.status.messages.at(-1)[0]).toBe('execution_interrupted');
    } finally {
      ws.close();
    }
  });

  it('interrupts by prompt_id only the prompt named, and deletes exactly the queued prompt named', async () => {
    const ws = await WsRecorder.connect(server.url, 'delete');
    try {
      const slow = { '1': { class_type: 'test/Solid', inputs: {} }, '2': { class_type: 'test/Slow', inputs: { image: ['1', 0], ms: 400, steps: 4 } }, '3': { class_type: 'exitgraph/SaveImage', inputs: { image: ['2', 0], filename_prefix: 'compat/slow' } } };
      const running = await postJson(`${server.url}/prompt`, { prompt: slow, client_id: 'delete' });
      const queued = await Promise.all([1, 2, 3].map((n) => postJson(`${server.url}/prompt`, { prompt: solidSave([n, n, n], `compat/q${n}`), client_id: 'delete' })));
      const [a, b, c] = queued.map((q) => q.json.prompt_id as string);
      // Naming a queued prompt does not stop the running one.
      expect((await postJson(`${server.url}/interrupt`, { prompt_id: b })).json).toEqual({ interrupted: false });
      expect((await postJson(`${server.url}/queue`, { delete: [b] })).json).toEqual({ cleared: 0, deleted: 1 });
      expect((await getJson(`${server.url}/queue`)).json.queue_pending.map((row: unknown[]) => row[1])).toEqual([a, c]);
      await ended(ws, c!);
      for (const id of [running.json.prompt_id, a, c]) expect((await getJson(`${server.url}/history/${id}`)).json[id].status.status_str).toBe('success');
      const deleted = (await getJson(`${server.url}/history/${b}`)).json[b!];
      expect(deleted.status).toMatchObject({ status_str: 'error', completed: false });
      expect(deleted.status.messages[0][0]).toBe('execution_interrupted');
      expect(ofPrompt(ws, b!)).toEqual([]);
    } finally {
      ws.close();
    }
  });
});

describe('the rest of ComfyUI\'s endpoints', () => {
  it('looks a node up with an unencoded "/" in /object_info/<type>, and encoded', async () => {
    for (const path of ['/object_info/exitgraph/SemanticMapGenerator', '/object_info/exitgraph%2FSemanticMapGenerator', '/api/object_info/exitgraph/SemanticMapGenerator']) {
      const { status, json } = await getJson(`${server.url}${path}`);
      expect(status).toBe(200);
      expect(Object.keys(json)).toEqual(['exitgraph/SemanticMapGenerator']);
      expect(json['exitgraph/SemanticMapGenerator'].output).toEqual(['IMAGE']);
    }
    expect((await getJson(`${server.url}/object_info/exitgraph/NoSuchNode`)).json).toEqual({});
  });

  it('reports system.os as Python\'s os.name', async () => {
    const { json } = await getJson(`${server.url}/system_stats`);
    expect(json.system.os).toBe(process.platform === 'win32' ? 'nt' : 'posix');
  });

  it('answers /features, /models, /experiment/models, /view_metadata, /settings, /userdata, /users, /internal/logs', async () => {
    expect((await getJson(`${server.url}/features`)).json).toMatchObject({ supports_preview_metadata: true, max_upload_size: expect.any(Number) });
    expect((await getJson(`${server.url}/models`)).json).toEqual(['packs']);
    expect((await getJson(`${server.url}/models/packs`)).json).toContain('landscape');
    expect((await getJson(`${server.url}/models/checkpoints`)).status).toBe(404);
    const experiment = (await getJson(`${server.url}/experiment/models`)).json;
    expect(experiment).toEqual([{ name: 'packs', folders: expect.any(Array) }]);
    expect((await getJson(`${server.url}/experiment/models/packs`)).json).toContainEqual({ name: 'landscape', pathIndex: expect.any(Number) });
    expect((await getJson(`${server.url}/view_metadata/packs?filename=landscape`)).json).toMatchObject({ name: 'landscape', format: 'exitgraph.pack/1' });
    const missing = await getJson(`${server.url}/view_metadata/packs?filename=nope`);
    expect(missing.status).toBe(404);
    expect(missing.json.error.message).toMatch(/nope/);

    expect((await getJson(`${server.url}/settings`)).json).toEqual({});
    // ComfyUI's frontend posts one setting's value bare (JSON.stringify(value)).
    expect((await postJson(`${server.url}/settings/Comfy.Theme`, 'dark')).status).toBe(200);
    await postJson(`${server.url}/settings`, { 'Comfy.Locale': 'en', 'Comfy.Sidebar.Size': 12 });
    expect((await getJson(`${server.url}/settings`)).json).toEqual({ 'Comfy.Theme': 'dark', 'Comfy.Locale': 'en', 'Comfy.Sidebar.Size': 12 });
    expect((await getJson(`${server.url}/settings/Comfy.Theme`)).json).toBe('dark');
    expect((await postJson(`${server.url}/prompt`, 'not an object')).json.error.type).toBe('invalid_body');

    expect((await getJson(`${server.url}/userdata?dir=workflows`)).json).toEqual([]);
    expect((await getJson(`${server.url}/users`)).json).toEqual({ storage: 'server', migrated: true });
    expect(typeof (await getJson(`${server.url}/internal/logs`)).json).toBe('string');
    expect((await getJson(`${server.url}/internal/logs/raw`)).json).toMatchObject({ entries: expect.any(Array), size: { cols: expect.any(Number), rows: expect.any(Number) } });
  });

  it('POST /upload/mask puts the mask\'s alpha on the original image, as ComfyUI\'s mask editor expects', async () => {
    const original = await sharp({ create: { width: 4, height: 2, channels: 3, background: { r: 10, g: 120, b: 230 } } }).png().toBuffer();
    const form = new FormData();
    form.append('image', new Blob([original], { type: 'image/png' }), 'photo.png');
    const uploaded = await (await fetch(`${server.url}/upload/image`, { method: 'POST', body: form })).json();
    const alpha = Buffer.from([0, 255, 128, 64, 255, 0, 32, 16]);
    const maskRgba = Buffer.alloc(4 * 2 * 4);
    alpha.forEach((a, i) => maskRgba.writeUInt8(a, i * 4 + 3));
    const mask = await sharp(maskRgba, { raw: { width: 4, height: 2, channels: 4 } }).png().toBuffer();
    const maskForm = new FormData();
    maskForm.append('image', new Blob([mask], { type: 'image/png' }), 'clipspace-mask-1.png');
    maskForm.append('original_ref', JSON.stringify({ filename: uploaded.name, subfolder: '', type: 'input' }));
    maskForm.append('type', 'input');
    maskForm.append('subfolder', 'clipspace');
    const answer = await fetch(`${server.url}/upload/mask`, { method: 'POST', body: maskForm });
    expect(answer.status).toBe(200);
    const stored = await answer.json();
    expect(stored).toEqual({ name: 'clipspace-mask-1.png', subfolder: 'clipspace', type: 'input' });
    const viewed = await fetch(`${server.url}/view?${new URLSearchParams({ filename: stored.name, subfolder: stored.subfolder, type: stored.type })}`);
    const png = Buffer.from(await viewed.arrayBuffer());
    expect(viewed.status, String(png)).toBe(200);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    expect([...data.subarray(0, 4)]).toEqual([10, 120, 230, 0]);
    expect(Array.from({ length: 8 }, (_, i) => data[i * 4 + 3])).toEqual([...alpha]);

    const badRef = new FormData();
    badRef.append('image', new Blob([mask], { type: 'image/png' }), 'm.png');
    badRef.append('original_ref', '{"filename": "missing.png", "type": "input"}');
    const refused = await fetch(`${server.url}/upload/mask`, { method: 'POST', body: badRef });
    expect(refused.status).toBe(404);
  });

  it('POST /free with free_memory drops cached outputs and model sessions', async () => {
    const ws = await WsRecorder.connect(server.url, 'free');
    try {
      const run = async (): Promise<string[]> => {
        const { json } = await postJson(`${server.url}/prompt`, { prompt: earlyExitPrompt, client_id: 'free' });
        await ended(ws, json.prompt_id);
        return ofPrompt(ws, json.prompt_id).find((m) => m.type === 'execution_cached')!.data.nodes as string[];
      };
      await run();
      expect((await run()).sort()).toEqual(['d', 'm']);
      expect(server.context.host.services.get(ONNX_SESSIONS).size).toBeGreaterThan(0);
      expect((await postJson(`${server.url}/free`, { unload_models: true, free_memory: true })).status).toBe(200);
      expect(server.context.host.services.get(ONNX_SESSIONS).size).toBe(0);
      expect(await run()).toEqual([]);
    } finally {
      ws.close();
    }
  });
});
