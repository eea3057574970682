/**
 * exitgraph's own engine test nodes and a kit around them, on a host made by exitgraph/testing.
 * The nodes are created fresh per kit so that each test sees only its own calls: every node
 * records its id in `kit.started` when its `run` begins, and `test/Hook` nodes await
 * `kit.hooks[tag]` first, so a test can hold a node mid-run, fail it, or watch ctx.
 */
import { onTestFinished } from 'vitest';
import { createImage, defineNode, definePack, type NodeContext, type NodePack } from '../../sdk/index.js';
import { createTestHost, type TestHost } from '../../sdk/testing/index.js';

export type PromptNodes = Record<string, { class_type: string; inputs?: Record<string, unknown>; _meta?: { title?: string } }>;

export interface TestKit extends TestHost {
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
}

/** A test host with the engine test pack (and the early-exit layer), closed when the test ends. */
export async function createTestKit(): Promise<TestKit> {
  const started: string[] = [];
  const finished: string[] = [];
  const hooks = new Map<string, (ctx: NodeContext) => unknown>();
  const sunk = new Map<string, unknown>();
  const state = { fingerprint: 'v1' };
  const host = await createTestHost({ packs: [engineTestPack({ started, finished, hooks, sunk, state })] });
  onTestFinished(() => host.close());
  // The host's own properties (workspace is a getter) stay live; the kit adds its records.
  return Object.defineProperties(host, {
    started: { value: started },
    finished: { value: finished },
    hooks: { value: hooks },
    sunk: { value: sunk },
    fingerprint: { get: () => state.fingerprint, set: (value: string) => void (state.fingerprint = value), enumerable: true },
  }) as TestKit;
}

interface Records {
  readonly started: string[];
  readonly finished: string[];
  readonly hooks: Map<string, (ctx: NodeContext) => unknown>;
  readonly sunk: Map<string, unknown>;
  readonly state: { fingerprint: string };
}

/** test/Value, Int, Add, Image, Volatile, Fingerprinted, Pick, Hook and Sink, recording into `records`. */
function engineTestPack({ started, finished, hooks, sunk, state }: Records): NodePack {
  const kit = state;
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

  return definePack({ name: 'test', nodes: [value, int, add, image, volatile, fingerprinted, pick, hook, sink] });
}
