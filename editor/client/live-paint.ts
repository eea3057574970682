/**
 * Live painting: while the painter is open, each stroke queues the graph with live previews on
 * for a generator fed by the painting. The generator renders its cheapest exit at once and sends
 * it as a preview, then escalates in the same run (reusing the segments computed) exit by exit
 * to the planned one, each exit refining the image beside the painter. A new stroke interrupts
 * the run of the last one, so while you paint you see cheap exits, and when you pause the run
 * reaches the planned exit. The badge says which exit is shown and which is planned.
 */
import type { LGraph, LGraphNode } from '@comfyorg/litegraph';
import { api } from './api.js';
import type { ExecutionTracker, LivePreview } from './execution.js';
import { ExitgraphNode } from './exitgraph-node.js';
import { exitLabel } from './hud.js';

/** The param a node offers live previews with (the Semantic Map Generator's `previews`). */
const PREVIEWS_PARAM = 'previews';

/** One stroke's run, from the stroke to its last preview. */
export interface LiveTiming {
  /** The prompt queued for the stroke (once the server answered). */
  promptId?: string;
  /** Milliseconds from the stroke's end to the first preview shown, and to the planned exit's. */
  firstMs?: number;
  finalMs?: number;
  /** The exits those were ("exit0", "full", ...). */
  firstExit?: string;
  finalExit?: string;
  planned?: string;
}

export interface LivePaintDeps {
  readonly graph: LGraph;
  readonly tracker: ExecutionTracker;
  /** The workflow as it is now (the painting included). */
  serialize(): unknown;
  /** Ids of the prompts live painting queued: the editor does not toast their interruptions. */
  readonly prompts: Set<string>;
}

/** The first node downstream of `source` that offers live previews, if any. */
export function liveTarget(graph: LGraph, source: LGraphNode): ExitgraphNode | undefined {
  const seen = new Set<number | string>([source.id]);
  const queue: LGraphNode[] = [source];
  while (queue.length) {
    const node = queue.shift()!;
    for (const output of node.outputs ?? []) {
      for (const linkId of output.links ?? []) {
        const link = graph.getLink(linkId);
        const next = link ? graph.getNodeById(link.target_id) : undefined;
        if (!next || seen.has(next.id)) continue;
        seen.add(next.id);
        if (next instanceof ExitgraphNode && next.definition.params.properties[PREVIEWS_PARAM]?.type === 'boolean') return next;
        queue.push(next);
      }
    }
  }
  return undefined;
}

/**
 * The live pane beside the painter and the runs behind it. `stroke()` after each stroke (the
 * painting already in the graph); `close()` when the painter closes.
 */
export class LivePaint {
  readonly pane: HTMLElement;
  readonly timings: LiveTiming[] = [];
  readonly #image: HTMLImageElement;
  readonly #badge: HTMLElement;
  readonly #timing: HTMLElement;
  readonly #toggle: HTMLInputElement;
  /** Prompts of earlier strokes: their previews are stale. */
  readonly #superseded = new Set<string>();
  /** Prompts of this painter still queued or running. */
  readonly #active = new Set<string>();
  readonly #unsubscribe: (() => void)[] = [];
  /** The current stroke's run and when the stroke ended. */
  #current: { timing: LiveTiming; start: number } | undefined;
  #open = true;

  constructor(
    private readonly deps: LivePaintDeps,
    private readonly target: ExitgraphNode,
  ) {
    this.#toggle = Object.assign(document.createElement('input'), { type: 'checkbox', checked: true, id: 'painter-live-toggle' });
    const label = document.createElement('label');
    label.append(this.#toggle, ` live: ${target.title} (#${target.id})`);
    this.#image = Object.assign(document.createElement('img'), { id: 'painter-live-image', alt: 'live output' });
    this.#badge = Object.assign(document.createElement('div'), { id: 'painter-live-badge', className: 'live-badge', textContent: 'paint a stroke to render' });
    this.#timing = Object.assign(document.createElement('div'), { id: 'painter-live-timing', className: 'live-timing' });
    this.pane = Object.assign(document.createElement('div'), { id: 'painter-live', className: 'painter-live' });
    this.pane.append(label, this.#image, this.#badge, this.#timing);
    this.#unsubscribe.push(
      deps.tracker.onPreview((preview) => void this.#show(preview)),
      deps.tracker.onMessage((type, data) => {
        if (type === 'execution_success' || type === 'execution_error' || type === 'execution_interrupted') this.#active.delete(String(data.prompt_id));
      }),
    );
  }

  get enabled(): boolean {
    return this.#toggle.checked;
  }

  /** After a stroke: stop the last stroke's run and queue this one's with previews on. */
  async stroke(): Promise<void> {
    if (!this.enabled || !this.#open) return;
    const timing: LiveTiming = {};
    this.timings.push(timing);
    this.#current = { timing, start: performance.now() };
    const stale = [...this.#active];
    for (const id of stale) this.#superseded.add(id);
    this.#active.clear();
    // Pending ones leave the queue; the running one (at most one) is interrupted.
    if (stale.length) await Promise.all([api.deleteFromQueue(stale), ...stale.map((id) => api.interruptPrompt(id))]).catch(() => undefined);
    const workflow = withPreviews(this.deps.serialize(), this.target.id);
    this.deps.tracker.queued();
    const { prompt_id } = await api.queuePrompt(workflow, this.deps.tracker.clientId);
    this.deps.prompts.add(prompt_id);
    timing.promptId = prompt_id;
    if (this.#current?.timing === timing && this.#open) return void this.#active.add(prompt_id);
    // A later stroke (or closing) came while this one was being queued: it is stale already.
    this.#superseded.add(prompt_id);
    await Promise.all([api.deleteFromQueue([prompt_id]), api.interruptPrompt(prompt_id)]).catch(() => undefined);
  }

  async #show(preview: LivePreview): Promise<void> {
    const current = this.#current;
    if (String(preview.nodeId) !== String(this.target.id) || !current) return;
    if (preview.promptId !== undefined && (this.#superseded.has(preview.promptId) || (current.timing.promptId !== undefined && current.timing.promptId !== preview.promptId))) return;
    const d = preview.details ?? {};
    const of = typeof d.of === 'number' ? d.of : undefined;
    const shown = exitLabel(str(d.exit_name), num(d.exit), of) ?? 'output';
    const planned = exitLabel(str(d.planned_name), num(d.planned), of);
    const final = d.final === true;
    this.#image.src = preview.url;
    await this.#image.decode().catch(() => undefined);
    if (this.#current !== current) return;
    const ms = performance.now() - current.start;
    const { timing } = current;
    if (timing.firstMs === undefined) Object.assign(timing, { firstMs: ms, firstExit: shown });
    if (final) Object.assign(timing, { finalMs: ms, finalExit: shown });
    if (planned) timing.planned = planned;
    const index = num(d.exit);
    this.#badge.textContent = `${shown === 'full' ? 'full' : `${shown}${of !== undefined ? ` of ${of}` : ''}`}${planned ? ` · planned ${planned}` : ''}${final ? ' · done' : ' · refining…'}`;
    Object.assign(this.#badge.dataset, { exit: shown, planned: planned ?? '', final: String(final), index: String(index ?? '') });
    this.#timing.textContent = `first preview ${Math.round(timing.firstMs!)} ms${timing.finalMs !== undefined ? ` · ${timing.finalExit} ${Math.round(timing.finalMs)} ms` : ''}`;
  }

  /** The painter closed: stop listening (the last stroke's run finishes and shows on the nodes). */
  close(): void {
    this.#open = false;
    for (const off of this.#unsubscribe) off();
  }
}

/** The workflow with live previews on for node `id` (the graph itself is left as the user set it). */
function withPreviews(workflow: unknown, id: number | string): unknown {
  const copy = structuredClone(workflow) as { nodes: { id: number | string; properties?: { params?: Record<string, unknown> } }[] };
  const node = copy.nodes.find((n) => String(n.id) === String(id));
  if (node) node.properties = { ...node.properties, params: { ...node.properties?.params, [PREVIEWS_PARAM]: true } };
  return copy;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
