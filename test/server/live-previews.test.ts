/**
 * Progressive previews: a Semantic Map Generator with `previews` on sends each exit it passes
 * (cheapest first, then escalating to the planned one in the same run) as ComfyUI binary preview
 * frames, each preceded by an `exitgraph.preview` message saying which exit it is. Real server on
 * loopback, the shipped landscape pack, a real websocket client.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../sdk/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { startServer, type RunningServer } from '../../editor/server/index.js';
import { paintedMap } from './generator-prompts.js';
import { WsRecorder, postJson, type WsMessage } from './server-harness.js';

let host: Host;
let server: RunningServer;
let workspace: string;

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'exitgraph-previews-'));
  host = await createHost({ builtins: builtinPacks });
  server = await startServer({ host, port: 0, workspace, log: () => {} });
});
afterAll(async () => {
  await server?.close();
  await host?.close();
  await rm(workspace, { recursive: true, force: true });
});

/** Map -> estimator -> fixed router (exit `exit`) -> generator -> Preview Image. */
async function livePrompt(exit: number, previews: boolean, seed: number): Promise<Record<string, unknown>> {
  return {
    m: { class_type: 'exitgraph/PaintedLabelMap', inputs: { map: await paintedMap(seed) } },
    d: { class_type: 'exitgraph/DifficultyEstimator', inputs: { label_map: ['m', 0], pack: 'landscape' } },
    x: { class_type: 'exitgraph/ExitSelector', inputs: { difficulty: ['d', 0], router: 'fixed', exit } },
    g: { class_type: 'exitgraph/SemanticMapGenerator', inputs: { label_map: ['m', 0], plan: ['x', 0], pack: 'landscape', previews } },
    p: { class_type: 'exitgraph/PreviewImage', inputs: { image: ['g', 0] } },
  };
}

async function run(ws: WsRecorder, prompt: Record<string, unknown>): Promise<{ id: string; messages: WsMessage[]; frames: Buffer[] }> {
  const framesBefore = ws.binary.length;
  const { status, json } = await postJson(`${server.url}/prompt`, { prompt, client_id: 'live' });
  expect(status).toBe(200);
  await ws.next((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === json.prompt_id, 60_000);
  return { id: json.prompt_id, messages: ws.messages.filter((m) => m.data.prompt_id === json.prompt_id), frames: ws.binary.slice(framesBefore) };
}

describe('live previews from a generator', () => {
  it('sends exit 0 first, then each exit up to the planned one, as binary frames with exitgraph.preview', async () => {
    const ws = await WsRecorder.connect(server.url, 'live');
    try {
      const { id, messages, frames } = await run(ws, await livePrompt(2, true, 1));
      expect(messages.find((m) => m.type === 'execution_success')).toBeDefined();
      const previews = messages.filter((m) => m.type === 'exitgraph.preview');
      expect(previews.map((m) => m.data)).toEqual([0, 1, 2].map((exit) => ({ prompt_id: id, node: 'g', exit, exit_name: `exit${exit}`, planned: 2, planned_name: 'exit2', of: 5, final: exit === 2 })));
      // Frames of type 1 (no metadata asked for), PNG, 128x128: the generator's three, then Preview Image's.
      expect(frames).toHaveLength(4);
      const images = await Promise.all(
        frames.map(async (frame) => {
          expect(frame.readUInt32BE(0)).toBe(1);
          expect(frame.readUInt32BE(4)).toBe(2);
          return sharp(frame.subarray(8)).raw().toBuffer({ resolveWithObject: true });
        }),
      );
      for (const { info } of images) expect([info.width, info.height]).toEqual([128, 128]);
      // Each exit renders a different image; the last preview is the output Preview Image shows.
      expect(images[0]!.data.equals(images[1]!.data)).toBe(false);
      expect(images[1]!.data.equals(images[2]!.data)).toBe(false);
      expect(images[2]!.data.equals(images[3]!.data)).toBe(true);
      // Previews come before the generator is done.
      const order = messages.map((m) => (m.type === 'exitgraph.preview' ? `preview${m.data.exit}` : m.type === 'exitgraph.node_done' && m.data.node === 'g' ? 'done' : '')).filter(Boolean);
      expect(order.slice(0, 2)).toEqual(['preview0', 'preview1']);
      const done = messages.find((m) => m.type === 'exitgraph.node_done' && m.data.node === 'g')!;
      // The extra heads count: the run cost more than exit 2 alone, and the ui says exit 2.
      expect((done.data.ui as Record<string, unknown>).exit).toBe(2);
    } finally {
      ws.close();
    }
  });

  it('sends no previews when the param is off (the default)', async () => {
    const ws = await WsRecorder.connect(server.url, 'live');
    try {
      const { messages, frames } = await run(ws, await livePrompt(2, false, 2));
      expect(messages.filter((m) => m.type === 'exitgraph.preview')).toEqual([]);
      // Only Preview Image's frame.
      expect(frames).toHaveLength(1);
    } finally {
      ws.close();
    }
  });

  it('counts the extra exit heads of a previewed run in its MACs', async () => {
    const ws = await WsRecorder.connect(server.url, 'live');
    try {
      const macsOf = (messages: WsMessage[]) => Number((messages.find((m) => m.type === 'exitgraph.node_done' && m.data.node === 'g')!.data.ui as Record<string, unknown>).macs);
      const plain = macsOf((await run(ws, await livePrompt(2, false, 3))).messages);
      const previewed = macsOf((await run(ws, await livePrompt(2, true, 4))).messages);
      expect(previewed).toBeGreaterThan(plain);
    } finally {
      ws.close();
    }
  });
});
