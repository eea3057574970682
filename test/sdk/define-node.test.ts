import { describe, expect, it } from 'vitest';
import { NodeRegistry, defineNode, definePack, definePortType, registerPack, type NodeDefinition } from '../../sdk/index.js';
import { ParamsSchemaCheck } from '../../sdk/kernel/node/params-schema.js';
import { BUILTIN_ROUTERS } from '../../sdk/early-exit/index.js';
import { builtinNodes } from '../../nodes/index.js';

const base = {
  id: 'mine/Thing',
  version: 1,
  title: 'Thing',
  category: 'test',
  description: '',
  inputs: { image: { type: 'IMAGE' } },
  outputs: { image: { type: 'IMAGE' } },
  params: { type: 'object', properties: { strength: { type: 'number', default: 1 } } },
  run: (_ctx: unknown, inputs: { image: unknown }) => ({ image: inputs.image }),
} as unknown as NodeDefinition;

describe('defineNode', () => {
  it('returns a frozen definition', () => {
    const node = defineNode(base);
    expect(Object.isFrozen(node)).toBe(true);
    expect(node.id).toBe('mine/Thing');
  });

  it.each([
    [{ id: 'Thing' }, 'id must be "namespace/Name"'],
    [{ id: 'Mine/Thing' }, 'id must be "namespace/Name"'],
    [{ version: 0 }, 'version must be a positive integer'],
    [{ version: 1.5 }, 'version must be a positive integer'],
    [{ run: 'nope' }, 'run must be a function'],
    [{ params: { type: 'array' } }, 'params must be a JSON Schema'],
    [{ inputs: { Image: { type: 'IMAGE' } } }, 'input name "Image" must be snake_case'],
    [{ outputs: { out: {} } }, 'output "out" needs a type'],
    [{ params: { type: 'object', properties: { image: { type: 'string' } } } }, '"image" is both an input and a param'],
  ])('rejects a bad definition: %o', (change, message) => {
    expect(() => defineNode({ ...base, ...change } as NodeDefinition)).toThrow(message);
  });
});

describe('port types', () => {
  it('must be UPPER_SNAKE_CASE', () => {
    expect(() => definePortType({ name: 'color', description: '' })).toThrow('UPPER_SNAKE_CASE');
    expect(definePortType({ name: 'RGB_COLOR', description: '' }).name).toBe('RGB_COLOR');
  });

  it('link compatibility: same type, wildcard, or listed in accepts', () => {
    const registry = new NodeRegistry();
    registry.addPortType(definePortType({ name: 'COLOR', description: '', accepts: ['STRING'] }), 'test');
    expect(registry.ports.canLink('IMAGE', 'IMAGE')).toBe(true);
    expect(registry.ports.canLink('IMAGE', '*')).toBe(true);
    expect(registry.ports.canLink('*', 'MASK')).toBe(true);
    expect(registry.ports.canLink('INT', 'NUMBER')).toBe(true);
    expect(registry.ports.canLink('STRING', 'COLOR')).toBe(true);
    expect(registry.ports.canLink('COLOR', 'STRING')).toBe(false);
    expect(registry.ports.canLink('IMAGE', 'MASK')).toBe(false);
    expect(registry.ports.canLink('IMAGE', 'NUMBER')).toBe(false);
  });
});

describe('NodeRegistry', () => {
  it('keeps every version; a bare id is the latest, id@n is pinned', () => {
    const registry = new NodeRegistry();
    registry.add(defineNode(base), 'pack');
    registry.add(defineNode({ ...base, version: 2 }), 'pack');
    expect(registry.resolve('mine/Thing')!.definition.version).toBe(2);
    expect(registry.resolve('mine/Thing@1')!.definition.version).toBe(1);
    expect(registry.resolve('mine/Thing@3')).toBeUndefined();
    expect(registry.list().map((n) => `${n.definition.id}@${n.definition.version}`)).toEqual(['mine/Thing@2']);
    expect(() => registry.add(defineNode(base), 'other')).toThrow('mine/Thing@1 is already defined by pack');
  });

  it('refuses unknown port types and overriding built-ins', () => {
    const registry = new NodeRegistry();
    expect(() => registry.add(defineNode({ ...base, inputs: { x: { type: 'NOPE' } } } as NodeDefinition), 'pack')).toThrow('unknown type NOPE');
    registerPack(definePack({ name: 'exitgraph', nodes: [defineNode(base)] }), registry, true);
    expect(() => registerPack(definePack({ name: 'evil', nodes: [defineNode({ ...base, version: 5 })] }), registry)).toThrow(
      'pack evil cannot override built-in node type mine/Thing',
    );
    expect(registry.resolve('mine/Thing')!.origin).toBe('exitgraph');
  });

  it('refuses a plugin node whose params schema is not a valid JSON Schema, naming the node and the keyword', () => {
    const registry = new NodeRegistry();
    const broken = defineNode({ ...base, id: 'mine/Broken', params: { type: 'object', properties: { strength: { type: 'number', minimum: 'low' } } } } as unknown as NodeDefinition);
    expect(() => registerPack(definePack({ name: 'plug', nodes: [broken] }), registry)).toThrow(/plug: node mine\/Broken: its params schema is not a valid JSON Schema: \/properties\/strength\/minimum must be number/);
    expect(registry.resolve('mine/Broken')).toBeUndefined();
  });

  it('built-in nodes and routers have params schemas valid under the JSON Schema meta-schema (compiled unchecked at run time)', () => {
    const check = new ParamsSchemaCheck();
    const problems = [...builtinNodes.nodes.map((n) => [n.id, n.params] as const), ...BUILTIN_ROUTERS.map((r) => [r.id, r.params] as const)]
      .flatMap(([id, schema]) => check.problems(schema).map((p) => `${id}: ${p}`));
    expect(problems).toEqual([]);
    expect(builtinNodes.nodes.length).toBeGreaterThan(10);
  });

  it('definePack needs a name and a nodes array', () => {
    expect(() => definePack({ name: '', nodes: [] })).toThrow('needs a name');
    expect(() => definePack({ name: 'x', nodes: {} as never })).toThrow('"nodes" must be an array');
  });
});
