import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { toApiPrompt } from '../graph/api-format.js';
import type { LinkRef } from '../graph/graph.js';
import type { ValidGraph, ValidNode } from '../graph/validate.js';
import type { NodeContext, Workspace } from '../node/node-context.js';
import { cacheKey, uniqueKey } from './cache-key.js';
import { NodeRunError, RunCancelledError, describeCause } from './errors.js';
import type { OutputCache } from './output-cache.js';
import type { RunEvent, RunEventListener, RunStatus } from './run-events.js';
import { TurnSlices } from './turn-slices.js';
import { localWorkspace } from './workspace.js';

type Outputs = Record<string, unknown>;

export interface RunOptions {
  /** Cancels the run: nodes see it as `ctx.signal`; nothing new starts after it fires. */
  readonly signal?: AbortSignal;
  readonly onEvent?: RunEventListener;
  /** Reuse node outputs across runs (pass the same cache to each run). */
  readonly cache?: OutputCache;
  /** Device name given to nodes as `ctx.device`. */
  readonly device?: string;
  readonly workspace?: Workspace;
  /** Node ids whose outputs the run must produce; default: every output node. */
  readonly targets?: readonly string[];
  readonly runId?: string;
  /**
   * What happens to the files output nodes wrote when the run fails or is cancelled: `remove`
   * (default: a run leaves files only when it succeeds, so a failed run never leaves a partial
   * set of outputs that looks complete) or `keep`.
   */
  readonly filesOnFailure?: 'remove' | 'keep';
}

export interface RunResult {
  readonly runId: string;
  readonly status: RunStatus;
  readonly ms: number;
  /** Outputs of the target nodes that finished. */
  readonly values: ReadonlyMap<string, Outputs>;
  /** What output nodes reported for the user (files written, figures), by node id. */
  readonly ui: Readonly<Record<string, Record<string, unknown>>>;
  /** Nodes that ran (not cached), in completion order. */
  readonly executed: readonly string[];
  readonly cached: readonly string[];
  readonly error?: Error;
}

/**
 * Runs a validated graph by pulling the targets' inputs: a node runs only when something that
 * is needed asks for its outputs, each node at most once per run, eager inputs concurrently.
 * Lazy inputs hand `run` a function, so an unchosen branch never runs.
 */
export async function runGraph(graph: ValidGraph, options: RunOptions = {}): Promise<RunResult> {
  return new GraphRun(graph, options).run();
}

class GraphRun {
  readonly #graph: ValidGraph;
  readonly #options: RunOptions;
  readonly #runId: string;
  readonly #stop = new AbortController();
  readonly #outputs = new Map<string, Promise<Outputs>>();
  readonly #keys = new Map<string, Promise<string>>();
  // Null prototype: node ids such as `__proto__` or `constructor` are keys like any other.
  readonly #ui = Object.create(null) as Record<string, Record<string, unknown>>;
  readonly #executed: string[] = [];
  readonly #cached: string[] = [];
  readonly #workspace: Workspace;
  readonly #prompt: Record<string, unknown>;
  #failure: Error | undefined;
  /** Files written through `ctx.workspace.writeOutput`, by node, to remove if the run fails. */
  readonly #written: { nodeId: string; path: string }[] = [];
  /** Node starts share out event-loop turns (see TurnSlices). */
  readonly #slices = new TurnSlices();

  constructor(graph: ValidGraph, options: RunOptions) {
    this.#graph = graph;
    this.#options = options;
    this.#runId = options.runId ?? randomUUID();
    this.#workspace = options.workspace ?? localWorkspace(process.cwd());
    this.#prompt = pinnedPrompt(graph);
  }

  async run(): Promise<RunResult> {
    const started = performance.now();
    const targets = this.#options.targets ?? this.#graph.outputNodes;
    const external = this.#options.signal;
    const onAbort = (): void => this.#stop.abort(new RunCancelledError(external?.reason));
    if (external?.aborted) onAbort();
    else external?.addEventListener('abort', onAbort, { once: true });

    this.#emit({ type: 'run:start', runId: this.#runId, device: this.#options.device ?? 'cpu', nodes: this.#upstreamOf(targets) });
    const values = new Map<string, Outputs>();
    const settled = await Promise.allSettled(targets.map(async (id) => values.set(id, await this.#evaluate(id))));
    // After a failure or a cancel, nodes on other branches may still be running: end after them.
    await this.#settleAll();
    external?.removeEventListener('abort', onAbort);

    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    const error = this.#failure ?? (rejected ? asError(rejected.reason) : undefined);
    const status: RunStatus = !error ? 'success' : error instanceof RunCancelledError ? 'cancelled' : 'error';
    if (status !== 'success' && this.#options.filesOnFailure !== 'keep') await this.#removeWritten();
    const ms = performance.now() - started;
    this.#emit({ type: 'run:end', runId: this.#runId, status, ms, ...(error ? { error: error.message } : {}) });
    return { runId: this.#runId, status, ms, values, ui: this.#ui, executed: this.#executed, cached: this.#cached, ...(error ? { error } : {}) };
  }

  /** Waits until every node execution this run started has settled. */
  async #settleAll(): Promise<void> {
    let count = -1;
    while (count !== this.#outputs.size) {
      count = this.#outputs.size;
      await Promise.allSettled(this.#outputs.values());
    }
  }

  /** Removes the files of output nodes that finished before the run failed, and their ui. */
  async #removeWritten(): Promise<void> {
    const byNode = new Map<string, number>();
    for (const { nodeId, path } of this.#written) {
      await rm(path, { force: true });
      byNode.set(nodeId, (byNode.get(nodeId) ?? 0) + 1);
    }
    for (const [nodeId, count] of byNode) {
      delete this.#ui[nodeId];
      this.#emit({ type: 'node:log', runId: this.#runId, nodeId, level: 'warn', message: `removed the ${count} file${count === 1 ? '' : 's'} this node wrote: the run did not succeed` });
    }
  }

  /** The workspace a node sees: the run's, with its writes recorded (see `filesOnFailure`). */
  #workspaceFor(nodeId: string): Workspace {
    const workspace = this.#workspace;
    return {
      inputDir: workspace.inputDir,
      outputDir: workspace.outputDir,
      resolveInput: (path) => workspace.resolveInput(path),
      resolveOutput: (path) => workspace.resolveOutput(path),
      readInput: (path) => workspace.readInput(path),
      writeOutput: async (path, bytes, options) => {
        const written = await workspace.writeOutput(path, bytes, options);
        this.#written.push({ nodeId, path: written });
        return written;
      },
    };
  }

  #emit(event: RunEvent): void {
    this.#options.onEvent?.(event);
  }

  #evaluate(id: string): Promise<Outputs> {
    let outputs = this.#outputs.get(id);
    if (!outputs) {
      outputs = this.#execute(this.#graph.nodes.get(id)!);
      this.#outputs.set(id, outputs);
    }
    return outputs;
  }

  #throwIfStopped(): void {
    if (this.#stop.signal.aborted) throw this.#failure ?? asError(this.#stop.signal.reason);
  }

  async #execute(node: ValidNode): Promise<Outputs> {
    const { definition } = node;
    const cache = definition.cacheable === false ? undefined : this.#options.cache;
    // Always yield before pulling inputs: each step of the pull then starts in its own microtask,
    // so a chain of 20,000 nodes waits on the heap instead of recursing 20,000 calls deep.
    const key = cache ? await this.#keyOf(node.id) : await undefined;
    this.#throwIfStopped();
    const hit = key ? cache!.get(key) : undefined;
    if (hit) {
      this.#cached.push(node.id);
      // The ui payload the node reported when it ran comes back with its outputs, as in ComfyUI.
      if (hit.ui) this.#ui[node.id] = hit.ui;
      this.#emit({ type: 'node:cached', runId: this.#runId, nodeId: node.id, classType: definition.id, ...(hit.ui ? { ui: hit.ui } : {}) });
      return hit.outputs;
    }

    const inputs: Record<string, unknown> = { ...node.literals };
    const eager: Promise<void>[] = [];
    for (const [name, spec] of Object.entries(definition.inputs)) {
      const link = Object.hasOwn(node.links, name) ? node.links[name] : undefined;
      if (spec.lazy) {
        const literal = inputs[name];
        inputs[name] = link ? () => this.#evaluate(link.node).then((o) => pick(o, link, this.#graph)) : () => Promise.resolve(literal);
      } else if (link) {
        eager.push(this.#evaluate(link.node).then((o) => void (inputs[name] = pick(o, link, this.#graph))));
      }
    }
    await Promise.all(eager);
    this.#throwIfStopped();
    const turn = this.#slices.enter();
    if (turn) {
      await turn;
      this.#throwIfStopped();
    }

    this.#emit({ type: 'node:start', runId: this.#runId, nodeId: node.id, classType: definition.id });
    const started = performance.now();
    let outputs: Outputs;
    try {
      outputs = await definition.run(this.#contextFor(node), inputs, node.params);
      checkOutputs(node, outputs);
    } catch (error) {
      throw this.#fail(node, error);
    }
    const ui = this.#ui[node.id];
    if (key) cache!.set(key, outputs, ui);
    this.#executed.push(node.id);
    this.#emit({ type: 'node:done', runId: this.#runId, nodeId: node.id, classType: definition.id, ms: performance.now() - started, ...(ui ? { ui } : {}) });
    return outputs;
  }

  /** Records the first failure, stops the other branches, and reports it on the node. */
  #fail(node: ValidNode, error: unknown): Error {
    if (this.#stop.signal.aborted && !this.#failure) return asError(this.#stop.signal.reason);
    if (this.#failure) return this.#failure;
    const failure = error instanceof NodeRunError ? error : new NodeRunError(node.id, node.definition.id, asError(error).message, { cause: error });
    this.#failure = failure;
    this.#emit({ type: 'node:error', runId: this.#runId, nodeId: node.id, classType: node.definition.id, message: asError(error).message, ...optional('cause', describeCause(error)) });
    this.#stop.abort(failure);
    return failure;
  }

  #contextFor(node: ValidNode): NodeContext {
    const base = { runId: this.#runId, nodeId: node.id };
    return {
      nodeId: node.id,
      signal: this.#stop.signal,
      device: this.#options.device ?? 'cpu',
      services: this.#graph.services,
      workspace: this.#workspaceFor(node.id),
      graph: { prompt: this.#prompt, ...(this.#graph.source.workflow === undefined ? {} : { workflow: this.#graph.source.workflow }) },
      log: {
        info: (message) => this.#emit({ type: 'node:log', ...base, level: 'info', message }),
        warn: (message) => this.#emit({ type: 'node:log', ...base, level: 'warn', message }),
      },
      progress: (done, total) => this.#emit({ type: 'node:progress', ...base, done, total }),
      preview: (image, details) => this.#emit({ type: 'node:preview', ...base, image, ...(details ? { details } : {}) }),
      ui: (payload) => {
        this.#ui[node.id] = { ...this.#ui[node.id], ...payload };
      },
    };
  }

  /** Content address of a node's outputs; unique (never a hit) if it or anything upstream is not cacheable. */
  #keyOf(id: string): Promise<string> {
    const known = this.#keys.get(id);
    if (known) return known;
    // Upstream keys first, found with an explicit stack (a recursive walk overflows on long
    // chains); nothing is keyed past a node that is not cacheable, since its key is unique
    // whatever lies upstream.
    const linked = (n: string): string[] => {
      const node = this.#graph.nodes.get(n)!;
      return node.definition.cacheable === false ? [] : Object.values(node.links).map((link) => link.node);
    };
    for (const next of postorder(id, linked, (n) => this.#keys.has(n))) this.#keys.set(next, this.#computeKey(this.#graph.nodes.get(next)!));
    return this.#keys.get(id)!;
  }

  async #computeKey(node: ValidNode): Promise<string> {
    const { definition } = node;
    if (definition.cacheable === false) return uniqueKey();
    const upstream: Record<string, readonly [string, number]> = {};
    await Promise.all(Object.entries(node.links).map(async ([name, link]) => void (upstream[name] = [await this.#keyOf(link.node), link.output] as const)));
    if (Object.values(upstream).some(([key]) => key.startsWith('once:'))) return uniqueKey();
    const fingerprint = definition.fingerprint ? await definition.fingerprint(node.params, { workspace: this.#workspace, services: this.#graph.services }) : undefined;
    return cacheKey({ type: definition.id, version: definition.version, params: node.params, literals: node.literals, upstream, ...optional('fingerprint', fingerprint) });
  }

  #upstreamOf(targets: readonly string[]): string[] {
    const seen = new Set<string>();
    const stack = [...targets];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const link of Object.values(this.#graph.nodes.get(id)?.links ?? {})) stack.push(link.node);
    }
    return [...seen];
  }
}

/**
 * `start` and every node it reaches through `next` that `skip` does not exclude, each once,
 * upstream before downstream (depth-first post-order with an explicit stack). The graph is
 * validated, so it has no cycles.
 */
function postorder(start: string, next: (id: string) => readonly string[], skip: (id: string) => boolean): string[] {
  const placed = new Set<string>();
  const entered = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const id = stack[stack.length - 1]!;
    if (!entered.has(id)) {
      entered.add(id);
      for (const upstream of next(id)) if (!entered.has(upstream) && !skip(upstream)) stack.push(upstream);
      continue;
    }
    stack.pop();
    // A node pushed twice (two consumers) is placed when its first copy is done.
    placed.add(id);
  }
  return [...placed];
}

function pick(outputs: Outputs, link: LinkRef, graph: ValidGraph): unknown {
  const name = Object.keys(graph.nodes.get(link.node)!.definition.outputs)[link.output]!;
  return outputs[name];
}

function checkOutputs(node: ValidNode, outputs: Outputs): void {
  if (typeof outputs !== 'object' || outputs === null) throw new Error(`run() must return an object of outputs, got ${typeof outputs}`);
  const missing = Object.keys(node.definition.outputs).filter((name) => !(name in outputs));
  if (missing.length) throw new Error(`run() did not return output${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
}

/** The prompt as validated, with every type pinned to the version that ran (for embedding). */
function pinnedPrompt(graph: ValidGraph): Record<string, unknown> {
  const prompt = toApiPrompt(graph.source);
  for (const [id, node] of graph.nodes) prompt[id]!.class_type = `${node.definition.id}@${node.definition.version}`;
  return prompt;
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
