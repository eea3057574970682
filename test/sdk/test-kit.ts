/**
 * Small node types for SDK tests, created fresh per test so that each test sees only its own
 * calls. Every node records its id in `kit.started` when its `run` begins, and `test/Hook` nodes
 * await `kit.hooks[tag]` first, so a test can hold a node mid-run, fail it, or watch ctx.
 */
import {
  NodeRegistry,
  createImage,
  defineNode,
  definePack,
  parseApiPrompt,
  registerPack,
  runGraph,
  validateGraph,
  type NodeContext,
  type RunEvent,
  type RunOptions,
  type RunResult,
  type ValidGraph,
} from '../../sdk/index.js';

export type PromptNodes = Record<string, { class_type: string; inputs?: Record<string, unknown>; _meta?: { title?: string } }>;

export interface TestKit {
  readonly registry: NodeRegistry;
  /** Node ids, in the order their `run` began. */
  readonly started: string[];
  /** Node ids, in the order their `run` returned. */
  readonly finished: string[];
  /** Per `test/Hook` tag: awaited at the start of run. */
  readonly hooks: Map<string, (ctx: NodeContext) => unknown>;
  /** What `test/Sink` nodes received, by node id. */
  readonly sunk: Map<string, unknown>;
  /** Changes the fingerprint `test/Fingerprinted` reports. */
  fingerprint: string;
  /** Parses and validates (throws on problems) an API prompt. */
  graph(prompt: PromptNodes, options?: { requireOutputs?: boolean }): ValidGraph;
  /** Runs a graph, collecting events. */
  run(graph: ValidGraph | PromptNodes, options?: RunOptions): Promise<RunResult & { events: RunEvent[] }>;
}

export function createTestKit(): TestKit {
  const started: string[] = [];
  const finished: string[] = [];
  const hooks = new Map<string, (ctx: NodeContext) => unknown>();
  const sunk = new Map<string, unknown>();
  const kit = { fingerprint: 'v1' } as { fingerprint: string };

  const track = async <T>(ctx: NodeContext, body: () => T | Promise<T>): Promise<T> => {
    started.push(ctx.nodeId);
    const result = await body();
    finished.push(ctx.nodeId);
    return result;
  };

  const value = defineNode({
    id: 'test/Value',
    version: 1,
    title: 'Value',
    category: 'test',
    description: 'A constant number.',
    inputs: {},
    outputs: { value: { type: 'NUMBER' } },
    params: { type: 'object', properties: { value: { type: 'number', default: 1 } } },
    run: (ctx, _inputs, params: { value: number }) => track(ctx, () => ({ value: params.value })),
  });
  const int = defineNode({
    id: 'test/Int',
    version: 1,
    title: 'Int',
    category: 'test',
    description: 'A constant integer.',
    inputs: {},
    outputs: { value: { type: 'INT' } },
    params: { type: 'object', properties: { value: { type: 'integer', default: 2 } } },
    run: (ctx, _inputs, params: { value: number }) => track(ctx, () => ({ value: params.value })),
  });
  const add = defineNode({
    id: 'test/Add',
    version: 1,
    title: 'Add',
    category: 'test',
    description: 'a + b + offset.',
    inputs: { a: { type: 'NUMBER' }, b: { type: 'NUMBER', optional: true } },
    outputs: { sum: { type: 'NUMBER' }, negated: { type: 'NUMBER' } },
    params: {
      type: 'object',
      properties: {
        offset: { type: 'number', minimum: -100, maximum: 100, default: 0 },
        mode: { type: 'string', enum: ['plain', 'abs'], default: 'plain' },
      },
    },
    run: (ctx, inputs, params: { offset: number; mode: string }) =>
      track(ctx, () => {
        const sum = inputs.a + (inputs.b ?? 0) + params.offset;
        const result = params.mode === 'abs' ? Math.abs(sum) : sum;
        return { sum: result, negated: -result };
      }),
  });
  const image = defineNode({
    id: 'test/Image',
    version: 1,
    title: 'Image',
    category: 'test',
    description: 'A 1x1 grey image.',
    inputs: {},
    outputs: { image: { type: 'IMAGE' } },
    params: { type: 'object', properties: { grey: { type: 'number', minimum: 0, maximum: 1, default: 0.5 } } },
    run: (ctx, _inputs, params: { grey: number }) => track(ctx, () => ({ image: createImage(1, 1, 1, new Float32Array([params.grey])) })),
  });
  const volatile = defineNode({
    id: 'test/Volatile',
    version: 1,
    title: 'Volatile',
    category: 'test',
    description: 'Not cacheable (e.g. a random seed).',
    inputs: { a: { type: 'NUMBER', optional: true } },
    outputs: { value: { type: 'NUMBER' } },
    params: { type: 'object', properties: { value: { type: 'number', default: 7 } } },
    cacheable: false,
    run: (ctx, inputs, params: { value: number }) => track(ctx, () => ({ value: (inputs.a ?? 0) + params.value })),
  });
  const fingerprinted = defineNode({
    id: 'test/Fingerprinted',
    version: 1,
    title: 'Fingerprinted',
    category: 'test',
    description: 'Depends on state outside the graph.',
    inputs: {},
    outputs: { value: { type: 'NUMBER' } },
    params: { type: 'object', properties: {} },
    fingerprint: () => kit.fingerprint,
    run: (ctx) => track(ctx, () => ({ value: kit.fingerprint.length })),
  });
  const pick = defineNode({
    id: 'test/Pick',
    version: 1,
    title: 'Pick',
    category: 'test',
    description: 'A lazy switch: only the chosen input is computed.',
    inputs: { use_a: { type: 'BOOLEAN' }, a: { type: 'NUMBER', lazy: true }, b: { type: 'NUMBER', lazy: true } },
    outputs: { value: { type: 'NUMBER' } },
    params: { type: 'object', properties: {} },
    run: (ctx, inputs) => track(ctx, async () => ({ value: await (inputs.use_a ? inputs.a() : inputs.b()) })),
  });
  const hook = defineNode({
    id: 'test/Hook',
    version: 1,
    title: 'Hook',
    category: 'test',
    description: 'Awaits the test hook named by "tag", then passes in + 1 on.',
    inputs: { in: { type: 'NUMBER', optional: true }, also: { type: 'NUMBER', optional: true } },
    outputs: { value: { type: 'NUMBER' } },
    params: { type: 'object', properties: { tag: { type: 'string', default: '' } } },
    run: (ctx, inputs, params: { tag: string }) =>
      track(ctx, async () => {
        await hooks.get(params.tag)?.(ctx);
        return { value: (inputs.in ?? 0) + (inputs.also ?? 0) + 1 };
      }),
  });
  const sink = defineNode({
    id: 'test/Sink',
    version: 1,
    title: 'Sink',
    category: 'test',
    description: 'An output node that keeps what it gets.',
    inputs: { value: { type: '*' } },
    outputs: {},
    params: { type: 'object', properties: {} },
    output: true,
    cacheable: false,
    run: (ctx, inputs) =>
      track(ctx, () => {
        sunk.set(ctx.nodeId, inputs.value);
        return {};
      }),
  });

  const registry = new NodeRegistry();
  registerPack(definePack({ name: 'test', nodes: [value, int, add, image, volatile, fingerprinted, pick, hook, sink] }), registry);

  const graph = (prompt: PromptNodes, options: { requireOutputs?: boolean } = {}): ValidGraph => {
    const parsed = parseApiPrompt(prompt);
    const result = validateGraph(parsed.graph, registry, options);
    const problems = [...parsed.problems, ...result.problems];
    if (problems.length || !result.graph) throw new Error(`test graph is invalid: ${JSON.stringify(problems)}`);
    return result.graph;
  };

  return Object.assign(kit, {
    registry,
    started,
    finished,
    hooks,
    sunk,
    graph,
    run: async (input: ValidGraph | PromptNodes, options: RunOptions = {}) => {
      const valid = 'nodes' in input && input.nodes instanceof Map ? (input as ValidGraph) : graph(input as PromptNodes);
      const events: RunEvent[] = [];
      const result = await runGraph(valid, {
        ...options,
        onEvent: (event) => {
          events.push(event);
          options.onEvent?.(event);
        },
      });
      return { ...result, events };
    },
  });
}

/**
 * Resolves once `count` parties have arrived; `arrive` returns that shared promise. So that a
 * sequential engine fails the test instead of hanging it, a party that waits through `patience`
 * event-loop turns without the others arriving gets a rejection (no clocks involved).
 */
export function barrier(count: number, patience = 500): { arrive: (who: string) => Promise<void>; arrived: string[] } {
  const arrived: string[] = [];
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  let done = false;
  void all.then(() => (done = true));
  const giveUp = async (who: string): Promise<never> => {
    for (let turn = 0; turn < patience && !done; turn++) await new Promise((resolve) => setImmediate(resolve));
    if (done) return new Promise<never>(() => {});
    throw new Error(`${who} waited ${patience} event-loop turns and only ${arrived.join(', ')} had started`);
  };
  return {
    arrived,
    arrive: (who) => {
      arrived.push(who);
      if (arrived.length === count) release();
      return Promise.race([all, giveUp(who)]);
    },
  };
}

/** A promise with its resolve function, to hold a node mid-run until the test lets it go. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolves when the signal aborts (for nodes that honour cancellation). */
export function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export function eventTypes(events: readonly RunEvent[], nodeId?: string): string[] {
  return events.filter((e) => nodeId === undefined || ('nodeId' in e && e.nodeId === nodeId)).map((e) => e.type);
}
