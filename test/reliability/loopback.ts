/**
 * A real server on loopback with exitgraph's built-in nodes, and a raw HTTP client (node:http)
 * that can send what browsers and fetch refuse to: any Host header, broken multipart, odd bytes.
 */
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHost, type HostOptions } from '../../sdk/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { startServer, type RunningServer, type ServerOptions } from '../../editor/server/index.js';

export interface Loopback {
  readonly server: RunningServer;
  readonly url: string;
  readonly port: number;
  readonly workspace: string;
  /** What the server logged (internal errors land here). */
  readonly log: string[];
  stop(): Promise<void>;
}

export async function startLoopback(options: Partial<ServerOptions> = {}, hostOptions: Omit<HostOptions, 'builtins'> = {}): Promise<Loopback> {
  const workspace = await mkdtemp(join(tmpdir(), 'exitgraph-reliability-'));
  const host = await createHost({ ...hostOptions, builtins: builtinPacks });
  const log: string[] = [];
  const server = await startServer({ host, port: 0, workspace, log: (m) => log.push(m), ...options });
  return {
    server,
    url: server.url,
    port: server.port,
    workspace,
    log,
    stop: async () => {
      await server.close();
      await host.close();
      await rm(workspace, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly bytes: number;
  json(): any;
}

export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Default 30 s: a server that hangs fails the test instead of stalling it. */
  readonly timeoutMs?: number;
}

/** One request on a fresh connection, exactly as given (Host defaults to the server's address). */
export function raw(server: { port: number }, req: RawRequest): Promise<RawResponse> {
  return new Promise((done, fail) => {
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
    const headers: Record<string, string> = { host: `127.0.0.1:${server.port}`, connection: 'close', ...(body ? { 'content-length': String(body.length) } : {}), ...req.headers };
    const outgoing = request({ host: '127.0.0.1', port: server.port, method: req.method ?? 'GET', path: req.path, headers, agent: false, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        done({ status: res.statusCode ?? 0, headers: res.headers, text, bytes: Buffer.concat(chunks).length, json: () => JSON.parse(text) });
      });
      res.on('error', fail);
    });
    outgoing.setTimeout(req.timeoutMs ?? 30_000, () => outgoing.destroy(new Error(`no answer to ${req.method ?? 'GET'} ${req.path} within ${req.timeoutMs ?? 30_000} ms`)));
    outgoing.on('error', fail);
    outgoing.end(body);
  });
}

export function postPrompt(server: { port: number }, prompt: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return raw(server, { method: 'POST', path: '/prompt', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ prompt }) });
}

/** Polls `/history/<id>` until the prompt has an entry. */
export async function historyOf(server: { port: number }, id: string, timeoutMs = 60_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await raw(server, { path: `/history/${id}` });
    const entry = res.json()[id];
    if (entry) return entry;
    if (Date.now() > until) throw new Error(`prompt ${id} has no history entry after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** PaintedLabelMap (empty, 2x2) -> ResizeLabelMap x (n - 4) -> ColorizeLabelMap -> PreviewImage. */
export function labelChain(n: number, ids: (i: number) => string = String): Record<string, unknown> {
  // Null prototype, so that an id `__proto__` is a key when the prompt is sent.
  const prompt = Object.create(null) as Record<string, unknown>;
  prompt[ids(0)] = { class_type: 'exitgraph/PaintedLabelMap', inputs: { width: 2, height: 2 } };
  for (let i = 1; i < n - 2; i++) prompt[ids(i)] = { class_type: 'exitgraph/ResizeLabelMap', inputs: { label_map: [ids(i - 1), 0], width: 2, height: 2 } };
  prompt[ids(n - 2)] = { class_type: 'exitgraph/ColorizeLabelMap', inputs: { label_map: [ids(n - 3), 0] } };
  prompt[ids(n - 1)] = { class_type: 'exitgraph/PreviewImage', inputs: { image: [ids(n - 2), 0] } };
  return prompt;
}
