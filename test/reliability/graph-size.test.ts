/**
 * Big and hostile graphs against the kernel itself: validation stays linear with a bounded
 * report, and every walk (validation, engine pull, cache keys, workflow conversion) is a loop,
 * so chains of 20,000 nodes validate, run and convert instead of overflowing the stack.
 */
import { describe, expect, it } from 'vitest';
import { GraphValidationError, OutputCache, parseApiPrompt, parseWorkflow, runGraph, toApiPrompt, toWorkflow, validateGraph } from '../../sdk/index.js';
import { stableStringify } from '../../sdk/kernel/engine/cache-key.js';
import { createTestKit } from '../support/engine-kit.js';

const CHAIN = 20_000;

/** `test/Value` -> `test/Add` x (n - 2) -> `test/Sink`. */
function chain(n: number): Record<string, unknown> {
  const prompt: Record<string, unknown> = { '0': { class_type: 'test/Value', inputs: { value: 1 } } };
  for (let i = 1; i < n - 1; i++) prompt[String(i)] = { class_type: 'test/Add', inputs: { a: [String(i - 1), 0], offset: 1 } };
  prompt[String(n - 1)] = { class_type: 'test/Sink', inputs: { value: [String(n - 2), 0] } };
  return prompt;
}

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { inner: value };
  return value;
}

describe('a 20,000-node graph', () => {
  it('of unknown types is refused with every problem counted and a bounded message', async () => {
    const kit = await createTestKit();
    const prompt: Record<string, unknown> = {};
    for (let i = 0; i < CHAIN; i++) prompt[String(i)] = { class_type: 'test/Nope', inputs: { x: i ? [String(i - 1), 0] : 1 } };
    const result = validateGraph(parseApiPrompt(prompt).graph, kit.registry, { requireOutputs: true });
    expect(result.graph).toBeUndefined();
    expect(result.problems.filter((p) => p.kind === 'unknown_type')).toHaveLength(CHAIN);
    const error = new GraphValidationError(result.problems);
    expect(error.message).toContain(`graph is invalid (${result.problems.length} problems)`);
    expect(error.message).toContain(`... and ${result.problems.length - 100} more problems`);
    expect(error.message.length).toBeLessThan(20_000);
  });

  it('as one long cycle is reported once, on a node of it', async () => {
    const kit = await createTestKit();
    const prompt = chain(CHAIN);
    (prompt['0'] as { class_type: string; inputs: Record<string, unknown> }) = { class_type: 'test/Add', inputs: { a: [String(CHAIN - 2), 0] } };
    const result = validateGraph(parseApiPrompt(prompt).graph, kit.registry, { requireOutputs: true });
    expect(result.problems.map((p) => p.kind)).toEqual(['cycle']);
  });

  it('as a valid chain validates, runs (with and without the cache) and gives the right sum', async () => {
    const kit = await createTestKit();
    const result = validateGraph(parseApiPrompt(chain(CHAIN)).graph, kit.registry, { requireOutputs: true });
    expect(result.problems).toEqual([]);
    for (const cache of [undefined, new OutputCache()]) {
      const run = await runGraph(result.graph!, cache ? { cache } : {});
      expect(run.error).toBeUndefined();
      expect(run.status).toBe('success');
      expect(kit.sunk.get(String(CHAIN - 1))).toBe(1 + (CHAIN - 2));
    }
  });

  it('as a chain whose first node fails ends with that node\'s error, not a lost run', async () => {
    const kit = await createTestKit();
    const prompt = chain(CHAIN);
    prompt['0'] = { class_type: 'test/Hook', inputs: { tag: 'boom' } };
    kit.hooks.set('boom', () => {
      throw new Error('boom at the start');
    });
    const result = validateGraph(parseApiPrompt(prompt).graph, kit.registry, { requireOutputs: true });
    const run = await runGraph(result.graph!, { cache: new OutputCache() });
    expect(run.status).toBe('error');
    expect(run.error?.message).toContain('boom at the start');
  });

  it('converts to an editor workflow and back', async () => {
    const kit = await createTestKit();
    const { graph } = parseApiPrompt(chain(CHAIN));
    const workflow = toWorkflow(graph, kit.registry);
    expect(workflow.nodes).toHaveLength(CHAIN);
    expect(workflow.nodes.at(-1)!.pos[0]).toBeGreaterThan(workflow.nodes[0]!.pos[0]);
    const back = parseWorkflow(workflow);
    expect(back.problems).toEqual([]);
    expect(validateGraph(back.graph, kit.registry, { requireOutputs: true }).problems).toEqual([]);
  });

  it('past the node limit is one clear problem', async () => {
    const kit = await createTestKit();
    const result = validateGraph(parseApiPrompt(chain(1_000)).graph, kit.registry, { limits: { maxNodes: 500 } });
    expect(result.problems).toEqual([{ kind: 'too_large', message: 'the graph has 1000 nodes; at most 500 are allowed' }]);
  });
});

describe('deep values', () => {
  it('a param nested 2,000 levels deep is an invalid_param naming it', async () => {
    const kit = await createTestKit();
    const { graph } = parseApiPrompt({ '1': { class_type: 'test/Value', inputs: { value: nested(2_000) } }, '2': { class_type: 'test/Sink', inputs: { value: ['1', 0] } } });
    const result = validateGraph(graph, kit.registry);
    expect(result.problems).toEqual([expect.objectContaining({ kind: 'invalid_param', nodeId: '1', field: 'value', message: 'param "value" nests arrays or objects deeper than 64 levels' })]);
  });

  it('stableStringify keys any depth without recursion', async () => {
    expect(stableStringify(nested(50_000)).length).toBeGreaterThan(50_000);
    expect(stableStringify({ b: [1, undefined, { d: 2, c: 1 }], a: new Uint8Array([1]) })).toBe('{"a":"bytes:4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a","b":[1,null,{"c":1,"d":2}]}');
  });
});

describe('names drawn from Object.prototype', () => {
  const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

  it('as node ids: validated, run and written back like any id', async () => {
    const kit = await createTestKit();
    for (const id of names) {
      const prompt = JSON.parse(`{"${id}": {"class_type": "test/Value", "inputs": {"value": 3}}, "sink": {"class_type": "test/Sink", "inputs": {"value": ["${id}", 0]}}}`) as unknown;
      const result = validateGraph(parseApiPrompt(prompt).graph, kit.registry, { requireOutputs: true });
      expect(result.problems, id).toEqual([]);
      const run = await runGraph(result.graph!, { cache: new OutputCache() });
      expect(run.status, id).toBe('success');
      expect(kit.sunk.get('sink')).toBe(3);
      expect(Object.keys(toApiPrompt(result.graph!.source))).toEqual([id, 'sink']);
    }
  });

  it('as input names: unknown inputs or params, never ports of type undefined', async () => {
    const kit = await createTestKit();
    for (const name of names) {
      const prompt = JSON.parse(`{"1": {"class_type": "test/Value", "inputs": {}}, "2": {"class_type": "test/Add", "inputs": {"a": ["1", 0], "${name}": ["1", 0]}}, "3": {"class_type": "test/Add", "inputs": {"a": ["1", 0], "${name}": 5}}, "4": {"class_type": "test/Sink", "inputs": {"value": ["2", 0]}}}`) as unknown;
      const result = validateGraph(parseApiPrompt(prompt).graph, kit.registry, { requireOutputs: true });
      expect(result.problems.map((p) => [p.kind, p.nodeId, p.field]), name).toEqual([
        ['unknown_input', '2', name],
        ['unknown_param', '3', name],
      ]);
      expect(result.problems[0]!.message).toBe(`"${name}" is not an input of test/Add (inputs: a, b)`);
    }
  });
});
