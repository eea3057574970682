/**
 * The server-load bench's client, run in a worker thread: a real client lives in another process,
 * so its requests must not wait on the server's event loop (in the bench's own thread a request's
 * answer is only read once the server's thread is free, which times the client, not the server).
 * It polls a list of requests one at a time and times each, or sends one request when asked.
 */
import { parentPort } from 'node:worker_threads';

export interface Probe {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
}

export type PollerRequest =
  | { readonly type: 'poll'; readonly url: string; readonly probes: readonly Probe[]; readonly gapMs: number }
  | { readonly type: 'stop' }
  | { readonly type: 'once'; readonly url: string; readonly probe: Probe };

export type PollerReply =
  | { readonly type: 'samples'; readonly samples: Record<string, number[]> }
  /** `sentAt`: when the request left, as performance.timeOrigin + performance.now() (comparable across threads). */
  | { readonly type: 'once'; readonly ms: number; readonly sentAt: number; readonly answer: unknown };

async function send(url: string, probe: Probe): Promise<{ ms: number; sentAt: number; answer: unknown }> {
  const sentAt = performance.timeOrigin + performance.now();
  const start = performance.now();
  const response = await fetch(`${url}${probe.path}`, { method: probe.method, ...(probe.body !== undefined ? { body: probe.body } : {}) });
  const answer: unknown = await response.json();
  if (!response.ok) throw new Error(`${probe.method} ${probe.path} answered ${response.status}: ${JSON.stringify(answer)}`);
  return { ms: performance.now() - start, sentAt, answer };
}

const port = parentPort;
if (!port) throw new Error('server-poller runs as a worker thread');

let polling = false;
port.on('message', (request: PollerRequest) => {
  void handle(request).catch((error: Error) => {
    // An error in the worker is the bench's failure: rethrown there from the 'error' event.
    setImmediate(() => {
      throw error;
    });
  });
});

async function handle(request: PollerRequest): Promise<void> {
  if (request.type === 'stop') {
    polling = false;
    return;
  }
  if (request.type === 'once') {
    port!.postMessage({ type: 'once', ...(await send(request.url, request.probe)) } satisfies PollerReply);
    return;
  }
  polling = true;
  const samples: Record<string, number[]> = Object.fromEntries(request.probes.map((p) => [p.name, []]));
  while (polling) {
    for (const probe of request.probes) samples[probe.name]!.push((await send(request.url, probe)).ms);
    await new Promise((r) => setTimeout(r, request.gapMs));
  }
  port!.postMessage({ type: 'samples', samples } satisfies PollerReply);
}
