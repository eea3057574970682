import { describe, expect, it } from 'vitest';
import {
  GraphValidationError,
  defineNode,
  definePack,
  formatProblem,
  parseApiPrompt,
  registerPack,
  validateGraph,
  type GraphProblem,
} from '../../sdk/index.js';
import { createTestKit, type PromptNodes } from '../support/engine-kit.js';

async function check(prompt: PromptNodes | unknown, options: { requireOutputs?: boolean } = { requireOutputs: true }) {
  const kit = await createTestKit();
  const parsed = parseApiPrompt(prompt);
  const result = validateGraph(parsed.graph, kit.registry, options);
  return { problems: [...parsed.problems, ...result.problems], graph: result.graph, kit };
}

/** The problems as `[kind, nodeId, field]`, for compact expectations. */
const summary = (problems: readonly GraphProblem[]) => problems.map((p) => [p.kind, p.nodeId, p.field]);

describe('validation: one kind at a time', () => {
  it('accepts a valid graph and applies param defaults (ajv useDefaults)', async () => {
    const { problems, graph } = await check({
      '1': { class_type: 'test/Value' },
      '2': { class_type: 'test/Add', inputs: { a: ['1', 0], offset: 2 } },
      '3': { class_type: 'test/Sink', inputs: { value: ['2', 0] } },
    });
    expect(problems).toEqual([]);
    expect(graph!.nodes.get('1')!.params).toEqual({ value: 1 });
    expect(graph!.nodes.get('2')!.params).toEqual({ offset: 2, mode: 'plain' });
    expect(graph!.nodes.get('2')!.links).toEqual({ a: { node: '1', output: 0 } });
    expect(graph!.outputNodes).toEqual(['3']);
  });

  it('does not change the params object of the graph it validates', async () => {
    const kit = await createTestKit();
    const { graph } = parseApiPrompt({ '1': { class_type: 'test/Value', inputs: {} }, '2': { class_type: 'test/Sink', inputs: { value: ['1', 0] } } });
    validateGraph(graph, kit.registry);
    expect(graph.nodes.get('1')!.inputs).toEqual({});
  });

  it('unknown type, with a did-you-mean hint', async () => {
    const { problems } = await check({
      '1': { class_type: 'test/Valeu' },
      '2': { class_type: 'Add' },
      '3': { class_type: 'test/Sink', inputs: { value: ['1', 0] } },
    });
    expect(summary(problems)).toEqual([
      ['unknown_type', '1', undefined],
      ['unknown_type', '2', undefined],
    ]);
    expect(problems[0]!.message).toBe('unknown node type "test/Valeu"');
    expect(problems[1]!.message).toContain('did you mean test/Add?');
  });

  it('suggests the right type for a misspelt or unnamespaced id', async () => {
    const kit = await createTestKit();
    expect(kit.registry.suggest('test/Valu')).toContain('test/Value');
    expect(kit.registry.suggest('Sink@3')).toEqual(['test/Sink']);
    // Typos within a small edit distance.
    expect(kit.registry.suggest('test/Sinc')).toEqual(['test/Sink']);
    expect(kit.registry.suggest('test/Fingerprnted')).toEqual(['test/Fingerprinted']);
    expect(kit.registry.suggest('test/Zebra')).toEqual([]);
  });

  it('unknown version pin is an unknown type; a known pin resolves', async () => {
    const { problems, graph } = await check({
      '1': { class_type: 'test/Value@1' },
      '2': { class_type: 'test/Sink@1', inputs: { value: ['1', 0] } },
    });
    expect(problems).toEqual([]);
    expect(graph!.nodes.get('1')!.definition.id).toBe('test/Value');
    const bad = await check({ '1': { class_type: 'test/Value@9' }, '2': { class_type: 'test/Sink', inputs: { value: ['1', 0] } } });
    expect(summary(bad.problems)).toEqual([['unknown_type', '1', undefined]]);
    expect(bad.problems[0]!.message).toContain('did you mean test/Value?');
  });

  it('missing required input (optional inputs may stay empty)', async () => {
    const { problems } = await check({
      '1': { class_type: 'test/Add', inputs: {} },
      '2': { class_type: 'test/Sink', inputs: { value: ['1', 0] } },
      '3': { class_type: 'test/Sink' },
    });
    expect(summary(problems)).toEqual([
      ['missing_input', '1', 'a'],
      ['missing_input', '3', 'value'],
    ]);
    expect(problems[0]!.message).toBe('required input "a" (NUMBER) is not connected');
  });

  it('unknown input (a link into a port the node does not have)', async () => {
    const { problems } = await check({
      '1': { class_type: 'test/Value' },
      '2': { class_type: 'test/Add', inputs: { a: ['1', 0], c: ['1', 0] } },
      '3': { class_type: 'test/Sink', inputs: { value: ['2', 0] } },
    });
    expect(summary(problems)).toEqual([['unknown_input', '2', 'c']]);
    expect(problems[0]!.message).toContain('inputs: a, b');
  });

  it('link type mismatch, honouring accepts (INT -> NUMBER allowed, IMAGE -> NUMBER and NUMBER -> INT refused)', async () => {
    const kit = await createTestKit();
    const takesInt = defineNode({
      id: 'test/TakesInt',
      version: 1,
      title: 'Takes Int',
      category: 'test',
      description: '',
      inputs: { n: { type: 'INT' } },
      outputs: { n: { type: 'INT' } },
      params: { type: 'object', properties: {} },
      run: (_ctx, inputs) => ({ n: inputs.n }),
    });
    registerPack(definePack({ name: 'more', nodes: [takesInt] }), kit.registry);
    const { graph } = parseApiPrompt({
      '1': { class_type: 'test/Int' },
      '2': { class_type: 'test/Add', inputs: { a: ['1', 0] } },
      '3': { class_type: 'test/Image' },
      '4': { class_type: 'test/Add', inputs: { a: ['3', 0] } },
      '5': { class_type: 'test/TakesInt', inputs: { n: ['2', 0] } },
      '6': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
      '7': { class_type: 'test/Sink', inputs: { value: ['5', 0] } },
    });
    const { problems } = validateGraph(graph, kit.registry);
    expect(summary(problems)).toEqual([
      ['type_mismatch', '4', 'a'],
      ['type_mismatch', '5', 'n'],
    ]);
    expect(problems[0]!.message).toBe('input "a" expects NUMBER but node 3 output "image" gives IMAGE');
    // The wildcard input of Sink takes anything.
    expect(kit.registry.ports.canLink('INT', 'NUMBER')).toBe(true);
    expect(kit.registry.ports.canLink('NUMBER', 'INT')).toBe(false);
    expect(kit.registry.ports.canLink('IMAGE', '*')).toBe(true);
  });

  it('literal values on ports: converted when the type allows, refused on link-only ports', async () => {
    const { problems, graph } = await check({
      '1': { class_type: 'test/Add', inputs: { a: 1.5, b: 2 } },
      '2': { class_type: 'test/Sink', inputs: { value: ['1', 0] } },
    });
    expect(problems).toEqual([]);
    expect(graph!.nodes.get('1')!.literals).toEqual({ a: 1.5, b: 2 });

    const bad = await check({
      '1': { class_type: 'test/Add', inputs: { a: 'seven' } },
      '2': { class_type: 'test/Sink', inputs: { value: 'not a link' } },
      '3': { class_type: 'test/Pick', inputs: { use_a: 'yes', a: 1, b: 2 } },
      '4': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
    });
    expect(summary(bad.problems)).toEqual([
      ['type_mismatch', '1', 'a'],
      ['type_mismatch', '2', 'value'],
      ['type_mismatch', '3', 'use_a'],
    ]);
    expect(bad.problems[0]!.message).toBe('input "a" (NUMBER): expected a number, got "seven"');
    expect(bad.problems[1]!.message).toContain('must be linked to a node output');
  });

  it('dangling link: to a node that is not in the graph, and to an output index that does not exist', async () => {
    const { problems } = await check({
      '1': { class_type: 'test/Value' },
      '2': { class_type: 'test/Add', inputs: { a: ['99', 0] } },
      '3': { class_type: 'test/Add', inputs: { a: ['1', 3] } },
      '4': { class_type: 'test/Sink', inputs: { value: ['2', 0] } },
      '5': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
    });
    expect(summary(problems)).toEqual([
      ['dangling_link', '2', 'a'],
      ['dangling_link', '3', 'a'],
    ]);
    expect(problems[0]!.message).toBe('input "a" links to node 99, which is not in the graph');
    expect(problems[1]!.message).toBe('input "a" links to output 3 of node 1 (test/Value), which has 1 output');
  });

  it('cycle, reported with its path (and a self-loop)', async () => {
    const { problems } = await check({
      '1': { class_type: 'test/Add', inputs: { a: ['3', 0] } },
      '2': { class_type: 'test/Add', inputs: { a: ['1', 0] } },
      '3': { class_type: 'test/Add', inputs: { a: ['2', 0] } },
      '4': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
      '5': { class_type: 'test/Add', inputs: { a: ['5', 0] } },
    });
    expect(summary(problems)).toEqual([
      ['cycle', '1', undefined],
      ['cycle', '5', undefined],
    ]);
    expect(problems[0]!.message).toBe('cycle: 1 <- 3 <- 2 <- 1');
    expect(problems[1]!.message).toBe('cycle: 5 <- 5');
  });

  it('param schema violations: type, minimum, maximum, enum, and a missing required param', async () => {
    const kit = await createTestKit();
    const needs = defineNode({
      id: 'test/Needs',
      version: 1,
      title: 'Needs',
      category: 'test',
      description: '',
      inputs: {},
      outputs: { value: { type: 'NUMBER' } },
      params: { type: 'object', properties: { path: { type: 'string', minLength: 1 } }, required: ['path'] },
      output: true,
      run: () => ({ value: 0 }),
    });
    registerPack(definePack({ name: 'more', nodes: [needs] }), kit.registry);
    const { graph } = parseApiPrompt({
      '1': { class_type: 'test/Add', inputs: { a: 1, offset: 'ten' } },
      '2': { class_type: 'test/Add', inputs: { a: 1, offset: -101 } },
      '3': { class_type: 'test/Add', inputs: { a: 1, offset: 101, mode: 'loud' } },
      '4': { class_type: 'test/Needs' },
      '5': { class_type: 'test/Needs', inputs: { path: '' } },
    });
    const { problems } = validateGraph(graph, kit.registry, { requireOutputs: true });
    expect(summary(problems)).toEqual([
      ['invalid_param', '1', 'offset'],
      ['invalid_param', '2', 'offset'],
      ['invalid_param', '3', 'offset'],
      ['invalid_param', '3', 'mode'],
      ['invalid_param', '4', 'path'],
      ['invalid_param', '5', 'path'],
    ]);
    const messages = problems.map((p) => p.message);
    expect(messages[0]).toBe('param "offset" must be number');
    expect(messages[1]).toBe('param "offset" must be >= -100');
    expect(messages[2]).toBe('param "offset" must be <= 100');
    expect(messages[3]).toBe('param "mode" must be equal to one of the allowed values: "plain", "abs"');
    expect(messages[4]).toBe('missing required param "path"');
  });

  it('unknown param, naming the known ones', async () => {
    const { problems } = await check({
      '1': { class_type: 'test/Add', inputs: { a: 1, ofset: 3 } },
      '2': { class_type: 'test/Sink', inputs: { value: ['1', 0] } },
    });
    expect(summary(problems)).toEqual([['unknown_param', '1', 'ofset']]);
    expect(problems[0]!.message).toBe('unknown param "ofset" (known: offset, mode)');
  });

  it('no output node (when outputs are required), and an empty graph', async () => {
    const { problems } = await check({ '1': { class_type: 'test/Value' } });
    expect(summary(problems)).toEqual([['no_outputs', undefined, undefined]]);
    expect((await check({ '1': { class_type: 'test/Value' } }, {})).problems).toEqual([]);
    expect(summary((await check({}, {})).problems)).toEqual([['no_outputs', undefined, undefined]]);
  });

  it('malformed prompts are invalid_format problems, not exceptions', async () => {
    expect(summary((await check([])).problems)).toEqual([
      ['invalid_format', undefined, undefined],
      ['no_outputs', undefined, undefined],
    ]);
    const { problems } = await check({
      '1': { inputs: {} },
      '2': { class_type: 'test/Value', inputs: [1, 2] },
      '3': { class_type: 'test/Value' },
      '4': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
    });
    expect(summary(problems)).toEqual([
      ['invalid_format', '1', undefined],
      ['invalid_format', '2', undefined],
    ]);
  });
});

describe('validation: everything at once', () => {
  it('reports every problem in one pass, each with its node id', async () => {
    const { problems, graph } = await check({
      '1': { class_type: 'test/Valeu' },
      '2': { class_type: 'test/Add', inputs: {} },
      '3': { class_type: 'test/Add', inputs: { a: ['8', 0], z: ['2', 0] } },
      '4': { class_type: 'test/Add', inputs: { a: ['6', 0], offset: 1000, colour: 'red' } },
      '5': { class_type: 'test/Image' },
      '6': { class_type: 'test/Add', inputs: { a: ['5', 0] } },
      '7': { class_type: 'test/Sink', inputs: { value: ['7', 0] } },
      '9': { class_type: 'test/Add', inputs: { a: ['2', 4] } },
    });
    expect(graph).toBeUndefined();
    expect(new Set(problems.map((p) => p.kind))).toEqual(
      new Set(['unknown_type', 'missing_input', 'dangling_link', 'unknown_input', 'invalid_param', 'unknown_param', 'type_mismatch', 'cycle']),
    );
    expect(summary(problems)).toEqual([
      ['unknown_type', '1', undefined],
      ['missing_input', '2', 'a'],
      ['dangling_link', '3', 'a'],
      ['unknown_input', '3', 'z'],
      ['unknown_param', '4', 'colour'],
      ['invalid_param', '4', 'offset'],
      ['type_mismatch', '6', 'a'],
      ['dangling_link', '7', 'value'],
      ['dangling_link', '9', 'a'],
      ['cycle', '7', undefined],
    ]);
    // Every problem is printable with its node id and kind.
    const text = new GraphValidationError(problems, 'g.json').message;
    expect(text).toContain('g.json: graph is invalid (10 problems)');
    for (const problem of problems) expect(text).toContain(formatProblem(problem));
    expect(formatProblem(problems[1]!)).toBe('node 2 (test/Add): required input "a" (NUMBER) is not connected [missing_input]');
  });
});
