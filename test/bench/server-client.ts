/**
 * The server-load bench's client, run in a worker thread: a real client lives in another process,
 * so neither its requests nor its websocket may share the server's event loop (in the server's
 * thread, reading an answer waits on that loop too, which times the client, not the server; and
 * parsing the client's messages would load the thread being measured). It polls a list of
 * requests one at a time and times each, sends one request when asked, and forwards the
 * websocket messages that mark a prompt's progress.
 */
import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';

export interface Probe {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
}

export type ClientRequest =
  | { readonly type: 'poll'; readonly url: string; readonly probes: readonly Probe[]; readonly gapMs: number }
  | { readonly type: 'stop' }
  | { readonly type: 'once'; readonly url: string; readonly probe: Probe }
  | { readonly type: 'listen'; readonly url: string; readonly clientId: string };

/** A websocket message as forwarded: its type, and `data.node` and `data.prompt_id` when there. */
export interface ProgressMessage {
  readonly type: string;
  readonly node?: string | null | undefined;
  readonly promptId?: string | undefined;
}

export type ClientReply =
  | { readonly type: 'samples'; readonly samples: Record<string, number[]> }
  /** `sentAt`: when the request left, as performance.timeOrigin + performance.now() (comparable across threads). */
  | { readonly type: 'once'; readonly ms: number; readonly sentAt: number; readonly answer: unknown }
  | { readonly type: 'listening' }
  | { readonly type: 'ws'; readonly message: ProgressMessage; readonly at: number };

/** The messages the bench waits on; the rest are not forwarded. */
const FORWARDED = new Set(['executing', 'execution_start', 'execution_success', 'execution_interrupted', 'execution_error', 'exitgraph.node_done']);

async function send(url: string, probe: Probe): Promise<{ ms: number; sentAt: number; answer: unknown }> {
  const sentAt = performance.timeOrigin + performance.now();
  const start = performance.now();
  const response = await fetch(`${url}${probe.path}`, { method: probe.method, ...(probe.body !== undefined ? { body: probe.body } : {}) });
  const answer: unknown = await response.json();
  if (!response.ok) throw new Error(`${probe.method} ${probe.path} answered ${response.status}: ${JSON.stringify(answer)}`);
  return { ms: performance.now() - start, sentAt, answer };
}

const port = parentPort;
if (!port) throw new Error('server-client runs as a worker thread');
const reply = (message: ClientReply): void => port.postMessage(message);

let polling = false;
let socket: WebSocket | undefined;
port.on('message', (request: ClientRequest) => {
  void handle(request).catch((error: Error) => {
    // An error here is the bench's failure: it reaches the bench as the worker's 'error' event.
    setImmediate(() => {
      throw error;
    });
  });
});

async function handle(request: ClientRequest): Promise<void> {
  switch (request.type) {
    case 'stop':
      polling = false;
      return;
    case 'once':
      reply({ type: 'once', ...(await send(request.url, request.probe)) });
      return;
    case 'listen':
      socket = new WebSocket(`${request.url.replace(/^http/, 'ws')}/ws?clientId=${request.clientId}`);
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        const { type, data: body } = JSON.parse(String(data)) as { type: string; data?: { node?: string | null; prompt_id?: string } };
        if (FORWARDED.has(type)) reply({ type: 'ws', message: { type, node: body?.node, promptId: body?.prompt_id }, at: performance.timeOrigin + performance.now() });
      });
      await new Promise<void>((done, fail) => {
        socket!.once('open', () => done());
        socket!.once('error', fail);
      });
      reply({ type: 'listening' });
      return;
    case 'poll': {
      polling = true;
      const samples: Record<string, number[]> = Object.fromEntries(request.probes.map((p) => [p.name, []]));
      while (polling) {
        for (const probe of request.probes) samples[probe.name]!.push((await send(request.url, probe)).ms);
        await new Promise((r) => setTimeout(r, request.gapMs));
      }
      reply({ type: 'samples', samples });
      return;
    }
  }
}
