import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Refusal } from './access.js';

/** A JSON message as ComfyUI sends them: `{ type, data }`. */
export interface HubMessage {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** ComfyUI's binary event types (first 4 bytes, big-endian). */
const BINARY_PREVIEW_IMAGE = 1;
const BINARY_PREVIEW_IMAGE_WITH_METADATA = 4;
const PREVIEW_FORMAT_PNG = 2;

interface Client {
  readonly socket: WebSocket;
  readonly id: string;
  /** Set by the client's `feature_flags` message (ComfyUI's protocol for metadata previews). */
  previewMetadata: boolean;
}

export interface WsHubOptions {
  /** Why an upgrade request may not connect (the same access check as HTTP), or undefined. */
  readonly refuse: (req: IncomingMessage) => Refusal | undefined;
  /** Sent to each client as it connects (ComfyUI sends `status` with the client's `sid`). */
  readonly greeting: (clientId: string) => HubMessage[];
}

/**
 * The `/ws` endpoint: one socket per browser tab or client, addressed by `clientId` (the client
 * picks it with `?clientId=`, as ComfyUI clients do, or gets a fresh one). Messages for a prompt
 * go to the client that queued it, or to everyone when it gave no id.
 */
export class WsHub {
  readonly #server = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  readonly #clients = new Map<string, Set<Client>>();

  constructor(private readonly options: WsHubOptions) {}

  attach(http: Server): void {
    http.on('upgrade', (req, socket, head) => this.#upgrade(req, socket, head));
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return refuse(socket, 404, 'Not Found');
    const refusal = this.options.refuse(req);
    if (refusal) return refuse(socket, refusal.status, refusal.status === 401 ? 'Unauthorized' : refusal.status === 403 ? 'Forbidden' : 'Bad Request', refusal.message);
    this.#server.handleUpgrade(req, socket, head, (ws) => {
      const requested = url.searchParams.get('clientId') ?? '';
      // Any printable id a client picks is kept (ComfyUI clients use uuids, `name.host`, ...).
      const id = /^[\w.:@~-]{1,200}$/.test(requested) ? requested : randomUUID().replace(/-/g, '');
      this.#connect({ socket: ws, id, previewMetadata: false });
    });
  }

  #connect(client: Client): void {
    const set = this.#clients.get(client.id) ?? new Set<Client>();
    set.add(client);
    this.#clients.set(client.id, set);
    client.socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      try {
        const message = JSON.parse(String(data)) as { type?: unknown; data?: { supports_preview_metadata?: unknown } };
        if (message.type === 'feature_flags') client.previewMetadata = message.data?.supports_preview_metadata === true;
      } catch {
        // Clients may send anything; only feature flags mean something here.
      }
    });
    client.socket.on('close', () => {
      set.delete(client);
      if (!set.size && this.#clients.get(client.id) === set) this.#clients.delete(client.id);
    });
    client.socket.on('error', () => client.socket.terminate());
    for (const message of this.options.greeting(client.id)) sendJson(client, message);
  }

  /** Sends to the sockets of `clientId`, or to every socket when it is undefined. */
  send(clientId: string | undefined, message: HubMessage): void {
    for (const client of this.#targets(clientId)) sendJson(client, message);
  }

  /** A preview image (PNG) for a node, as ComfyUI's binary frames. */
  sendPreview(clientId: string | undefined, png: Uint8Array, meta: { node_id: string; prompt_id: string }): void {
    for (const client of this.#targets(clientId)) {
      if (client.socket.readyState !== client.socket.OPEN) continue;
      if (client.previewMetadata) {
        const json = Buffer.from(JSON.stringify({ ...meta, display_node_id: meta.node_id, real_node_id: meta.node_id, parent_node_id: null, image_type: 'image/png' }));
        const header = Buffer.alloc(8);
        header.writeUInt32BE(BINARY_PREVIEW_IMAGE_WITH_METADATA, 0);
        header.writeUInt32BE(json.length, 4);
        client.socket.send(Buffer.concat([header, json, png]));
      } else {
        const header = Buffer.alloc(8);
        header.writeUInt32BE(BINARY_PREVIEW_IMAGE, 0);
        header.writeUInt32BE(PREVIEW_FORMAT_PNG, 4);
        client.socket.send(Buffer.concat([header, png]));
      }
    }
  }

  get size(): number {
    let n = 0;
    for (const set of this.#clients.values()) n += set.size;
    return n;
  }

  close(): void {
    for (const set of this.#clients.values()) for (const client of set) client.socket.terminate();
    this.#clients.clear();
    this.#server.close();
  }

  #targets(clientId: string | undefined): Client[] {
    if (clientId === undefined) return [...this.#clients.values()].flatMap((set) => [...set]);
    return [...(this.#clients.get(clientId) ?? [])];
  }
}

function sendJson(client: Client, message: HubMessage): void {
  if (client.socket.readyState === client.socket.OPEN) client.socket.send(JSON.stringify(message));
}

function refuse(socket: Duplex, status: number, text: string, message = ''): void {
  const body = message ? JSON.stringify({ error: { message } }) : '';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
