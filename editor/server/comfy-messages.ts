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
  /** Messages held back since `run:start` (undefined once released). */
  #held: HubMessage[] | undefined;
  /** Cached nodes found while holding: sent as one `execution_cached`, as ComfyUI does. */
  readonly #cachedBatch: string[] = [];
  /** Ui messages of the cached nodes in that batch, sent right after it. */
  readonly #cachedUi: HubMessage[] = [];
  #error: { nodeId: string; classType: string; message: string; cause?: string } | undefined;
  #current: { nodeId: string; classType: string } | undefined;

  constructor(
    private readonly promptId: string,
    /** Whether a node id is an output node of the prompt (only those get `executed`). */
    private readonly isOutputNode: (nodeId: string) => boolean = () => true,
  ) {}

  /**
   * The messages to send for an event (none for previews: those travel as binary frames). From
   * `run:start` until `release()`, messages are held back, so that the cached nodes found
   * meanwhile go out first as one `execution_cached`, as ComfyUI sends it.
   */
  translate(event: RunEvent): HubMessage[] {
    if (event.type === 'run:start') {
      this.#held = [];
      return [this.#kept('execution_start', { prompt_id: this.promptId, timestamp: Date.now() })];
    }
    if (event.type === 'run:end') return [...this.release(), ...this.#end(event)];
    if (event.type === 'node:cached' && this.#held) {
      this.#cachedBatch.push(event.nodeId);
      this.#cachedUi.push(...this.#uiOfCached(event.nodeId, event.ui));
      return [];
    }
    const messages = this.#messagesFor(event);
    if (!this.#held) return messages;
    this.#held.push(...messages);
    return [];
  }

  /**
   * Ends the holding: one `execution_cached` with every cached node found so far (possibly none),
   * their ui, then what was held back. The engine finds cached nodes as it pulls, which takes no
   * I/O for most nodes: the prompt runner releases one event-loop turn after the start. A cached
   * node found later (behind a file read) gets an `execution_cached` of its own.
   */
  release(): HubMessage[] {
    const held = this.#held;
    if (!held) return [];
    this.#held = undefined;
    const cached = this.#kept('execution_cached', { nodes: this.#cachedBatch.splice(0), prompt_id: this.promptId, timestamp: Date.now() });
    return [cached, ...this.#cachedUi.splice(0), ...held];
  }

  #messagesFor(event: Exclude<RunEvent, { type: 'run:start' | 'run:end' }>): HubMessage[] {
    const prompt_id = this.promptId;
    switch (event.type) {
      case 'node:cached':
        return [this.#kept('execution_cached', { nodes: [event.nodeId], prompt_id, timestamp: Date.now() }), ...this.#uiOfCached(event.nodeId, event.ui)];
      case 'node:start':
        this.#current = { nodeId: event.nodeId, classType: event.classType };
        return [{ type: 'executing', data: { node: event.nodeId, display_node: event.nodeId, prompt_id } }];
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
    }
  }

  /** A cached node's ui again, so clients show it as after a run: `executed` for output nodes, exitgraph's own type for all. */
  #uiOfCached(nodeId: string, ui: Record<string, unknown> | undefined): HubMessage[] {
    if (!ui) return [];
    const prompt_id = this.promptId;
    const own: HubMessage = { type: 'exitgraph.node_cached', data: { node: nodeId, ui, prompt_id } };
    const output = comfyOutput(this.isOutputNode(nodeId), ui);
    return output ? [{ type: 'executed', data: { node: nodeId, display_node: nodeId, output, prompt_id } }, own] : [own];
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
