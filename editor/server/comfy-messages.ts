import type { RunEvent } from '../../sdk/index.js';
import type { HubMessage } from './ws-hub.js';

/**
 * What ComfyUI reports as a node's output in `executed` and in the history's `outputs`: only
 * output nodes, and only their list-valued ui entries (`images`, `text`, ...), as ComfyUI's ui
 * dicts hold lists. Undefined when there is nothing to report.
 */
export function comfyOutput(isOutputNode: boolean, ui: Record<string, unknown> | undefined): Record<string, unknown[]> | undefined {
  if (!isOutputNode || !ui) return undefined;
  const lists = Object.entries(ui).filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]));
  return lists.length ? Object.fromEntries(lists) : undefined;
}

/**
 * Translates one prompt's engine events into ComfyUI's websocket messages, in ComfyUI's order:
 * `execution_start`, one `execution_cached` with the list of cached nodes, then per node
 * `executing`, `progress`, and `executed` for output nodes with ui output, and at the end
 * `execution_success` (or `execution_error` / `execution_interrupted`) and `executing` with node
 * null. It keeps the messages ComfyUI stores in the history entry's `status.messages`.
 *
 * exitgraph's own data travels in its own types, which ComfyUI clients ignore:
 * `exitgraph.node_done` (time per node with the node's whole ui payload: estimator numbers, exit
 * taken, MACs, compute saved), `exitgraph.node_cached` (the ui of a cached node) and `exitgraph.log`.
 */
export class ComfyRunReporter {
  /** `[type, data]` pairs for the history entry. */
  readonly messages: [string, Record<string, unknown>][] = [];
  readonly #executed: string[] = [];
  /** Cached nodes seen before any node started: sent as one `execution_cached`, as ComfyUI does. */
  #cachedBatch: string[] | undefined;
  /** Ui messages of the cached nodes in that batch, sent right after it. */
  readonly #pendingUi: HubMessage[] = [];
  #error: { nodeId: string; classType: string; message: string; cause?: string } | undefined;
  #current: { nodeId: string; classType: string } | undefined;

  constructor(
    private readonly promptId: string,
    /** Whether a node id is an output node of the prompt (only those get `executed`). */
    private readonly isOutputNode: (nodeId: string) => boolean = () => true,
  ) {}

  /** The messages to send for an event (none for previews: those travel as binary frames). */
  translate(event: RunEvent): HubMessage[] {
    const prompt_id = this.promptId;
    switch (event.type) {
      case 'run:start':
        this.#cachedBatch = [];
        return [this.#kept('execution_start', { prompt_id, timestamp: Date.now() })];
      case 'node:cached': {
        const shown = this.#cachedUi(event.nodeId, event.ui);
        // The engine finds cached nodes as it pulls; those found before anything ran go out as
        // one list. One found later (behind a node that had to run) gets a list of its own.
        if (this.#cachedBatch) {
          this.#cachedBatch.push(event.nodeId);
          this.#pendingUi.push(...shown);
          return [];
        }
        return [this.#kept('execution_cached', { nodes: [event.nodeId], prompt_id, timestamp: Date.now() }), ...shown];
      }
      case 'node:start':
        this.#current = { nodeId: event.nodeId, classType: event.classType };
        return [...this.#flushCached(), { type: 'executing', data: { node: event.nodeId, display_node: event.nodeId, prompt_id } }];
      case 'node:progress':
        return [{ type: 'progress', data: { value: event.done, max: event.total, prompt_id, node: event.nodeId } }];
      case 'node:log':
        return [{ type: 'exitgraph.log', data: { node: event.nodeId, level: event.level, message: event.message, prompt_id } }];
      case 'node:preview':
        return [];
      case 'node:done': {
        this.#executed.push(event.nodeId);
        const done: HubMessage = { type: 'exitgraph.node_done', data: { node: event.nodeId, class_type: event.classType, ms: event.ms, prompt_id, ...(event.ui ? { ui: event.ui } : {}) } };
        const output = comfyOutput(this.isOutputNode(event.nodeId), event.ui);
        if (!output) return [done];
        return [{ type: 'executed', data: { node: event.nodeId, display_node: event.nodeId, output, prompt_id } }, done];
      }
      case 'node:error':
        this.#error = { nodeId: event.nodeId, classType: event.classType, message: event.message, ...(event.cause ? { cause: event.cause } : {}) };
        return [];
      case 'run:end':
        return [...this.#flushCached(), ...this.#end(event)];
    }
  }

  /** A cached node's ui again, so clients show it as after a run: `executed` for output nodes, exitgraph's own type for all. */
  #cachedUi(nodeId: string, ui: Record<string, unknown> | undefined): HubMessage[] {
    if (!ui) return [];
    const prompt_id = this.promptId;
    const own: HubMessage = { type: 'exitgraph.node_cached', data: { node: nodeId, ui, prompt_id } };
    const output = comfyOutput(this.isOutputNode(nodeId), ui);
    return output ? [{ type: 'executed', data: { node: nodeId, display_node: nodeId, output, prompt_id } }, own] : [own];
  }

  #flushCached(): HubMessage[] {
    const batch = this.#cachedBatch;
    if (!batch) return [];
    this.#cachedBatch = undefined;
    const cached = this.#kept('execution_cached', { nodes: batch, prompt_id: this.promptId, timestamp: Date.now() });
    return [cached, ...this.#pendingUi.splice(0)];
  }

  #end(event: Extract<RunEvent, { type: 'run:end' }>): HubMessage[] {
    const prompt_id = this.promptId;
    const timestamp = Date.now();
    const last: HubMessage = { type: 'executing', data: { node: null, display_node: null, prompt_id } };
    if (event.status === 'success') return [this.#kept('execution_success', { prompt_id, timestamp }), last];
    if (event.status === 'cancelled') {
      return [this.#kept('execution_interrupted', { prompt_id, node_id: this.#current?.nodeId ?? null, node_type: this.#current?.classType ?? null, executed: [...this.#executed], timestamp }), last];
    }
    const failed = this.#error;
    return [
      this.#kept('execution_error', {
        prompt_id,
        node_id: failed?.nodeId ?? null,
        node_type: failed?.classType ?? null,
        executed: [...this.#executed],
        exception_message: failed?.message ?? event.error ?? 'the run failed',
        exception_type: 'NodeRunError',
        traceback: failed?.cause ? failed.cause.split('\n') : [],
        current_inputs: {},
        current_outputs: {},
        timestamp,
      }),
      last,
    ];
  }

  #kept(type: string, data: Record<string, unknown>): HubMessage {
    this.messages.push([type, data]);
    return { type, data };
  }
}
