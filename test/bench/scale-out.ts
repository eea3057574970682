/**
 * Scale-out throughput: the same small prompts (resize + blend + save on 16x16 images) through
 * the embedded in-process queue, through Redis with one worker and with two workers (separate
 * processes), against running them directly in-process. On a 2-core machine the ratios are
 * what counts: the server, Redis and the workers share the cores.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createDefaultHost } from '../../bin/cli/default-host.js';
import { startServer, type RunningServer } from '../../editor/server/index.js';
import { redisQueueBackend } from '../../editor/server/scale-out/index.js';
import { localWorkspace, packageRoot, parseApiPrompt, runGraph, validateGraph } from '../../sdk/index.js';
import type { BenchSection } from './bench-report.js';

const PROMPTS = 60;

function prompt(i: number): Record<string, unknown> {
  return {
    '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'sunset.png' } },
    '2': { class_type: 'exitgraph/LoadImage', inputs: { image: 'stripes.png' } },
    '3': { class_type: 'exitgraph/ImageResize', inputs: { image: ['1', 0], width: 16, height: 16, method: 'nearest' } },
    '4': { class_type: 'exitgraph/ImageResize', inputs: { image: ['2', 0], width: 16, height: 16, method: 'nearest' } },
    '5': { class_type: 'exitgraph/ImageBlend', inputs: { a: ['3', 0], b: ['4', 0], factor: (i + 1) / (PROMPTS + 1), mode: 'multiply' } },
    '6': { class_type: 'exitgraph/SaveImage', inputs: { image: ['5', 0], filename_prefix: 'bench' } },
  };
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((done, fail) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      if (pattern.test(output)) done();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', () => fail(new Error(`process exited before ${pattern}:\n${output}`)));
  });
}

/** Seconds to push all prompts through a server and see every one end on the websocket. */
async function throughServer(server: RunningServer): Promise<number> {
  const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws?clientId=bench`);
  await new Promise((done) => socket.once('open', done));
  let ended = 0;
  const all = new Promise<void>((done) =>
    socket.on('message', (data, binary) => {
      if (binary) return;
      const message = JSON.parse(String(data)) as { type: string };
      if (message.type === 'execution_success' && ++ended === PROMPTS) done();
    }),
  );
  const started = performance.now();
  for (let i = 0; i < PROMPTS; i++) {
    await fetch(`${server.url}/prompt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: prompt(i), client_id: 'bench' }) });
  }
  await all;
  const seconds = (performance.now() - started) / 1000;
  socket.close();
  return seconds;
}

export async function scaleOutBench(): Promise<BenchSection> {
  const title = `Scale-out: ${PROMPTS} small prompts (resize + blend + save, 16x16)`;
  if (spawnSync('redis-server', ['--version']).status !== 0) return { title, figures: [], notes: ['skipped: redis-server is not installed'] };
  const root = packageRoot();
  const scratch = await mkdtemp(join(tmpdir(), 'exitgraph-bench-scale-'));
  const children: ChildProcess[] = [];
  const host = await createDefaultHost({ config: false, discover: false });
  try {
    const workspace = join(scratch, 'ws');
    await mkdir(join(workspace, 'input'), { recursive: true });
    for (const name of ['sunset.png', 'stripes.png']) await copyFile(join(root, 'examples', 'inputs', name), join(workspace, 'input', name));

    // Baseline: the prompts run one after another in this process, no queue, no server.
    const direct = localWorkspace(join(workspace, 'input'), join(scratch, 'direct'));
    const graphs = Array.from({ length: PROMPTS }, (_, i) => validateGraph(parseApiPrompt(prompt(i)).graph, host.registry, { requireOutputs: true }).graph!);
    await runGraph(graphs[0]!, { workspace: direct, device: 'cpu', cache: host.cache });
    let started = performance.now();
    for (const graph of graphs) await runGraph(graph, { workspace: direct, device: 'cpu', cache: host.cache });
    const directS = (performance.now() - started) / 1000;

    const inProcess = await startServer({ host, port: 0, workspace, device: 'cpu', log: () => {} });
    const inProcessS = await throughServer(inProcess);
    await inProcess.close();

    const port = await freePort();
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', scratch, '--save', '', '--appendonly', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(redis);
    await waitForLine(redis, /Ready to accept connections/);
    const url = `redis://127.0.0.1:${port}`;
    const queued = await startServer({ host, port: 0, workspace, device: 'cpu', log: () => {}, queueBackend: redisQueueBackend(url) });
    const startWorkerProcess = async () => {
      const worker = spawn(process.execPath, [join(root, 'bin', 'exitgraph.js'), 'worker', '--queue', url, '--workspace', workspace, '--device', 'cpu'], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(worker);
      await waitForLine(worker, /taking prompts from/);
    };
    const waitForWorkers = async (n: number) => {
      for (;;) {
        const { queue } = (await (await fetch(`${queued.url}/system_stats`)).json()) as { queue: { workers: unknown[] } };
        if (queue.workers.length >= n) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await startWorkerProcess();
    await waitForWorkers(1);
    const oneS = await throughServer(queued);
    await startWorkerProcess();
    await waitForWorkers(2);
    const twoS = await throughServer(queued);
    await queued.close();

    const perPrompt = (s: number) => (s * 1000) / PROMPTS;
    return {
      title,
      figures: [
        { name: 'direct in-process runs (baseline)', value: PROMPTS / directS, unit: 'prompts/s' },
        { name: 'in-process queue (server)', value: PROMPTS / inProcessS, unit: 'prompts/s' },
        { name: 'Redis queue, 1 worker', value: PROMPTS / oneS, unit: 'prompts/s' },
        { name: 'Redis queue, 2 workers', value: PROMPTS / twoS, unit: 'prompts/s' },
        { name: '2 workers / 1 worker', value: oneS / twoS, unit: 'x' },
        { name: 'in-process queue overhead per prompt', value: perPrompt(inProcessS) - perPrompt(directS), unit: 'ms' },
        { name: 'Redis queue overhead per prompt (1 worker)', value: perPrompt(oneS) - perPrompt(directS), unit: 'ms' },
      ],
      notes: [`direct run ${perPrompt(directS).toFixed(1)} ms per prompt; overheads are per-prompt time minus that (HTTP, validation, queue, pub/sub, moving outputs)`],
    };
  } finally {
    for (const child of children.reverse()) {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((done) => child.once('exit', done));
    }
    await host.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
