import type { RunEvent } from '../../sdk/index.js';
import type { HubMessage } from './ws-hub.js';

/**
 * Translates one prompt's engine events into ComfyUI's websocket messages, and keeps the ones
 * ComfyUI stores in the history entry's `status.messages`. Besides ComfyUI's types it sends
 * `exitgraph.node_done` (time per node, with the node's ui payload: MACs, exit taken, compute
 * saved) and `exitgraph.log`; ComfyUI clients ignore types they do not know.
 */
export class ComfyRunReporter {
  /** `[type, data]` pairs for the history entry. */
  readonly messages: [string, Record<string, unknown>][] = [];
  readonly #executed: string[] = [];
  #error: { nodeId: string; classType: string; message: string; cause?: string } | undefined;
  #current: { nodeId: string; classType: string } | undefined;

  constructor(private readonly promptId: string) {}

  /** The messages to send for an event (none for previews: those travel as binary frames). */
  translate(event: RunEvent): HubMessage[] {
    const prompt_id = this.promptId;
    switch (event.type) {
      case 'run:start':
        return [this.#kept('execution_start', { prompt_id, timestamp: Date.now() })];
      case 'node:cached': {
        const cached = this.#kept('execution_cached', { nodes: [event.nodeId], prompt_id, timestamp: Date.now() });
        // A cached node's ui (images, badges) is sent again, so clients show it as after a run.
        return event.ui ? [cached, { type: 'executed', data: { node: event.nodeId, display_node: event.nodeId, output: event.ui, prompt_id } }] : [cached];
      }
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
        if (!event.ui) return [done];
        return [{ type: 'executed', data: { node: event.nodeId, display_node: event.nodeId, output: event.ui, prompt_id } }, done];
      }
      case 'node:error':
        this.#error = { nodeId: event.nodeId, classType: event.classType, message: event.message, ...(event.cause ? { cause: event.cause } : {}) };
        return [];
      case 'run:end':
        return this.#end(event);
    }
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
