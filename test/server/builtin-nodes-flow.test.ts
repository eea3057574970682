import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../editor/server/index.js';
import { paintedLabelMap } from '../../nodes/labels/painted-label-map.js';
import { createHost, definePack, readPngText } from '../../sdk/index.js';
import { earlyExitPack } from '../../sdk/early-exit/index.js';
import { builtinNodes } from '../../nodes/index.js';
import { getJson, postJson, WsRecorder } from './server-harness.js';

let server: RunningServer;
let workspace: string;
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'exitgraph-builtin-'));
  const builtins = builtinNodes;
  // Until nodes/index.ts lists the painter, register it beside the built-ins.
  const extra = builtins.nodes.some((n) => n.id === paintedLabelMap.id) ? [] : [definePack({ name: 'painter', nodes: [paintedLabelMap] })];
  server = await startServer({ host: await createHost({ builtins: [earlyExitPack, builtins, ...extra] }), port: 0, workspace, log: () => {} });
});
afterAll(async () => {
  await server?.close();
  await rm(workspace, { recursive: true, force: true });
});

it('runs the documented ComfyUI client flow with the built-in nodes, graph embedded in the PNG', async () => {
  const prompt = {
    '1': { class_type: 'exitgraph/PaintedLabelMap', inputs: { width: 64, height: 64 } },
    '2': { class_type: 'exitgraph/ColorizeLabelMap', inputs: { label_map: ['1', 0] } },
    '3': { class_type: 'exitgraph/SaveImage', inputs: { image: ['2', 0], filename_prefix: 'client' } },
  };
  const ws = await WsRecorder.connect(server.url, 'python-like');
  try {
    const { status, json } = await postJson(`${server.url}/prompt`, { prompt, client_id: 'python-like' });
    expect(status).toBe(200);
    await ws.next((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === json.prompt_id);
    const { json: history } = await getJson(`${server.url}/history/${json.prompt_id}`);
    const image = history[json.prompt_id].outputs['3'].images[0];
    expect(image).toEqual({ filename: 'client_00001_.png', subfolder: '', type: 'output' });
    const png = Buffer.from(await (await fetch(`${server.url}/view?${new URLSearchParams(image)}`)).arrayBuffer());
    const { info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([64, 64]);
    const embedded = JSON.parse(readPngText(png).prompt!);
    expect(embedded['3'].class_type).toBe('exitgraph/SaveImage@1');
  } finally {
    ws.close();
  }
});
