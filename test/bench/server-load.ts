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
 * The client (requests and websocket) runs in a worker thread (server-client.ts), as a real
 * client runs in its own process: in the server's thread its own reading of each answer would
 * wait on the server's event loop too, timing the client rather than the server.
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
import { medianMs, type BenchFigure, type BenchSection } from './bench-report.js';
import type { ClientReply, ClientRequest, ProgressMessage, Probe } from './server-client.js';

const GENERATORS = 32;
/** Prompts interrupted, one after the other, for the interrupt figures. */
const INTERRUPTS = 3;
const LONG = 600_000;
const CLIENT_ID = 'bench';

const PROBES: readonly Probe[] = [
  { name: 'GET /system_stats', method: 'GET', path: '/system_stats' },
  { name: 'GET /queue', method: 'GET', path: '/queue' },
  { name: 'POST /interrupt', method: 'POST', path: '/interrupt', body: JSON.stringify({ prompt_id: 'not-a-running-prompt' }) },
];

type Answer<T extends ClientReply['type']> = Extract<ClientReply, { type: T }>;

/** The bench's client thread: timed requests, and the prompt progress its websocket saw. */
class BenchClient {
  readonly #worker = new Worker(new URL('./server-client.js', import.meta.url));
  readonly messages: { message: ProgressMessage; at: number }[] = [];
  readonly #waiters: { test: (m: ProgressMessage) => boolean; done: (m: { message: ProgressMessage; at: number }) => void }[] = [];
  #answer: { type: string; done: (reply: ClientReply) => void; fail: (error: Error) => void } | undefined;
  #failed: Error | undefined;

  constructor(readonly url: string) {
    this.#worker.on('error', (error) => {
      this.#failed = error;
      this.#answer?.fail(error);
    });
    this.#worker.on('message', (reply: ClientReply) => {
      if (reply.type === 'ws') {
        const seen = { message: reply.message, at: reply.at };
        this.messages.push(seen);
        for (const waiter of [...this.#waiters]) {
          if (!waiter.test(reply.message)) continue;
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.done(seen);
        }
        return;
      }
      const answer = this.#answer;
      this.#answer = undefined;
      if (!answer || answer.type !== reply.type) throw new Error(`bench client answered ${reply.type} unasked`);
      answer.done(reply);
    });
  }

  #ask<T extends ClientReply['type']>(type: T, request: ClientRequest): Promise<Answer<T>> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#answer) return Promise.reject(new Error(`bench client is still answering ${this.#answer.type}`));
    return new Promise((done, fail) => {
      this.#answer = { type, done: (reply) => done(reply as Answer<T>), fail };
      this.#worker.postMessage(request);
    });
  }

  listen(): Promise<Answer<'listening'>> {
    return this.#ask('listening', { type: 'listen', url: this.url, clientId: CLIENT_ID });
  }

  /** Polls every probe, one request at a time, until `until` settles; every answer time by probe. */
  async poll(until: Promise<unknown>): Promise<Record<string, number[]>> {
    const samples = this.#ask('samples', { type: 'poll', url: this.url, probes: PROBES, gapMs: 5 });
    await until;
    this.#worker.postMessage({ type: 'stop' } satisfies ClientRequest);
    return (await samples).samples;
  }

  once(probe: Probe): Promise<Answer<'once'>> {
    return this.#ask('once', { type: 'once', url: this.url, probe });
  }

  /** The first websocket message (already seen or to come) that passes `test`, and when it arrived. */
  next(test: (m: ProgressMessage) => boolean): Promise<{ message: ProgressMessage; at: number }> {
    const seen = this.messages.find((m) => test(m.message));
    if (seen) return Promise.resolve(seen);
    return new Promise((done) => this.#waiters.push({ test, done }));
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

/** Queues `prompt` for the bench's client; `ended` resolves when its websocket sees the prompt's last message. */
async function queue(server: RunningServer, client: BenchClient, prompt: Record<string, unknown>): Promise<{ id: string; ended: Promise<unknown> }> {
  const answer = await fetch(`${server.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt, client_id: CLIENT_ID }) });
  const { prompt_id: id } = (await answer.json()) as { prompt_id: string };
  const ended = client.next((m) => m.type === 'executing' && m.node === null && m.promptId === id);
  const timeout = new Promise((_, fail) => setTimeout(() => fail(new Error(`prompt ${id} did not end within ${LONG} ms`)), LONG).unref());
  return { id, ended: Promise.race([ended, timeout]) };
}

export async function serverLoadBench(): Promise<BenchSection> {
  const workspace = await mkdtemp(join(tmpdir(), 'exitgraph-bench-server-'));
  const server = await startServer({ host: await createHost({ builtins: builtinPacks }), port: 0, workspace, log: () => {} });
  const client = new BenchClient(server.url);
  try {
    await client.listen();
    // Warm-up: sessions created, merged exit session built; the client's connection opened.
    await (await queue(server, client, await generatorsPrompt(1, 0))).ended;
    await client.once(PROBES[0]!);
    // Made before anything is measured: painting the maps is the bench's work, in the server's thread.
    const prompt = await generatorsPrompt(GENERATORS, 1);
    const toInterrupt = await Promise.all(Array.from({ length: INTERRUPTS }, (_, round) => generatorsPrompt(GENERATORS, 2 + round)));

    const idle = await client.poll(new Promise((r) => setTimeout(r, 1000)));
    // The floor under the loaded figures: one full-model run, which blocks the JS thread while it lasts.
    const runner = await server.context.host.services.get(PACK_RUNNERS).runner('landscape', 'cpu');
    const map = { width: 128, height: 128, classes: [] as string[], ids: new Uint8Array(128 * 128) };
    const fullRun = (): Promise<unknown> => runner.runExit(map, runner.pack.manifest.exits.length - 1);
    // Measured before and after the loaded prompt: on shared cores the machine's load drifts.
    const before = await medianMs(fullRun, 9);

    const blocked = monitorEventLoopDelay({ resolution: 2 });
    const started = performance.now();
    blocked.enable();
    const loaded = await queue(server, client, prompt);
    const busy = await client.poll(loaded.ended);
    blocked.disable();
    const promptMs = performance.now() - started;
    const oneRun = (before + (await medianMs(fullRun, 9))) / 2;

    const interrupts: { answeredMs: number; stoppedMs: number; outcome: string; generatorsAfter: number }[] = [];
    for (let round = 0; round < INTERRUPTS; round++) {
      const next = await queue(server, client, toInterrupt[round]!);
      const isGenerator = (m: ProgressMessage): boolean => typeof m.node === 'string' && m.node.startsWith('g') && m.promptId === next.id;
      await client.next((m) => m.type === 'executing' && isGenerator(m));
      const asked = await client.once({ name: 'interrupt', method: 'POST', path: '/interrupt', body: '{}' });
      const answeredAt = asked.sentAt + asked.ms;
      const end = (await next.ended) as { at: number };
      const ofPrompt = client.messages.filter(({ message }) => message.promptId === next.id);
      interrupts.push({
        answeredMs: asked.ms,
        stoppedMs: end.at - asked.sentAt,
        outcome: ofPrompt.find(({ message }) => /^execution_(success|interrupted|error)$/.test(message.type))?.message.type ?? 'none',
        generatorsAfter: ofPrompt.filter(({ message, at }) => message.type === 'exitgraph.node_done' && isGenerator(message) && at > answeredAt).length,
      });
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
      { name: 'one full-model run (median of 9 before and 9 after, mean)', value: oneRun, unit: 'ms' },
      { name: 'worst answer / one full-model run', value: worst(allBusy) / oneRun, unit: 'x' },
      { name: 'longest event-loop block / one full-model run', value: blocked.max / 1e6 / oneRun, unit: 'x' },
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
        `the interrupted prompts ended with ${interrupts.map((i) => i.outcome).join(', ')}; generators done after the interrupt was answered: ${interrupts.map((i) => i.generatorsAfter).join(', ')}`,
      ],
    };
  } finally {
    await client.close();
    await server.close();
    await rm(workspace, { recursive: true, force: true });
  }
}
