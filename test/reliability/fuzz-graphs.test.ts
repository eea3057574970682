/**
 * Property-based graphs (fast-check): random types, links, cycles, sizes and names drawn from
 * Object.prototype, against validation and the engine directly and against a server on
 * loopback. Whatever the graph: no throw, no 500, no hang; every problem names its node and a
 * known kind; the server still answers afterwards.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputCache, parseApiPrompt, parseGraph, runGraph, toWorkflow, validateGraph, type GraphProblemKind } from '../../sdk/index.js';
import { createTestKit } from '../support/engine-kit.js';
import { historyOf, postPrompt, raw, startLoopback, type Loopback } from './loopback.js';

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);
const KINDS: readonly GraphProblemKind[] = ['invalid_format', 'unknown_type', 'missing_input', 'unknown_input', 'type_mismatch', 'dangling_link', 'cycle', 'invalid_param', 'unknown_param', 'no_outputs', 'too_large'];

/** Node ids: small numbers (so links often hit), prototype names, anything. */
const nodeId = fc.oneof(fc.integer({ min: 0, max: 12 }).map(String), fc.constantFrom(...PROTOTYPE_NAMES), fc.string({ maxLength: 6 }));
const inputName = (ports: readonly string[]) => fc.oneof(fc.constantFrom(...ports), fc.constantFrom(...PROTOTYPE_NAMES), fc.string({ maxLength: 6 }));
/** A literal: any JSON, sometimes deeply nested, or a link `[id, output]`. */
const value = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(nodeId, fc.integer({ min: -1, max: 3 })) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 300 }).map((depth) => Array.from({ length: depth }).reduce<unknown>((inner) => ({ inner }), 1)) },
);

function promptOf(types: readonly string[], ports: readonly string[]) {
  const node = fc.record(
    {
      class_type: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...types) }, { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }),
      inputs: fc.dictionary(inputName(ports), value, { maxKeys: 4 }),
    },
    { requiredKeys: ['class_type'] },
  );
  // fc.dictionary builds keys with defineProperty, so `__proto__` is an own key like in JSON.
  return fc.dictionary(nodeId, fc.oneof({ weight: 8, arbitrary: node }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }), { maxKeys: 14 });
}

describe('random graphs against the kernel', () => {
  const ports = ['a', 'b', 'value', 'use_a', 'offset', 'mode', 'tag', 'in', 'also', 'grey'];

  it('validate, convert and run without throwing; problems name known kinds and real nodes', async () => {
    const kit = await createTestKit();
    const types = kit.registry.list().map((r) => r.definition.id);
    await fc.assert(
      fc.asyncProperty(promptOf(types, ports), async (prompt) => {
        // Through JSON, as every real graph arrives.
        const parsed = parseGraph(JSON.parse(JSON.stringify(prompt)));
        const result = validateGraph(parsed.graph, kit.registry, { requireOutputs: true });
        for (const problem of [...parsed.problems, ...result.problems]) {
          expect(KINDS).toContain(problem.kind);
          expect(typeof problem.message).toBe('string');
          if (problem.nodeId !== undefined) expect(parsed.graph.nodes.has(problem.nodeId) || Object.hasOwn(prompt, problem.nodeId)).toBe(true);
        }
        expect(toWorkflow(parsed.graph, kit.registry).nodes).toHaveLength(parsed.graph.nodes.size);
        if (result.graph) {
          const run = await runGraph(result.graph, { cache: new OutputCache() });
          expect(['success', 'error']).toContain(run.status);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('random long chains with random back links: cycles found, others run', async () => {
    const kit = await createTestKit();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 3_000 }), fc.option(fc.tuple(fc.nat(), fc.nat())), async (n, back) => {
        const prompt: Record<string, unknown> = { '0': { class_type: 'test/Value', inputs: {} } };
        for (let i = 1; i < n; i++) prompt[String(i)] = { class_type: 'test/Add', inputs: { a: [String(i - 1), 0] } };
        prompt.sink = { class_type: 'test/Sink', inputs: { value: [String(n - 1), 0] } };
        if (back) {
          const [from, to] = [back[0] % n, back[1] % n];
          if (from > 0) (prompt[String(Math.min(from, to) || 1)] as { inputs: Record<string, unknown> }).inputs.b = [String(Math.max(from, to)), 0];
        }
        const result = validateGraph(parseApiPrompt(prompt).graph, kit.registry, { requireOutputs: true });
        const cyclic = result.problems.some((p) => p.kind === 'cycle');
        expect(result.problems.every((p) => p.kind === 'cycle')).toBe(true);
        if (!cyclic) expect((await runGraph(result.graph!)).status).toBe('success');
      }),
      { numRuns: 30 },
    );
  });
});

describe('random graphs against a server on loopback', () => {
  let server: Loopback;
  beforeAll(async () => {
    server = await startLoopback();
  });
  afterAll(async () => server?.stop());

  it('POST /prompt answers 200 or 400, never 500; accepted prompts end in the history', async () => {
    // Cheap built-in nodes only: accepted prompts must finish quickly.
    const types = ['exitgraph/PaintedLabelMap', 'exitgraph/ColorizeLabelMap', 'exitgraph/PreviewImage', 'exitgraph/Number', 'exitgraph/Math', 'exitgraph/String', 'exitgraph/Boolean', 'exitgraph/SwitchImage'];
    const ports = ['label_map', 'image', 'a', 'b', 'value', 'operation', 'width', 'height', 'classes', 'map'];
    await fc.assert(
      fc.asyncProperty(promptOf(types, ports), async (prompt) => {
        const answer = await postPrompt(server, prompt);
        expect([200, 400], answer.text.slice(0, 300)).toContain(answer.status);
        const body = answer.json();
        if (answer.status === 200) {
          const entry = await historyOf(server, body.prompt_id, 20_000);
          expect(['success', 'error']).toContain(entry.status.status_str);
        } else {
          for (const [id, errors] of Object.entries(body.node_errors ?? {}) as [string, { errors: { message: string }[] }][]) {
            expect(Object.hasOwn(prompt, id), id).toBe(true);
            expect(errors.errors.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 150 },
    );
    expect((await raw(server, { path: '/system_stats' })).status).toBe(200);
    expect(server.log.filter((line) => line.startsWith('internal error'))).toEqual([]);
  });
});
