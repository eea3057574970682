/**
 * The server under model load: a real server on loopback runs a prompt of 32 generator nodes
 * (landscape pack, full model) while a client polls GET /system_stats and GET /queue. Prints the
 * worst answer time against the same polling of the idle server, then the time POST /interrupt
 * took to answer during such a prompt and the time until `execution_interrupted` arrived.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../editor/server/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { createHost } from '../../sdk/index.js';
import type { BenchFigure, BenchSection } from './bench-report.js';

const GENERATORS = 32;

/** A 128x128 painted label map (PNG data URL, pixel = class id): bands of classes, different per seed. */
async function paintedMap(seed: number): Promise<string> {
  const ids = Buffer.alloc(128 * 128);
  for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) ids[y * 128 + x] = (Math.floor((y + seed * 7) / 16) + (x > 64 + seed ? 1 : 0) + seed) % 10;
  const png = await sharp(ids, { raw: { width: 128, height: 128, channels: 1 } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** `count` generators, each on its own label map (so none is served from the output cache). */
async function generatorsPrompt(count: number, round: number): Promise<Record<string, unknown>> {
  const prompt: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    prompt[`m${i}`] = { class_type: 'exitgraph/PaintedLabelMap', inputs: { map: await paintedMap(round * count + i) } };
    prompt[`g${i}`] = { class_type: 'exitgraph/SemanticMapGenerator', inputs: { label_map: [`m${i}`, 0], pack: 'landscape' } };
    prompt[`s${i}`] = { class_type: 'exitgraph/SaveImage', inputs: { image: [`g${i}`, 0], filename_prefix: 'bench/load' } };
  }
  return prompt;
}

interface Message {
  type: string;
  data: Record<string, unknown>;
}

class Listener {
  readonly messages: Message[] = [];
  readonly #waiters: { test: (m: Message) => boolean; done: (m: Message) => void }[] = [];
  constructor(readonly socket: WebSocket) {
    socket.on('message', (data, binary) => {
      if (binary) return;
      const message = JSON.parse(String(data)) as Message;
      this.messages.push(message);
      for (const w of [...this.#waiters]) if (w.test(message)) this.#waiters.splice(this.#waiters.indexOf(w), 1), w.done(message);
    });
  }
  next(test: (m: Message) => boolean): Promise<Message> {
    const seen = this.messages.find(test);
    return seen ? Promise.resolve(seen) : new Promise((done) => this.#waiters.push({ test, done }));
  }
}

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

async function queue(server: RunningServer, listener: Listener, prompt: Record<string, unknown>): Promise<{ id: string; ended: Promise<Message> }> {
  const answer = await fetch(`${server.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt, client_id: 'bench' }) });
  const { prompt_id: id } = (await answer.json()) as { prompt_id: string };
  const ended = listener.next((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === id);
  return { id, ended };
}

export async function serverLoadBench(): Promise<BenchSection> {
  const workspace = await mkdtemp(join(tmpdir(), 'exitgraph-bench-server-'));
  const server = await startServer({ host: await createHost({ builtins: builtinPacks }), port: 0, workspace, log: () => {} });
  const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws?clientId=bench`);
  await new Promise((done) => socket.once('open', done));
  const listener = new Listener(socket);
  try {
    // Warm-up: sessions created, merged exit session built.
    await (await queue(server, listener, await generatorsPrompt(1, 0))).ended;

    const idle = await poll(server.url, new Promise((r) => setTimeout(r, 1000)));
    const started = performance.now();
    const loaded = await queue(server, listener, await generatorsPrompt(GENERATORS, 1));
    const busy = await poll(server.url, loaded.ended);
    const promptMs = performance.now() - started;

    const second = await queue(server, listener, await generatorsPrompt(GENERATORS, 2));
    await listener.next((m) => m.type === 'executing' && typeof m.data.node === 'string' && m.data.node.startsWith('g') && m.data.prompt_id === second.id);
    const asked = performance.now();
    const interruptMs = await timed(() => fetch(`${server.url}/interrupt`, { method: 'POST', body: '{}' }).then((r) => r.json()));
    const end = await second.ended;
    const stoppedMs = performance.now() - asked;
    const outcome = listener.messages.find((m) => m.data.prompt_id === second.id && /^execution_(success|interrupted|error)$/.test(m.type))?.type ?? 'none';
    const figures: BenchFigure[] = [
      { name: 'idle: worst GET /system_stats', value: idle.stats, unit: 'ms' },
      { name: `${GENERATORS} generators: worst GET /system_stats`, value: busy.stats, unit: 'ms', target: '< 100' },
      { name: `${GENERATORS} generators: worst GET /queue`, value: busy.queue, unit: 'ms', target: '< 100' },
      { name: 'worst /system_stats, loaded / idle', value: busy.stats / Math.max(idle.stats, 0.001), unit: 'x' },
      { name: `${GENERATORS}-generator prompt`, value: promptMs, unit: 'ms' },
      { name: 'POST /interrupt answered in', value: interruptMs, unit: 'ms', target: '< 100' },
      { name: 'interrupt to end of prompt', value: stoppedMs, unit: 'ms' },
      { name: 'interrupt to end, as share of the full prompt', value: stoppedMs / promptMs, unit: 'x' },
    ];
    void end;
    return {
      title: 'Server under model load (32 generators, landscape pack, full model)',
      figures,
      notes: [`${busy.count} polls while loaded; the interrupted prompt ended with ${outcome}`],
    };
  } finally {
    socket.close();
    await server.close();
    await rm(workspace, { recursive: true, force: true });
  }
}
