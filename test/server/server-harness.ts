/** Starts a real server on loopback with a fresh workspace, and talks to it like a client. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createTestHost } from '../../sdk/testing/index.js';
import { startServer, type RunningServer, type ServerOptions } from '../../editor/server/index.js';
import { testPack } from './test-pack.js';

export interface Harness {
  readonly server: RunningServer;
  readonly url: string;
  readonly workspace: string;
  stop(): Promise<void>;
}

export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<Harness> {
  const workspace = await mkdtemp(join(tmpdir(), 'exitgraph-server-'));
  // Only the test pack, as before: no early-exit port types in /object_info.
  const host = await createTestHost({ builtins: [testPack], earlyExit: false });
  const server = await startServer({ host, port: 0, workspace, log: () => {}, ...options });
  return {
    server,
    url: server.url,
    workspace,
    stop: async () => {
      await server.close();
      await host.close();
      await rm(workspace, { recursive: true, force: true });
    },
  };
}

export interface WsMessage {
  type: string;
  data: Record<string, unknown>;
}

/** A websocket client that records every JSON message and binary frame. */
export class WsRecorder {
  readonly messages: WsMessage[] = [];
  readonly binary: Buffer[] = [];
  readonly #waiters: { test: (m: WsMessage) => boolean; done: (m: WsMessage) => void }[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        this.binary.push(data as Buffer);
        return;
      }
      const message = JSON.parse(String(data)) as WsMessage;
      this.messages.push(message);
      for (const waiter of [...this.#waiters]) {
        if (waiter.test(message)) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.done(message);
        }
      }
    });
  }

  static async connect(url: string, clientId: string, headers: Record<string, string> = {}): Promise<WsRecorder> {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?clientId=${clientId}`, { headers });
    const recorder = new WsRecorder(socket);
    await new Promise<void>((done, fail) => {
      socket.once('open', () => done());
      socket.once('error', fail);
    });
    return recorder;
  }

  /** Resolves with the first message (already received or future) that passes `test`. */
  next(test: (m: WsMessage) => boolean, timeoutMs = 20_000): Promise<WsMessage> {
    const seen = this.messages.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no matching websocket message within ${timeoutMs} ms; got ${this.messages.map((m) => m.type).join(', ')}`)), timeoutMs);
      this.#waiters.push({ test, done: (m) => (clearTimeout(timer), done(m)) });
    });
  }

  close(): void {
    this.socket.close();
  }
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

/** Solid colour -> save, as a ComfyUI API prompt. */
export function solidPrompt(rgb: [number, number, number], prefix = 'test', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '1': { class_type: 'test/Solid', inputs: { r: rgb[0], g: rgb[1], b: rgb[2], width: 8, height: 8 } },
    '2': { class_type: 'test/Save', inputs: { image: ['1', 0], filename_prefix: prefix } },
    ...extra,
  };
}
