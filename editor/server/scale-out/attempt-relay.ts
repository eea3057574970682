import type { Redis } from 'ioredis';
import type { HistoryEntry } from '../prompt-history.js';
import type { HistoryRecorder, RunEventSink } from '../prompt-surfaces.js';
import type { HubMessage } from '../ws-hub.js';
import { EVENTS_CHANNEL } from './keys.js';
import { outputRefs, publishOutputs, removeFiles, withRenamedOutputs } from './output-files.js';
import type { RelayEvent } from './relay-events.js';
import { commitRun } from './run-commit.js';

/**
 * One attempt at one prompt, seen from the prompt runner: a hub and a history that publish to
 * Redis. Progress, previews and plain messages go out at once. Messages naming output files are
 * held back, because the files still sit in the attempt's private folder under provisional
 * names; so is everything after the history entry (the closing messages). `commit` moves the
 * files into the shared output folder, then stores the entry and publishes what was held in one
 * atomic step, unless another attempt of the prompt already ended it.
 */
export class AttemptRelay implements RunEventSink, HistoryRecorder {
  readonly #held: { clientId: string | undefined; message: HubMessage }[] = [];
  #record: { id: string; entry: HistoryEntry } | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly log: (message: string) => void,
  ) {}

  send(clientId: string | undefined, message: HubMessage): void {
    if (this.#record || outputRefs(message.data).length) this.#held.push({ clientId, message });
    else this.#publish({ kind: 'message', ...(clientId ? { clientId } : {}), message });
  }

  sendPreview(clientId: string | undefined, png: Uint8Array, meta: { node_id: string; prompt_id: string }): void {
    this.#publish({ kind: 'preview', ...(clientId ? { clientId } : {}), png: Buffer.from(png).toString('base64'), meta });
  }

  record(id: string, entry: HistoryEntry): void {
    this.#record = { id, entry };
  }

  /**
   * Ends the prompt: returns false when another attempt already had (this attempt's files are
   * removed again then). `attemptDir` is the attempt's output folder, `outputDir` the shared one.
   */
  async commit(attemptDir: string, outputDir: string): Promise<boolean> {
    const record = this.#record;
    if (!record) throw new Error('the prompt runner ended without a history entry');
    const { renamed, paths } = await publishOutputs(outputRefs(record.entry.outputs).concat(this.#held.flatMap((h) => outputRefs(h.message.data))), attemptDir, outputDir);
    const entry = withRenamedOutputs(record.entry, renamed);
    const events: RelayEvent[] = [
      { kind: 'history', id: record.id, entry },
      ...this.#held.map(({ clientId, message }): RelayEvent => ({ kind: 'message', ...(clientId ? { clientId } : {}), message: withRenamedOutputs(message, renamed) })),
    ];
    const committed = await commitRun(this.redis, record.id, JSON.stringify(entry), events.map((e) => JSON.stringify(e)));
    if (!committed) await removeFiles(paths);
    return committed;
  }

  #publish(event: RelayEvent): void {
    this.redis.publish(EVENTS_CHANNEL, JSON.stringify(event)).catch((error: Error) => this.log(`could not publish a run event: ${error.message}`));
  }
}

/**
 * A prompt that ends before it runs (no worker has its nodes, or it does not validate here):
 * its history entry and ComfyUI's closing messages, as a failed run would have them.
 */
export function failedBeforeRun(prompt: { id: string; number: number; prompt: Record<string, unknown>; extraData: Record<string, unknown>; outputs: string[] }, message: string, node?: { id: string; classType: string }): { entry: HistoryEntry; messages: HubMessage[] } {
  const error = {
    prompt_id: prompt.id,
    node_id: node?.id ?? null,
    node_type: node?.classType ?? null,
    executed: [],
    exception_message: message,
    exception_type: 'PromptNotRunnable',
    traceback: [],
    current_inputs: {},
    current_outputs: {},
    timestamp: Date.now(),
  };
  return {
    entry: {
      prompt: [prompt.number, prompt.id, prompt.prompt, prompt.extraData, prompt.outputs],
      outputs: {},
      status: { status_str: 'error', completed: false, messages: [['execution_error', error]] },
      meta: {},
    },
    messages: [
      { type: 'execution_error', data: error },
      { type: 'executing', data: { node: null, display_node: null, prompt_id: prompt.id } },
    ],
  };
}
