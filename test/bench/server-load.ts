/**
 * The server under model load: a real server on loopback runs a prompt of 32 generator nodes
 * (landscape pack, full model) while a client polls GET /system_stats, GET /queue and POST
 * /interrupt (for a prompt that is not running: answered by the same route, stops nothing).
 * Prints the worst and p95 answer times against the same polling of the idle server in the same
 * run, the longest the server's event loop was blocked meanwhile, and one full-model run (a
 * session run holds the JS thread while it lasts, so that is the floor). Then, over a few
 * prompts, the time POST /interrupt took to answer while generators ran and the time until the
 * prompt ended.
 *
 * The client runs in a worker thread (server-poller.ts), as a real client runs in its own
 * process: in the server's thread its own reading of each answer would wait on the server's
 * event loop too, timing the client rather than the server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { startServer, type RunningServer } from '../../editor/server/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { PACK_RUNNERS } from '../../sdk/early-exit/index.js';
import { createHost } from '../../sdk/index.js';
import { generatorsPrompt } from '../server/generator-prompts.js';
import { WsRecorder, type WsMessage } from '../server/server-harness.js';
import { medianMs, type BenchFigure, type BenchSection } from './bench-report.js';
import type { PollerReply, PollerRequest, Probe } from './server-poller.js';

const GENERATORS = 32;
/** Prompts interrupted, one after the other, for the interrupt figures. */
const INTERRUPTS = 3;
const LONG = 600_000;

const PROBES: readonly Probe[] = [
  { name: 'GET /system_stats', method: 'GET', path: '/system_stats' },
  { name: 'GET /queue', method: 'GET', path: '/queue' },
  { name: 'POST /interrupt', method: 'POST', path: '/interrupt', body: JSON.stringify({ prompt_id: 'not-a-running-prompt' }) },
];

/** The bench's client thread. */
class Poller {
  readonly #worker = new Worker(new URL('./server-poller.js', import.meta.url));
  #failed: Error | undefined;

  constructor(readonly url: string) {
    this.#worker.on('error', (error) => (this.#failed = error));
  }

  #reply<T extends PollerReply['type']>(type: T): Promise<Extract<PollerReply, { type: T }>> {
    return new Promise((done, fail) => {
      const onError = (error: Error): void => fail(error);
      this.#worker.once('error', onError);
      this.#worker.once('message', (reply: PollerReply) => {
        this.#worker.off('error', onError);
        if (reply.type !== type) fail(new Error(`poller answered ${reply.type}, expected ${type}`));
        else done(reply as Extract<PollerReply, { type: T }>);
      });
    });
  }

  #post(request: PollerRequest): void {
    if (this.#failed) throw this.#failed;
    this.#worker.postMessage(request);
  }

  /** Polls every probe, one request at a time, until `until` settles; every answer time by probe. */
  async poll(until: Promise<unknown>): Promise<Record<string, number[]>> {
    const samples = this.#reply('samples');
    this.#post({ type: 'poll', url: this.url, probes: PROBES, gapMs: 5 });
    await until;
    this.#post({ type: 'stop' });
    return (await samples).samples;
  }

  async once(probe: Probe): Promise<Extract<PollerReply, { type: 'once' }>> {
    const reply = this.#reply('once');
    this.#post({ type: 'once', url: this.url, probe });
    return reply;
  }

  close(): Promise<number> {
    return this.#worker.terminate();
  }
}

function worst(values: readonly number[]): number {
  return Math.max(...values);
}

function p95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * 0.95) - 1)]!;
}

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
  const poller = new Poller(server.url);
  try {
    // Warm-up: sessions created, merged exit session built.
    await (await queue(server, listener, await generatorsPrompt(1, 0))).ended;

    // The client's first request opens its connection: not a figure.
    await poller.once(PROBES[0]!);
    const idle = await poller.poll(new Promise((r) => setTimeout(r, 1000)));
    // The floor under the loaded figures: one full-model run, which blocks the JS thread while it lasts.
    const runner = await server.context.host.services.get(PACK_RUNNERS).runner('landscape', 'cpu');
    const map = { width: 128, height: 128, classes: [] as string[], ids: new Uint8Array(128 * 128) };
    const oneRun = await medianMs(() => runner.runExit(map, runner.pack.manifest.exits.length - 1), 9);

    const prompt = await generatorsPrompt(GENERATORS, 1);
    const blocked = monitorEventLoopDelay({ resolution: 2 });
    const started = performance.now();
    blocked.enable();
    const loaded = await queue(server, listener, prompt);
    const busy = await poller.poll(loaded.ended);
    blocked.disable();
    const promptMs = performance.now() - started;

    const interrupts: { answeredMs: number; stoppedMs: number; outcome: string }[] = [];
    for (let round = 0; round < INTERRUPTS; round++) {
      const next = await queue(server, listener, await generatorsPrompt(GENERATORS, 2 + round));
      await listener.next((m) => m.type === 'executing' && typeof m.data.node === 'string' && m.data.node.startsWith('g') && m.data.prompt_id === next.id, LONG);
      const asked = await poller.once({ name: 'interrupt', method: 'POST', path: '/interrupt', body: '{}' });
      await next.ended;
      const stoppedMs = performance.timeOrigin + performance.now() - asked.sentAt;
      const outcome = listener.messages.find((m) => m.data.prompt_id === next.id && /^execution_(success|interrupted|error)$/.test(m.type))?.type ?? 'none';
      interrupts.push({ answeredMs: asked.ms, stoppedMs, outcome });
    }

    const figures: BenchFigure[] = [];
    for (const { name } of PROBES) {
      figures.push(
        { name: `idle: ${name} worst`, value: worst(idle[name]!), unit: 'ms' },
        { name: `idle: ${name} p95`, value: p95(idle[name]!), unit: 'ms' },
        { name: `${GENERATORS} generators: ${name} worst`, value: worst(busy[name]!), unit: 'ms', target: '< 100' },
        { name: `${GENERATORS} generators: ${name} p95`, value: p95(busy[name]!), unit: 'ms' },
      );
    }
    const allBusy = PROBES.flatMap(({ name }) => busy[name]!);
    const allIdle = PROBES.flatMap(({ name }) => idle[name]!);
    figures.push(
      { name: 'worst answer, loaded / idle', value: worst(allBusy) / Math.max(worst(allIdle), 0.001), unit: 'x' },
      { name: 'longest event-loop block while loaded', value: blocked.max / 1e6, unit: 'ms' },
      { name: 'one full-model run (median of 9)', value: oneRun, unit: 'ms' },
      { name: 'worst answer / one full-model run', value: worst(allBusy) / oneRun, unit: 'x' },
      { name: `${GENERATORS}-generator prompt`, value: promptMs, unit: 'ms' },
      { name: `POST /interrupt stopping a prompt, worst of ${INTERRUPTS}`, value: worst(interrupts.map((i) => i.answeredMs)), unit: 'ms', target: '< 100' },
      { name: `interrupt to end of prompt, worst of ${INTERRUPTS}`, value: worst(interrupts.map((i) => i.stoppedMs)), unit: 'ms' },
      { name: 'interrupt to end / one full-model run', value: worst(interrupts.map((i) => i.stoppedMs)) / oneRun, unit: 'x' },
    );
    return {
      title: `Server under model load (${GENERATORS} generators, landscape pack, full model)`,
      figures,
      notes: [
        `${busy[PROBES[0]!.name]!.length} polls of each request while loaded, ${idle[PROBES[0]!.name]!.length} idle`,
        `the interrupted prompts ended with ${interrupts.map((i) => i.outcome).join(', ')}`,
      ],
    };
  } finally {
    await poller.close();
    listener.close();
    await server.close();
    await rm(workspace, { recursive: true, force: true });
  }
}
