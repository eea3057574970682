import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NodeRegistry,
  isApiLink,
  isWorkflow,
  packageRoot,
  parseApiPrompt,
  parseGraph,
  parseGraphText,
  parseWorkflow,
  readGraphFile,
  registerPack,
  toApiPrompt,
  toWorkflow,
  validateGraph,
  type ApiPrompt,
  type Workflow,
} from '../../sdk/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { createTestKit } from '../support/engine-kit.js';

const prompt: ApiPrompt = {
  '1': { class_type: 'test/Value', inputs: { value: 3 }, _meta: { title: 'Three' } },
  '2': { class_type: 'test/Int', inputs: {} },
  '3': { class_type: 'test/Add', inputs: { a: ['1', 0], b: ['2', 0], offset: 1.5, mode: 'abs' } },
  '4': { class_type: 'test/Add', inputs: { a: 2, b: ['3', 1] } },
  '5': { class_type: 'test/Sink', inputs: { value: ['4', 0] } },
};

/** The prompt with every class_type pinned to version 1, as a workflow round trip writes it. */
const pinned = (p: ApiPrompt): ApiPrompt =>
  Object.fromEntries(Object.entries(p).map(([id, node]) => [id, { ...node, class_type: `${node.class_type.replace(/@\d+$/, '')}@1` }]));

describe('API prompt format', () => {
  it('round-trips through parseApiPrompt and toApiPrompt unchanged', async () => {
    const { graph, problems } = parseApiPrompt(prompt);
    expect(problems).toEqual([]);
    expect(toApiPrompt(graph)).toEqual(prompt);
    expect(graph.nodes.get('3')!.inputs).toEqual({
      a: { link: { node: '1', output: 0 } },
      b: { link: { node: '2', output: 0 } },
      offset: { value: 1.5 },
      mode: { value: 'abs' },
    });
    expect(graph.nodes.get('1')!.title).toBe('Three');
  });

  it('tells links from literals: [id, index] is a link, other arrays are values', async () => {
    expect(isApiLink(['3', 0])).toBe(true);
    expect(isApiLink([3, 1])).toBe(true);
    expect(isApiLink(['3', 0.5])).toBe(false);
    expect(isApiLink(['a', 'b'])).toBe(false);
    expect(isApiLink(['3', 0, 1])).toBe(false);
    const { graph } = parseApiPrompt({ '1': { class_type: 'x/Y', inputs: { classes: ['sky', 'sea'], from: [7, 2] } } });
    expect(graph.nodes.get('1')!.inputs).toEqual({ classes: { value: ['sky', 'sea'] }, from: { link: { node: '7', output: 2 } } });
  });
});

describe('workflow format', () => {
  it('converts a graph to a litegraph workflow with params by name, version pins and consistent links', async () => {
    const kit = await createTestKit();
    const workflow = toWorkflow(parseApiPrompt(prompt).graph, kit.registry);
    expect(isWorkflow(workflow)).toBe(true);
    expect(workflow.nodes.map((n) => n.id)).toEqual([1, 2, 3, 4, 5]);
    const add = workflow.nodes.find((n) => n.id === 3)!;
    expect(add.type).toBe('test/Add');
    expect(add.properties).toEqual({ params: { offset: 1.5, mode: 'abs' }, version: 1 });
    expect(add).not.toHaveProperty('widgets_values');
    expect(add.inputs.map((i) => i.name)).toEqual(['a', 'b']);
    expect(add.outputs.map((o) => [o.name, o.type, o.slot_index])).toEqual([['sum', 'NUMBER', 0], ['negated', 'NUMBER', 1]]);
    expect(workflow.nodes.find((n) => n.id === 1)!.title).toBe('Three');
    // Literal on a port (node 4's a) is kept by name as well.
    expect(workflow.nodes.find((n) => n.id === 4)!.properties.params).toEqual({ a: 2 });

    expect(workflow.links).toHaveLength(4);
    expect(workflow.last_link_id).toBe(4);
    expect(workflow.last_node_id).toBe(5);
    for (const [linkId, from, slot, to, toSlot, type] of workflow.links) {
      const source = workflow.nodes.find((n) => n.id === from)!;
      const target = workflow.nodes.find((n) => n.id === to)!;
      expect(source.outputs[slot]!.links).toContain(linkId);
      expect(source.outputs[slot]!.type).toBe(type);
      expect(target.inputs[toSlot]!.link).toBe(linkId);
    }
    const negated = workflow.links.find(([, from, slot]) => from === 3 && slot === 1)!;
    expect(negated[3]).toBe(4);
    // Upstream nodes sit left of downstream ones.
    const x = (id: number) => workflow.nodes.find((n) => n.id === id)!.pos[0];
    expect(x(1)).toBeLessThan(x(3));
    expect(x(3)).toBeLessThan(x(4));
    expect(x(4)).toBeLessThan(x(5));
  });

  it('round-trips API -> workflow -> graph -> API, pinning versions', async () => {
    const kit = await createTestKit();
    const workflow = toWorkflow(parseApiPrompt(prompt).graph, kit.registry);
    const back = parseWorkflow(JSON.parse(JSON.stringify(workflow)) as Workflow);
    expect(back.problems).toEqual([]);
    expect(toApiPrompt(back.graph)).toEqual(pinned(prompt));
    expect(back.graph.workflow).toEqual(workflow);
    expect(validateGraph(back.graph, kit.registry).problems).toEqual([]);
  });

  it('round-trips workflow -> graph -> workflow', async () => {
    const kit = await createTestKit();
    const first = toWorkflow(parseApiPrompt(prompt).graph, kit.registry);
    const second = toWorkflow(parseWorkflow(first).graph, kit.registry);
    expect(second).toEqual(first);
  });

  it('renumbers non-integer ids and keeps the links pointing at the same nodes', async () => {
    const kit = await createTestKit();
    const named: ApiPrompt = {
      source: { class_type: 'test/Value', inputs: { value: 4 } },
      '7': { class_type: 'test/Add', inputs: { a: ['source', 0] } },
      sink: { class_type: 'test/Sink', inputs: { value: ['7', 0] } },
    };
    const workflow = toWorkflow(parseApiPrompt(named).graph, kit.registry);
    const ids = Object.fromEntries(workflow.nodes.map((n) => [n.type, n.id]));
    expect(ids['test/Add']).toBe(7);
    expect(new Set(Object.values(ids)).size).toBe(3);
    expect(ids['test/Value']).toBeGreaterThan(7);
    const back = toApiPrompt(parseWorkflow(workflow).graph);
    expect(back[String(ids['test/Sink'])]).toEqual({ class_type: 'test/Sink@1', inputs: { value: ['7', 0] } });
    expect(back['7']).toEqual({ class_type: 'test/Add@1', inputs: { a: [String(ids['test/Value']), 0] } });
  });

  it('skips muted and bypassed nodes; inputs they fed read as missing', async () => {
    const kit = await createTestKit();
    const workflow = toWorkflow(parseApiPrompt(prompt).graph, kit.registry);
    workflow.nodes.find((n) => n.id === 1)!.mode = 2;
    workflow.nodes.find((n) => n.id === 2)!.mode = 4;
    const { graph, problems } = parseWorkflow(workflow);
    expect(problems).toEqual([]);
    expect([...graph.nodes.keys()]).toEqual(['3', '4', '5']);
    expect(graph.nodes.get('3')!.inputs).toEqual({ offset: { value: 1.5 }, mode: { value: 'abs' } });
    const result = validateGraph(graph, kit.registry);
    expect(result.problems.map((p) => [p.kind, p.nodeId, p.field])).toEqual([['missing_input', '3', 'a']]);
  });

  it('passes a bypassed node through: each output reads its first input of the same type', async () => {
    const kit = await createTestKit();
    const workflow = toWorkflow(parseApiPrompt(prompt).graph, kit.registry);
    // 3 (Add: a <- 1, b <- 2 as INT) bypassed: 4.b read 3's NUMBER output, so now reads 3.a's source, node 1.
    workflow.nodes.find((n) => n.id === 3)!.mode = 4;
    const { graph, problems } = parseWorkflow(workflow);
    expect(problems).toEqual([]);
    expect([...graph.nodes.keys()]).toEqual(['1', '2', '4', '5']);
    expect(graph.nodes.get('4')!.inputs.b).toEqual({ link: { node: '1', output: 0 } });
    expect(validateGraph(graph, kit.registry).problems).toEqual([]);
    // Chains of bypassed nodes resolve all the way; a muted source still reads as missing.
    workflow.nodes.find((n) => n.id === 4)!.mode = 4;
    expect(parseWorkflow(workflow).graph.nodes.get('5')!.inputs.value).toEqual({ link: { node: '1', output: 0 } });
    workflow.nodes.find((n) => n.id === 1)!.mode = 2;
    const muted = parseWorkflow(workflow);
    expect(muted.graph.nodes.get('5')!.inputs.value).toBeUndefined();
    expect(validateGraph(muted.graph, kit.registry).problems.map((p) => [p.kind, p.nodeId, p.field])).toEqual([['missing_input', '5', 'value']]);
  });

  it('reads params by name and ignores positional widgets_values; unpinned types stay unpinned', async () => {
    const workflow: Workflow = {
      last_node_id: 2,
      last_link_id: 1,
      nodes: [
        { id: 1, type: 'test/Value', pos: [0, 0], size: [1, 1], flags: {}, order: 0, mode: 0, inputs: [], outputs: [{ name: 'value', type: 'NUMBER', links: [1], slot_index: 0 }], properties: {}, widgets_values: [99] } as Workflow['nodes'][number],
        { id: 2, type: 'test/Sink', pos: [0, 0], size: [1, 1], flags: {}, order: 1, mode: 0, inputs: [{ name: 'value', type: '*', link: 1 }], outputs: [], properties: { params: {}, version: 1 } },
      ],
      links: [[1, 1, 0, 2, 0, 'NUMBER']],
      groups: [],
      config: {},
      extra: {},
      version: 0.4,
    };
    const { graph } = parseWorkflow(workflow);
    expect(toApiPrompt(graph)).toEqual({
      '1': { class_type: 'test/Value', inputs: {} },
      '2': { class_type: 'test/Sink@1', inputs: { value: ['1', 0] } },
    });
    const valid = validateGraph(graph, (await createTestKit()).registry);
    expect(valid.graph!.nodes.get('1')!.params).toEqual({ value: 1 });
  });

  it('reports links that do not exist or are malformed', async () => {
    const workflow = {
      last_node_id: 1,
      last_link_id: 1,
      nodes: [{ id: 1, type: 'test/Sink', pos: [0, 0], size: [1, 1], flags: {}, order: 0, mode: 0, inputs: [{ name: 'value', type: '*', link: 42 }], outputs: [], properties: {} }],
      links: [[1, 2]],
      groups: [],
      config: {},
      extra: {},
      version: 0.4,
    } as unknown as Workflow;
    const { problems } = parseWorkflow(workflow);
    expect(problems.map((p) => [p.kind, p.nodeId, p.field])).toEqual([
      ['invalid_format', undefined, undefined],
      ['dangling_link', '1', 'value'],
    ]);
  });
});

describe('parseGraph: format detection', () => {
  it('detects workflows and API prompts', async () => {
    const kit = await createTestKit();
    const workflow = toWorkflow(parseApiPrompt(prompt).graph, kit.registry);
    expect(parseGraph(workflow).format).toBe('workflow');
    expect(parseGraph(prompt).format).toBe('api');
    expect(toApiPrompt(parseGraph(prompt).graph)).toEqual(prompt);
  });

  it('accepts the ComfyUI {prompt, extra_data} envelope and keeps the workflow it carries', async () => {
    const kit = await createTestKit();
    const workflow = toWorkflow(parseApiPrompt(prompt).graph, kit.registry);
    const parsed = parseGraph({ prompt, client_id: 'abc', extra_data: { extra_pnginfo: { workflow } } });
    expect(parsed.format).toBe('api');
    expect(parsed.problems).toEqual([]);
    expect(toApiPrompt(parsed.graph)).toEqual(prompt);
    expect(parsed.graph.workflow).toEqual(workflow);
    const bare = parseGraph({ prompt });
    expect(toApiPrompt(bare.graph)).toEqual(prompt);
    expect(bare.graph.workflow).toBeUndefined();
  });

  it('does not mistake a node called "prompt" for the envelope', async () => {
    const parsed = parseGraph({ prompt: { class_type: 'test/Value', inputs: {} } });
    expect([...parsed.graph.nodes.keys()]).toEqual(['prompt']);
  });

  it('names the file and position of malformed JSON, and missing files', async () => {
    expect(() => parseGraphText('{"1": ', 'broken.json')).toThrow(/^broken\.json is not valid JSON/);
    await expect(readGraphFile('/nonexistent/graph.json')).rejects.toThrow('cannot read graph file /nonexistent/graph.json: no such file');
    const dir = mkdtempSync(join(tmpdir(), 'exitgraph-formats-'));
    try {
      writeFileSync(join(dir, 'g.json'), JSON.stringify(prompt));
      const parsed = await readGraphFile(join(dir, 'g.json'));
      expect(toApiPrompt(parsed.graph)).toEqual(prompt);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('formats on the shipped examples', () => {
  it('round-trips every example through the workflow format and still validates', async () => {
    const registry = new NodeRegistry();
    for (const pack of builtinPacks) registerPack(pack, registry, true);
    for (const name of ['resize-and-blend.json', 'label-map-preview.json']) {
      const original = JSON.parse(readFileSync(join(packageRoot(), 'examples', 'graphs', name), 'utf8')) as ApiPrompt;
      const workflow = toWorkflow(parseApiPrompt(original).graph, registry);
      const back = parseGraph(JSON.parse(JSON.stringify(workflow)));
      expect(back.format).toBe('workflow');
      expect(toApiPrompt(back.graph), name).toEqual(pinned(original));
      expect(validateGraph(back.graph, registry, { requireOutputs: true }).problems, name).toEqual([]);
    }
  });
});
