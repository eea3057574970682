import type { LGraph } from '@comfyorg/litegraph';
import { api, type PromptRejection, type SavedImage } from './api.js';
import { ExitgraphNode } from './exitgraph-node.js';
import { readStats } from './run-state.js';

interface Message {
  type: string;
  data: Record<string, unknown>;
}

/** What a live preview shows, from the server's `exitgraph.preview` (e.g. a generator's exit and the planned one). */
export type PreviewDetails = Record<string, unknown>;

/** A live preview as it arrived: the node, the image (an object URL), its details when sent. */
export interface LivePreview {
  readonly nodeId: string;
  readonly promptId: string | undefined;
  readonly url: string;
  readonly details: PreviewDetails | undefined;
}

export interface ExecutionEvents {
  /** Queue length and connection state, for the status bar. */
  status(text: string): void;
  /** A prompt finished: `success`, `error` or `interrupted`, with a message. */
  finished(promptId: string, outcome: 'success' | 'error' | 'interrupted', message?: string): void;
}

/**
 * Follows the server's websocket (ComfyUI's protocol) and shows each node's state on the canvas:
 * queued, executing with progress, cached, done with time and the ui stats, failed with the
 * error, and images (from `executed` via /view, and live previews from binary frames).
 */
export class ExecutionTracker {
  readonly clientId = `editor-${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
  #socket: WebSocket | undefined;
  #executing: string | undefined;
  #succeeded = false;
  #queueRemaining = 0;
  #connected = false;
  #retry = 500;
  #closed = false;
  /** Details announced by `exitgraph.preview`, waiting for their frame, by node id. */
  readonly #previewDetails = new Map<string, PreviewDetails>();
  readonly #previewListeners = new Set<(preview: LivePreview) => void>();
  readonly #messageListeners = new Set<(type: string, data: Record<string, unknown>) => void>();

  constructor(
    private readonly graph: () => LGraph,
    private readonly events: ExecutionEvents,
  ) {}

  connect(): void {
    const url = new URL(`/ws?clientId=${this.clientId}`, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    socket.onopen = () => {
      this.#connected = true;
      this.#retry = 500;
      socket.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
      this.#status();
    };
    socket.onclose = () => {
      this.#connected = false;
      this.#status();
      if (this.#closed) return;
      setTimeout(() => this.connect(), this.#retry);
      this.#retry = Math.min(this.#retry * 2, 10_000);
    };
    socket.onmessage = (event) => {
      if (event.data instanceof ArrayBuffer) this.#binary(event.data);
      else this.#message(JSON.parse(String(event.data)) as Message);
    };
  }

  /** Calls `listener` with every live preview frame; returns the unsubscribe. */
  onPreview(listener: (preview: LivePreview) => void): () => void {
    this.#previewListeners.add(listener);
    return () => this.#previewListeners.delete(listener);
  }

  /** Calls `listener` with every JSON message from the server; returns the unsubscribe. */
  onMessage(listener: (type: string, data: Record<string, unknown>) => void): () => void {
    this.#messageListeners.add(listener);
    return () => this.#messageListeners.delete(listener);
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Marks the nodes of a freshly queued prompt. */
  queued(): void {
    for (const node of this.#nodes()) {
      node.setRunState({ phase: 'queued', progress: undefined, error: undefined, ms: undefined, macs: undefined, exit: undefined, saved: undefined });
    }
  }

  /** Shows a 400's `node_errors` on the nodes they are about. */
  rejected(rejection: PromptRejection): void {
    for (const node of this.#nodes()) node.setRunState({ phase: 'idle', error: undefined });
    for (const [id, entry] of Object.entries(rejection.node_errors ?? {})) {
      this.#node(id)?.setRunState({ phase: 'error', error: entry.errors.map((e) => e.message).join('\n') });
    }
  }

  #message(message: Message): void {
    const data = message.data;
    const node = typeof data.node === 'string' ? this.#node(data.node) : undefined;
    for (const listener of this.#messageListeners) listener(message.type, data);
    switch (message.type) {
      case 'exitgraph.preview':
        // The frame it describes comes next.
        if (typeof data.node === 'string') this.#previewDetails.set(data.node, data);
        break;
      case 'status': {
        const info = (data.status as { exec_info?: { queue_remaining?: number } } | undefined)?.exec_info;
        this.#queueRemaining = info?.queue_remaining ?? 0;
        this.#status();
        break;
      }
      case 'execution_start':
        this.#executing = undefined;
        this.#succeeded = false;
        break;
      case 'execution_cached':
        for (const id of (data.nodes as string[]) ?? []) this.#node(id)?.setRunState({ phase: 'cached', progress: undefined });
        break;
      case 'executing':
        if (data.node === null) {
          this.#executing = undefined;
          // The engine pulls from the outputs: upstream of a cached node nothing runs or reports.
          // After a success those nodes' results were reused, so they show as cached.
          for (const n of this.#nodes()) {
            if (n.runState.phase === 'queued') n.setRunState({ phase: this.#succeeded ? 'cached' : 'idle' });
            else if (n.runState.phase === 'executing') n.setRunState({ phase: 'idle', progress: undefined });
          }
        } else if (node) {
          this.#executing = String(data.node);
          node.setRunState({ phase: 'executing', progress: 0 });
        }
        break;
      case 'progress':
        node?.setRunState({ phase: 'executing', progress: Number(data.value) / Math.max(1, Number(data.max)) });
        break;
      case 'executed': {
        const output = (data.output ?? {}) as { images?: SavedImage[] };
        if (node && Array.isArray(output.images)) void this.#showImages(node, output.images.map((image) => api.viewUrl(image)));
        break;
      }
      case 'exitgraph.node_cached':
        node?.setRunState({ phase: 'cached', ...readStats(data.ui as Record<string, unknown> | undefined) });
        break;
      case 'exitgraph.node_done':
        node?.setRunState({ phase: 'done', progress: undefined, ms: Number(data.ms), ...readStats(data.ui as Record<string, unknown> | undefined) });
        break;
      case 'execution_error': {
        const failed = typeof data.node_id === 'string' ? this.#node(data.node_id) : undefined;
        failed?.setRunState({ phase: 'error', error: String(data.exception_message ?? 'failed') });
        this.events.finished(String(data.prompt_id), 'error', `${data.node_type ?? 'a node'} (#${data.node_id}) failed: ${data.exception_message}`);
        break;
      }
      case 'execution_interrupted': {
        const stopped = typeof data.node_id === 'string' ? this.#node(data.node_id) : undefined;
        stopped?.setRunState({ phase: 'idle', progress: undefined });
        this.events.finished(String(data.prompt_id), 'interrupted', 'interrupted');
        break;
      }
      case 'execution_success':
        this.#succeeded = true;
        this.events.finished(String(data.prompt_id), 'success');
        break;
    }
  }

  /** ComfyUI binary frames: 1 = preview (for the executing node), 4 = preview with metadata. */
  #binary(buffer: ArrayBuffer): void {
    const view = new DataView(buffer);
    const type = view.getUint32(0);
    let nodeId = this.#executing;
    let promptId: string | undefined;
    let mime = 'image/png';
    let start = 8;
    if (type === 4) {
      const length = view.getUint32(4);
      const meta = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, length))) as { node_id?: string; prompt_id?: string; image_type?: string };
      nodeId = meta.node_id;
      promptId = meta.prompt_id;
      mime = meta.image_type ?? mime;
      start = 8 + length;
    } else if (type === 1) {
      mime = view.getUint32(4) === 1 ? 'image/jpeg' : 'image/png';
    } else {
      return;
    }
    if (!nodeId) return;
    const details = this.#previewDetails.get(nodeId);
    this.#previewDetails.delete(nodeId);
    const node = this.#node(nodeId);
    const url = URL.createObjectURL(new Blob([new Uint8Array(buffer, start)], { type: mime }));
    for (const listener of this.#previewListeners) listener({ nodeId, promptId, url, details });
    if (node) void this.#showImages(node, [url]);
  }

  async #showImages(node: ExitgraphNode, urls: string[]): Promise<void> {
    const images = await Promise.all(
      urls.map(
        (url) =>
          new Promise<HTMLImageElement>((done, fail) => {
            const img = new Image();
            img.onload = () => done(img);
            img.onerror = () => fail(new Error(`could not load ${url}`));
            img.src = url;
          }),
      ),
    ).catch(() => [] as HTMLImageElement[]);
    if (images.length) node.showImages(images);
  }

  #node(id: string): ExitgraphNode | undefined {
    const node = this.graph().getNodeById(/^\d+$/.test(id) ? Number(id) : id);
    return node instanceof ExitgraphNode ? node : undefined;
  }

  #nodes(): ExitgraphNode[] {
    return this.graph().nodes.filter((n): n is ExitgraphNode => n instanceof ExitgraphNode);
  }

  #status(): void {
    this.events.status(this.#connected ? `queue: ${this.#queueRemaining}` : 'disconnected, reconnecting…');
  }

  close(): void {
    this.#closed = true;
    this.#socket?.close();
  }
}
