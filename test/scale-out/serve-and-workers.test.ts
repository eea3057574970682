import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, WsRecorder } from '../server/server-harness.js';
import { blendPrompt, fixturePlugin, freePort, localRun, makeWorkspace, plugin, spawnCli, startQueueServer, startRedis, startWorker, viewImage, type Child, type RedisInstance } from './scale-harness.js';

describe('exitgraph serve --queue and exitgraph worker', () => {
  it('name the Redis URL when Redis cannot be reached at start', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const server = spawnCli(['serve', '--queue', url, '--port', '0', '--device', 'cpu'], 'server');
    const worker = spawnCli(['worker', '--queue', url, '--device', 'cpu'], 'worker');
    const [served, worked] = await Promise.all([server.exited, worker.exited]);
    expect(served.code).toBe(1);
    expect(worked.code).toBe(1);
    for (const child of [server, worker]) expect(child.output).toContain(`cannot reach the prompt queue at ${url}`);
    expect(worker.output).toMatch(/ECONNREFUSED/);
  });

  describe('one server, two workers', () => {
    let redis: RedisInstance;
    let workspace: string;
    let server: { child: Child; url: string };
    const workers: Child[] = [];

    beforeAll(async () => {
      redis = await startRedis();
      workspace = await makeWorkspace();
      // The server knows every pack (it validates prompts); the workers differ: only one has wait-pack.
      server = await startQueueServer(redis.url, workspace, [fixturePlugin('wait-pack.js'), plugin('slow-pack.js')]);
      workers.push(...(await Promise.all([startWorker(redis.url, workspace, [], 3000, 'plain worker'), startWorker(redis.url, workspace, [fixturePlugin('wait-pack.js')], 3000, 'wait worker')])));
      // The server polls worker heartbeats: wait until it lists both.
      for (let i = 0; i < 100 && (await getJson(`${server.url}/system_stats`)).json.queue.workers.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    }, 90_000);

    afterAll(async () => {
      await Promise.all([server?.child.stop(), ...workers.map((w) => w.stop())]);
      await redis?.destroy();
      if (workspace) await rm(workspace, { recursive: true, force: true });
    });

    it('runs a prompt queued through POST /prompt on a worker: the usual ws messages, /history and /view', async () => {
      const ws = await WsRecorder.connect(server.url, 'client-a');
      try {
        const prompt = blendPrompt(0.4, 'served');
        const queued = await postJson(`${server.url}/prompt`, { prompt, client_id: 'client-a' });
        expect(queued.status).toBe(200);
        const id = queued.json.prompt_id as string;
        await ws.next((m) => m.type === 'execution_success' && m.data.prompt_id === id);
        const types = ws.messages.filter((m) => m.data.prompt_id === id).map((m) => m.type);
        expect(types).toEqual(expect.arrayContaining(['execution_start', 'executing', 'executed', 'execution_success']));
        expect(types.indexOf('execution_start')).toBeLessThan(types.indexOf('execution_success'));
        const executed = ws.messages.find((m) => m.type === 'executed' && m.data.prompt_id === id)!;
        const file = (executed.data.output as { images: { filename: string; subfolder: string; type: string }[] }).images[0]!;
        expect(file.filename).toMatch(/^served_\d{5}_\.png$/);

        const history = (await getJson(`${server.url}/history/${id}`)).json[id];
        expect(history.status.status_str).toBe('success');
        expect(history.outputs['6'].images[0]).toEqual(file);
        const served = await viewImage(server.url, file);
        const local = await localRun(prompt, workspace);
        expect([served.width, served.height, served.channels]).toEqual([local.width, local.height, local.channels]);
        expect(Array.from(served.data)).toEqual(Array.from(local.data));
        // The status message counts down to an empty queue.
        expect((await getJson(`${server.url}/prompt`)).json.exec_info.queue_remaining).toBe(0);
      } finally {
        ws.close();
      }
    });

    it('hands a prompt to the worker that has its nodes, and interrupt reaches that worker', async () => {
      const ws = await WsRecorder.connect(server.url, 'client-b');
      try {
        const prompt = { '1': { class_type: 'wait/UntilCancelled', inputs: {} } };
        const { json } = await postJson(`${server.url}/prompt`, { prompt, client_id: 'client-b' });
        const id = json.prompt_id as string;
        await ws.next((m) => m.type === 'exitgraph.log' && m.data.prompt_id === id && m.data.message === 'waiting for cancel');
        const queue = (await getJson(`${server.url}/queue`)).json;
        expect(queue.queue_running.map((row: unknown[]) => row[1])).toEqual([id]);
        expect((await postJson(`${server.url}/interrupt`, { prompt_id: id })).json.interrupted).toBe(true);
        await ws.next((m) => m.type === 'execution_interrupted' && m.data.prompt_id === id);
        await ws.next((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === id);
        expect((await getJson(`${server.url}/history/${id}`)).json[id].status.status_str).toBe('error');
      } finally {
        ws.close();
      }
    });

    it('deleting a running prompt from the queue cancels it on its worker', async () => {
      const ws = await WsRecorder.connect(server.url, 'client-c');
      try {
        const { json } = await postJson(`${server.url}/prompt`, { prompt: { '1': { class_type: 'wait/UntilCancelled', inputs: {} } }, client_id: 'client-c' });
        const id = json.prompt_id as string;
        await ws.next((m) => m.type === 'exitgraph.log' && m.data.prompt_id === id);
        expect((await postJson(`${server.url}/queue`, { delete: [id] })).json.deleted).toBe(1);
        await ws.next((m) => m.type === 'execution_interrupted' && m.data.prompt_id === id);
      } finally {
        ws.close();
      }
    });

    it('refuses a prompt no live worker can run, naming the node type and its pack', async () => {
      const prompt = {
        '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'sunset.png' } },
        '2': { class_type: 'slow/Hold', inputs: { image: ['1', 0], ms: 10 } },
        '3': { class_type: 'exitgraph/SaveImage', inputs: { image: ['2', 0], filename_prefix: 'never' } },
      };
      const { status, json } = await postJson(`${server.url}/prompt`, { prompt });
      expect(status).toBe(400);
      expect(json.error.type).toBe('no_capable_worker');
      expect(json.error.message).toMatch(/slow\/Hold \(pack slow-pack\)/);
    });

    it('shows the queue backend and the live workers with their capabilities on /system_stats', async () => {
      const { queue } = (await getJson(`${server.url}/system_stats`)).json;
      expect(queue).toMatchObject({ backend: 'redis', url: `${redis.url}`.replace(/\/?$/, ''), connected: true });
      expect(queue.workers).toHaveLength(2);
      expect(queue.workers.map((w: { plugins: string[] }) => w.plugins.length).sort()).toEqual([0, 1]);
      expect(queue.workers[0]).toMatchObject({ device: 'cpu', concurrency: 1 });
      expect(queue.workers.some((w: { packs: string[] }) => w.packs.includes('wait-pack'))).toBe(true);
    });
  });
});
