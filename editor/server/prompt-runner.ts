import { dirname, sep } from 'node:path';
import { encodePng, runGraph, type Host, type RunEvent, type RunOptions, type ValidGraph, type Workspace } from '../../sdk/index.js';
import { ComfyRunReporter, comfyOutput } from './comfy-messages.js';
import type { HistoryEntry } from './prompt-history.js';
import type { HistoryRecorder, RunEventSink } from './prompt-surfaces.js';
import type { QueueEntry } from './prompt-queue.js';
import type { HubMessage } from './ws-hub.js';

/** A validated prompt waiting in the queue. */
export interface QueuedPrompt extends QueueEntry {
  /** The prompt as ComfyUI lists it in `/queue` and `/history` (API format). */
  readonly prompt: Record<string, unknown>;
  readonly extraData: Record<string, unknown>;
  /** Output node ids: what the run produces. */
  readonly outputs: string[];
  /** Websocket client that queued it; its messages go there (everyone when absent). */
  readonly clientId?: string;
  readonly graph: ValidGraph;
}

export interface PromptRunnerDeps {
  readonly host: Host;
  readonly hub: RunEventSink;
  readonly history: HistoryRecorder;
  readonly workspace: Workspace;
  readonly device: string;
  readonly log: (message: string) => void;
}

/**
 * Runs one queued prompt through the shared host (one registry, one output cache across
 * prompts), streams its events to the websocket, and records it in the history. A failing node
 * ends its prompt with `execution_error`; nothing here throws.
 */
export function promptRunner(deps: PromptRunnerDeps): (entry: QueuedPrompt, signal: AbortSignal) => Promise<void> {
  // Node errors go to clients: name files relative to the workspace, never by server paths.
  const root = dirname(deps.workspace.inputDir);
  return async (entry, signal) => {
    const isOutputNode = (id: string): boolean => entry.graph.nodes.get(id)?.definition.output === true;
    const reporter = new ComfyRunReporter(entry.id, isOutputNode);
    // Previews are encoded one after another, so they reach clients in the order the node made
    // them (a generator's exits, cheapest first); the run's end waits for the last.
    let previews: Promise<void> = Promise.resolve();
    // The closing messages (success/error, then `executing` with node null) go out only once the
    // history entry exists: ComfyUI clients read /history as soon as they see them.
    const closing: HubMessage[] = [];
    const options: RunOptions = {
      signal,
      cache: deps.host.cache,
      device: deps.device,
      workspace: deps.workspace,
      runId: entry.id,
      onEvent: (event) => {
        if (event.type === 'node:preview') {
          const { image, nodeId, details } = event;
          previews = previews.then(() =>
            encodePng(image)
              .then((png) => {
                // What the frame shows goes just before it: ComfyUI clients ignore the type.
                if (details) deps.hub.send(entry.clientId, { type: 'exitgraph.preview', data: { prompt_id: entry.id, node: nodeId, ...details } });
                deps.hub.sendPreview(entry.clientId, png, { node_id: nodeId, prompt_id: entry.id });
              })
              .catch((error: Error) => deps.log(`preview of node ${nodeId} could not be encoded: ${error.message}`)),
          );
        }
        const messages = reporter.translate(withoutServerPaths(event, root));
        if (event.type === 'run:end') closing.push(...messages);
        else for (const message of messages) deps.hub.send(entry.clientId, message);
        // One turn after the start the engine has found the cached nodes it can find without I/O.
        if (event.type === 'run:start') setImmediate(() => reporter.release().forEach((message) => deps.hub.send(entry.clientId, message)));
      },
    };
    // runGraph reports node failures in its result; should it throw anyway, the prompt still
    // ends with execution_error and a history entry instead of being lost.
    const result = await runGraph(entry.graph, options).catch((error: unknown) => {
      deps.log(`prompt ${entry.id} failed outside its nodes: ${(error as Error)?.stack ?? String(error)}`);
      const message = error instanceof Error ? error.message : String(error);
      options.onEvent?.({ type: 'run:end', runId: entry.id, status: 'error', ms: 0, error: message });
      return { status: 'error' as const, ui: {} as Record<string, Record<string, unknown>> };
    });
    await previews;
    // As ComfyUI's history: what output nodes showed; other nodes' ui went out as exitgraph.node_done.
    const outputs = Object.fromEntries(
      Object.entries(result.ui).flatMap(([id, ui]) => {
        const output = comfyOutput(isOutputNode(id), ui);
        return output ? [[id, output]] : [];
      }),
    );
    const record: HistoryEntry = {
      prompt: [entry.number, entry.id, entry.prompt, entry.extraData, entry.outputs],
      outputs,
      status: { status_str: result.status === 'success' ? 'success' : 'error', completed: result.status === 'success', messages: reporter.messages },
      meta: Object.fromEntries(Object.keys(outputs).map((id) => [id, { node_id: id, display_node: id, parent_node: null, real_node_id: id }])),
    };
    deps.history.record(entry.id, record);
    for (const message of closing) deps.hub.send(entry.clientId, message);
  };
}

/**
 * The history entry of a prompt deleted from the queue before it ran (exitgraph's own: ComfyUI
 * keeps none), so a client polling `/history/<id>` learns that it will not run.
 */
export function removedEntry(entry: QueuedPrompt, reason: string): HistoryEntry {
  const data = { prompt_id: entry.id, node_id: null, node_type: null, executed: [], reason, timestamp: Date.now() };
  return {
    prompt: [entry.number, entry.id, entry.prompt, entry.extraData, entry.outputs],
    outputs: {},
    status: { status_str: 'error', completed: false, messages: [['execution_interrupted', data]] },
    meta: {},
  };
}

/** The event with the workspace root cut out of its error texts (`<root>/output/x` -> `output/x`). */
function withoutServerPaths(event: RunEvent, root: string): RunEvent {
  const strip = (text: string): string => text.split(`${root}${sep}`).join('').split(root).join('<workspace>');
  if (event.type === 'node:error') return { ...event, message: strip(event.message), ...(event.cause === undefined ? {} : { cause: strip(event.cause) }) };
  if (event.type === 'run:end' && event.error !== undefined) return { ...event, error: strip(event.error) };
  return event;
}
