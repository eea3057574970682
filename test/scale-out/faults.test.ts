import { existsSync, readdirSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, WsRecorder } from '../server/server-harness.js';
import { blendPrompt, makeWorkspace, plugin, startQueueServer, startRedis, startWorker, type Child, type RedisInstance } from './scale-harness.js';

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('scale-out faults', () => {
  let redis: RedisInstance;
  let workspace: string;
  let server: { child: Child; url: string };
  const workers: Child[] = [];
  const slow = [plugin('slow-pack.js')];

  beforeAll(async () => {
    redis = await startRedis();
    workspace = await makeWorkspace();
    server = await startQueueServer(redis.url, workspace, slow);
    workers.push(...(await Promise.all([startWorker(redis.url, workspace, slow, 2000, 'worker 1'), startWorker(redis.url, workspace, slow, 2000, 'worker 2')])));
  }, 90_000);

  afterAll(async () => {
    await Promise.all([server?.child.stop(), ...workers.map((w) => w.stop())]);
    await redis?.destroy();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  it('a worker killed with SIGKILL mid-prompt: another worker runs it, the client sees it end once, with one set of outputs', async () => {
    const ws = await WsRecorder.connect(server.url, 'killed-client');
    try {
      // A fast output (written before the kill) and a slow one (after it).
      const prompt = {
        '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'sunset.png' } },
        '2': { class_type: 'exitgraph/SaveImage', inputs: { image: ['1', 0], filename_prefix: 'first' } },
        '3': { class_type: 'slow/Hold', inputs: { image: ['1', 0], ms: 2500 } },
        '4': { class_type: 'exitgraph/SaveImage', inputs: { image: ['3', 0], filename_prefix: 'second' } },
      };
      const id = (await postJson(`${server.url}/prompt`, { prompt, client_id: 'killed-client' })).json.prompt_id as string;
      await ws.next((m) => m.type === 'exitgraph.log' && m.data.prompt_id === id && m.data.message === 'holding');
      const attempts = join(workspace, 'temp', '.attempts', id);
      // The killed attempt has already written `first` (in its private folder, not published).
      await until('the first output of the attempt', async () => existsSync(attempts) && readdirSync(attempts).some((a) => existsSync(join(attempts, a, 'first_00001_.png'))));
      const victim = workers.find((w) => w.output.includes(`prompt ${id}: started`))!;
      await victim.stop('SIGKILL');
      workers.splice(workers.indexOf(victim), 1);
      expect((await readdir(join(workspace, 'output'))).filter((f) => f.startsWith('first'))).toEqual([]);

      await ws.next((m) => m.type === 'execution_success' && m.data.prompt_id === id, 40_000);
      expect(workers[0]!.output).toMatch(new RegExp(`prompt ${id}: started again`));
      await new Promise((r) => setTimeout(r, 300));
      const mine = ws.messages.filter((m) => m.data.prompt_id === id);
      expect(mine.filter((m) => m.type === 'execution_success')).toHaveLength(1);
      expect(mine.filter((m) => m.type === 'execution_error' || m.type === 'execution_interrupted')).toHaveLength(0);
      const executed = mine.filter((m) => m.type === 'executed').map((m) => m.data.node);
      expect(executed.sort()).toEqual(['2', '4']);
      const outputs = (await readdir(join(workspace, 'output'))).sort();
      expect(outputs).toEqual(['first_00001_.png', 'second_00001_.png']);
      expect(existsSync(attempts)).toBe(false);
      const entry = (await getJson(`${server.url}/history/${id}`)).json[id];
      expect(entry.outputs['2'].images[0].filename).toBe('first_00001_.png');
    } finally {
      ws.close();
    }
  }, 90_000);

  it('a restarted server keeps the pending queue and the history', async () => {
    const before = Object.keys((await getJson(`${server.url}/history`)).json);
    expect(before.length).toBeGreaterThan(0);
    // No worker: prompts stay pending.
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await postJson(`${server.url}/prompt`, { prompt: blendPrompt(0.1 * (i + 1), `pending${i}`) })).json.prompt_id);
    await server.child.stop();

    server = await startQueueServer(redis.url, workspace, slow);
    const queue = (await getJson(`${server.url}/queue`)).json;
    expect(queue.queue_pending.map((row: unknown[]) => row[1])).toEqual(ids);
    expect(Object.keys((await getJson(`${server.url}/history`)).json)).toEqual(before);
    // Numbers keep counting up after the restart.
    const next = (await postJson(`${server.url}/prompt`, { prompt: blendPrompt(0.9, 'after') })).json;
    expect(next.number).toBeGreaterThan(Math.max(...queue.queue_pending.map((row: number[]) => row[0])));

    workers.push(await startWorker(redis.url, workspace, slow, 2000, 'worker 3'));
    for (const id of [...ids, next.prompt_id]) await until(`prompt ${id} in the history`, async () => (await getJson(`${server.url}/history/${id}`)).json[id]?.status.status_str === 'success');
  }, 90_000);

  it('Redis lost mid-run is reported on /system_stats, and recovered when it returns', async () => {
    await redis.stop('SIGKILL');
    const down = await until('the outage on /system_stats', async () => {
      const { queue } = (await getJson(`${server.url}/system_stats`)).json;
      return queue.connected === false && queue;
    });
    expect(down.url).toContain(String(redis.port));
    const refused = await postJson(`${server.url}/prompt`, { prompt: blendPrompt(0.5, 'while-down') });
    expect(refused.status).toBe(503);
    expect(refused.json.error.message).toContain(`127.0.0.1:${redis.port}`);

    await redis.start();
    await until('the reconnect on /system_stats', async () => (await getJson(`${server.url}/system_stats`)).json.queue.connected === true);
    // The history written before the outage is still there (append-only file), and prompts run again.
    expect(Object.keys((await getJson(`${server.url}/history`)).json).length).toBeGreaterThanOrEqual(5);
    const id = (await postJson(`${server.url}/prompt`, { prompt: blendPrompt(0.5, 'after-outage') })).json.prompt_id as string;
    await until('the prompt after the outage', async () => (await getJson(`${server.url}/history/${id}`)).json[id]?.status.status_str === 'success', 40_000);
  }, 90_000);
});
