/**
 * The server under model load: a real server on loopback runs a prompt of 32 generator nodes
 * (landscape pack, full model) while a client polls GET /system_stats and GET /queue. Prints the
 * worst answer time against the same polling of the idle server and against one full-model run
 * (the JS thread is blocked while a run lasts, so that is the floor), then the time POST
 * /interrupt took to answer during such a prompt and the time until its end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../editor/server/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { PACK_RUNNERS } from '../../sdk/early-exit/index.js';
import { createHost } from '../../sdk/index.js';
import { generatorsPrompt } from '../server/generator-prompts.js';
import { WsRecorder, type WsMessage } from '../server/server-harness.js';
import { medianMs, type BenchFigure, type BenchSection } from './bench-report.js';

const GENERATORS = 32;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Polls both endpoints one request at a time until `until` settles; returns the worst answer times. */
async function poll(url: string, until: Promise<unknown>): Promise<{ stats: number; queue: number; count: number }> {
  let done = false;
  void until.finally(() => (done = true));
  const worst = { stats: 0, queue: 0, count: 0 };
  while (!done) {
    worst.stats = Math.max(worst.stats, await timed(() => fetch(`${url}/system_stats`).then((r) => r.json())));
    worst.queue = Math.max(worst.queue, await timed(() => fetch(`${url}/queue`).then((r) => r.json())));
    worst.count += 1;
    await new Promise((r) => setTimeout(r, 5));
  }
  return worst;
}

const LONG = 600_000;

async function queue(server: RunningServer, listener: WsRecorder, prompt: Record<string, unknown>): Promise<{ id: string; ended: Promise<WsMessage> }> {
  const answer = await fetch(`${server.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt, client_id: 'bench' }) });
  const { prompt_id: id } = (await answer.json()) as { prompt_id: string };
  const ended = listener.next((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === id, LONG);
  return { id, ended };
}

export async function serverLoadBench(): Promise<BenchSection> {
  const workspace = await mkdtemp(join(tmpdir(), 'exitgraph-bench-server-'));
  const server = await startServer({ host: await createHost({ builtins: builtinPacks }), port: 0, workspace, log: () => {} });
  const listener = await WsRecorder.connect(server.url, 'bench');
  try {
    // Warm-up: sessions created, merged exit session built.
    await (await queue(server, listener, await generatorsPrompt(1, 0))).ended;

    const idle = await poll(server.url, new Promise((r) => setTimeout(r, 1000)));
    // The floor under the loaded figures: one full-model run, which blocks the JS thread while it lasts.
    const runner = await server.context.host.services.get(PACK_RUNNERS).runner('landscape', 'cpu');
    const map = { width: 128, height: 128, classes: [] as string[], ids: new Uint8Array(128 * 128) };
    const oneRun = await medianMs(() => runner.runExit(map, runner.pack.manifest.exits.length - 1), 9);
    const started = performance.now();
    const loaded = await queue(server, listener, await generatorsPrompt(GENERATORS, 1));
    const busy = await poll(server.url, loaded.ended);
    const promptMs = performance.now() - started;

    const second = await queue(server, listener, await generatorsPrompt(GENERATORS, 2));
    await listener.next((m) => m.type === 'executing' && typeof m.data.node === 'string' && m.data.node.startsWith('g') && m.data.prompt_id === second.id, LONG);
    const asked = performance.now();
    const interruptMs = await timed(() => fetch(`${server.url}/interrupt`, { method: 'POST', body: '{}' }).then((r) => r.json()));
    await second.ended;
    const stoppedMs = performance.now() - asked;
    const outcome = listener.messages.find((m) => m.data.prompt_id === second.id && /^execution_(success|interrupted|error)$/.test(m.type))?.type ?? 'none';
    const figures: BenchFigure[] = [
      { name: 'idle: worst GET /system_stats', value: idle.stats, unit: 'ms' },
      { name: `${GENERATORS} generators: worst GET /system_stats`, value: busy.stats, unit: 'ms', target: '< 100' },
      { name: `${GENERATORS} generators: worst GET /queue`, value: busy.queue, unit: 'ms', target: '< 100' },
      { name: 'worst /system_stats, loaded / idle', value: busy.stats / Math.max(idle.stats, 0.001), unit: 'x' },
      { name: 'one full-model run (median of 9)', value: oneRun, unit: 'ms' },
      { name: 'worst /system_stats / one full-model run', value: busy.stats / oneRun, unit: 'x' },
      { name: `${GENERATORS}-generator prompt`, value: promptMs, unit: 'ms' },
      { name: 'POST /interrupt answered in', value: interruptMs, unit: 'ms', target: '< 100' },
      { name: 'interrupt to end of prompt', value: stoppedMs, unit: 'ms' },
      { name: 'interrupt to end, as share of the full prompt', value: stoppedMs / promptMs, unit: 'x' },
    ];
    return {
      title: 'Server under model load (32 generators, landscape pack, full model)',
      figures,
      notes: [`${busy.count} polls while loaded; the interrupted prompt ended with ${outcome}`],
    };
  } finally {
    listener.close();
    await server.close();
    await rm(workspace, { recursive: true, force: true });
  }
}
