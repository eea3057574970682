import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, WsRecorder } from '../server/server-harness.js';
import { blendPrompt, localRuns, makeWorkspace, startQueueServer, startRedis, startWorker, viewImage, type Child, type RedisInstance } from './scale-harness.js';

const PROMPTS = 200;
const CLIENTS = 4;

describe('200 prompts through one server and three workers', () => {
  let redis: RedisInstance;
  let workspace: string;
  let server: { child: Child; url: string };
  let workers: Child[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    workspace = await makeWorkspace();
    server = await startQueueServer(redis.url, workspace);
    workers = await Promise.all([1, 2, 3].map((n) => startWorker(redis.url, workspace, [], 3000, `worker ${n}`)));
  }, 90_000);

  afterAll(async () => {
    await Promise.all([server?.child.stop(), ...workers.map((w) => w.stop())]);
    await redis?.destroy();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  it('each completes exactly once, every client receives exactly its own outputs, none lost', async () => {
    const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, c) => WsRecorder.connect(server.url, `client-${c}`)));
    try {
      // Every prompt blends with its own factor (distinct pixels); all share one file prefix, so
      // the workers race for the same output names.
      const prompts = Array.from({ length: PROMPTS }, (_, i) => blendPrompt((i + 1) / (PROMPTS + 1), 'many', 16));
      const owner = new Map<string, number>();
      const promptOf = new Map<string, number>();
      for (let i = 0; i < PROMPTS; i++) {
        const client = i % CLIENTS;
        const queued = await postJson(`${server.url}/prompt`, { prompt: prompts[i], client_id: `client-${client}` });
        expect(queued.status).toBe(200);
        owner.set(queued.json.prompt_id, client);
        promptOf.set(queued.json.prompt_id, i);
      }
      const ids = [...owner.keys()];
      await Promise.all(ids.map((id) => clients[owner.get(id)!]!.next((m) => m.type === 'execution_success' && m.data.prompt_id === id, 80_000)));
      await new Promise((r) => setTimeout(r, 300));

      const files = new Set<string>();
      for (const [c, ws] of clients.entries()) {
        const mine = new Set(ids.filter((id) => owner.get(id) === c));
        const seen = ws.messages.filter((m) => typeof m.data.prompt_id === 'string');
        // Only its own prompts' messages, each ending exactly once with success.
        expect(seen.every((m) => mine.has(m.data.prompt_id as string))).toBe(true);
        const successes = seen.filter((m) => m.type === 'execution_success').map((m) => m.data.prompt_id as string);
        expect(successes.sort()).toEqual([...mine].sort());
        const executed = seen.filter((m) => m.type === 'executed');
        expect(executed).toHaveLength(mine.size);
        for (const message of executed) files.add((message.data.output as { images: { filename: string }[] }).images[0]!.filename);
      }
      // One distinct file per prompt: no two workers wrote the same name.
      expect(files.size).toBe(PROMPTS);

      const history = (await getJson(`${server.url}/history`)).json as Record<string, { status: { status_str: string }; outputs: Record<string, { images: { filename: string; subfolder: string; type: string }[] }> }>;
      expect(Object.keys(history).sort()).toEqual([...ids].sort());
      const expected = await localRuns(prompts, workspace);
      for (const id of ids) {
        expect(history[id]!.status.status_str).toBe('success');
        const served = await viewImage(server.url, history[id]!.outputs['6']!.images[0]!);
        expect(Array.from(served.data)).toEqual(Array.from(expected[promptOf.get(id)!]!.data));
      }
      // Every worker took part.
      for (const worker of workers) expect(worker.output).toMatch(/prompt \S+: started/);
      expect((await getJson(`${server.url}/queue`)).json).toEqual({ queue_running: [], queue_pending: [] });
    } finally {
      for (const ws of clients) ws.close();
    }
  }, 120_000);
});
