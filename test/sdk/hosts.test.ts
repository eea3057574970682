/**
 * Two hosts in one process share nothing: each has its own node and router registries, router
 * streams, pack runners and ONNX sessions. And a pack that fails a late check leaves nothing
 * behind (NodeRegistry.addPack checks everything, then commits).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineNode, definePack, definePortType, type LabelMap } from '../../sdk/index.js';
import { ONNX_SESSIONS, PACK_RUNNERS, ROUTER_STREAMS, ROUTERS, defineRouter, planFor, type ExitPlan } from '../../sdk/early-exit/index.js';
import { createTestHost, type TestHost } from '../../sdk/testing/index.js';
import { builtinPacks } from '../../nodes/index.js';

const PACK = fileURLToPath(new URL('../fixtures/packs/tiny-landscape', import.meta.url));
const REGION_ROUTER = fileURLToPath(new URL('../../examples/plugins/region-router', import.meta.url));

/** A 64x64 map of the fixture pack's classes: sky over water over grass. */
const sceneNode = defineNode({
  id: 'scene/Map',
  version: 1,
  title: 'Scene map',
  category: 'test',
  description: 'A fixed label map for the tiny-landscape fixture pack.',
  inputs: {},
  outputs: { label_map: { type: 'LABEL_MAP' } },
  params: { type: 'object', properties: {} },
  run: (): { label_map: LabelMap } => ({
    label_map: { width: 64, height: 64, ids: new Uint8Array(64 * 64).map((_, p) => (p < 20 * 64 ? 0 : p < 40 * 64 ? 1 : 2)), classes: ['sky', 'water', 'grass', 'rock'] },
  }),
});
const scenePack = definePack({ name: 'scene', nodes: [sceneNode] });

/** map -> difficulty -> Exit Selector (budget router, a stream router) -> generator -> preview. */
const budgetGraph = {
  map: { class_type: 'scene/Map', inputs: {} },
  diff: { class_type: 'exitgraph/DifficultyEstimator', inputs: { label_map: ['map', 0], pack: PACK } },
  sel: { class_type: 'exitgraph/ExitSelector', inputs: { difficulty: ['diff', 0], router: 'budget', budget: 0.5 } },
  gen: { class_type: 'exitgraph/SemanticMapGenerator', inputs: { label_map: ['map', 0], plan: ['sel', 0], pack: PACK } },
  out: { class_type: 'exitgraph/PreviewImage', inputs: { image: ['gen', 0] } },
};

let withPlugin: TestHost;
let plain: TestHost;
beforeAll(async () => {
  withPlugin = await createTestHost({ builtins: builtinPacks, packs: [scenePack], plugins: [REGION_ROUTER] });
  plain = await createTestHost({ builtins: builtinPacks, packs: [scenePack] });
});
afterAll(async () => {
  await withPlugin?.close();
  await plain?.close();
});

/** Runs the budget graph and returns the plan its Exit Selector made. */
async function runBudget(host: TestHost): Promise<ExitPlan> {
  const run = await host.run(budgetGraph, { targets: ['out', 'sel'] });
  expect(run.problems).toEqual([]);
  expect(run.error).toBeUndefined();
  return run.values.get('sel')!.plan as ExitPlan;
}

describe('two hosts in one process', () => {
  it('see different routers: only the host that loaded the plugin knows its router', () => {
    const routers = withPlugin.services.get(ROUTERS);
    const plainRouters = plain.services.get(ROUTERS);
    expect(routers).not.toBe(plainRouters);
    expect(routers.names()).toContain('regions/cautious');
    expect(plainRouters.names()).not.toContain('regions/cautious');
    expect(() => plainRouters.get('regions/cautious')).toThrow(/unknown router "regions\/cautious"/);
  });

  it('see different nodes: a graph using the plugin node validates in one host only', () => {
    expect(withPlugin.registry.resolve('regions/RegionCountRouter')).toBeDefined();
    expect(plain.registry.resolve('regions/RegionCountRouter')).toBeUndefined();
    const graph = { r: { class_type: 'regions/RegionCountRouter', inputs: { label_map: ['m', 0], difficulty: ['d', 0] } }, m: { class_type: 'scene/Map', inputs: {} }, d: { class_type: 'exitgraph/DifficultyEstimator', inputs: { label_map: ['m', 0], pack: PACK } } };
    expect(() => withPlugin.graph(graph)).not.toThrow();
    expect(() => plain.graph(graph)).toThrow(/node r \(regions\/RegionCountRouter\): unknown node type "regions\/RegionCountRouter"/);
  });

  it('keep separate router streams: budget runs in one host leave the other host\'s streams untouched', async () => {
    const budget = withPlugin.services.get(ROUTERS).get('budget');
    const first = await runBudget(withPlugin);
    await runBudget(withPlugin);
    await runBudget(withPlugin);
    const streams = withPlugin.services.get(ROUTER_STREAMS);
    expect(streams.size).toBe(1);
    expect(streams.state(first.stream!, budget)).toMatchObject({ count: 3 });
    // The other host has not even created its streams.
    expect(plain.services.has(ROUTER_STREAMS)).toBe(false);

    const plainPlan = await runBudget(plain);
    expect(plainPlan.stream).toBe(first.stream);
    const plainStreams = plain.services.get(ROUTER_STREAMS);
    expect(plainStreams).not.toBe(streams);
    expect(plainStreams.state(plainPlan.stream!, plain.services.get(ROUTERS).get('budget'))).toMatchObject({ count: 1 });
    expect(streams.state(first.stream!, budget)).toMatchObject({ count: 3 });
  });

  it('open their own pack runners and ONNX sessions, and closing one host leaves the other working', async () => {
    await runBudget(withPlugin);
    await runBudget(plain);
    const runner = await withPlugin.services.get(PACK_RUNNERS).runner(PACK, 'cpu');
    const plainRunner = await plain.services.get(PACK_RUNNERS).runner(PACK, 'cpu');
    expect(withPlugin.services.get(PACK_RUNNERS)).not.toBe(plain.services.get(PACK_RUNNERS));
    expect(runner).not.toBe(plainRunner);
    const sessions = withPlugin.services.get(ONNX_SESSIONS);
    const plainSessions = plain.services.get(ONNX_SESSIONS);
    expect(sessions).not.toBe(plainSessions);
    expect(sessions.size).toBeGreaterThan(0);
    expect(plainSessions.size).toBe(sessions.size);

    // A throwaway third host: closing it releases its sessions only.
    const third = await createTestHost({ builtins: builtinPacks, packs: [scenePack] });
    await runBudget(third);
    const thirdSessions = third.services.get(ONNX_SESSIONS);
    expect(thirdSessions.size).toBe(sessions.size);
    await third.close();
    expect(thirdSessions.size).toBe(0);
    expect(sessions.size).toBeGreaterThan(0);
    const after = await plain.run(budgetGraph, { targets: ['out'] });
    expect(after.status).toBe('success');
  });
});

describe('a pack that fails a late check', () => {
  const ROUTED = definePortType({ name: 'ROUTED_THING', description: 'Only this pack knows it.' });
  const node = defineNode({
    id: 'clash/Thing',
    version: 1,
    title: 'Thing',
    category: 'test',
    description: 'A node with the pack\'s own port type.',
    inputs: {},
    outputs: { thing: { type: 'ROUTED_THING' } },
    params: { type: 'object', properties: {} },
    run: () => ({ thing: 1 }),
  });
  const router = (id: string) =>
    defineRouter({ id, title: 'Clash', description: 'Always the full model.', params: { type: 'object', properties: {} }, route: ({ difficulty }) => planFor(difficulty, difficulty.exits.length - 1, 'full') });

  function snapshot(host: TestHost) {
    return { nodes: host.registry.list().map((n) => n.definition.id), ports: host.registry.ports.list().map((p) => p.name), routers: host.services.get(ROUTERS).names() };
  }

  it('whose router id clashes with a built-in router leaves no node, port type or router behind', () => {
    const before = snapshot(plain);
    const pack = definePack({ name: 'clash', portTypes: [ROUTED], nodes: [node], routers: [router('clash/fresh'), router('exitgraph/threshold')] });
    expect(() => plain.registry.addPack(pack)).toThrow(/pack clash: router exitgraph\/threshold is already defined/);
    expect(snapshot(plain)).toEqual(before);
    expect(plain.registry.resolve('clash/Thing')).toBeUndefined();
    expect(plain.registry.ports.has('ROUTED_THING')).toBe(false);
    expect(plain.services.get(ROUTERS).names()).not.toContain('clash/fresh');
  });

  it('clashes only in the host where the id is taken: the plugin\'s router id fails in one host and registers in the other', async () => {
    const pack = () => definePack({ name: 'clash-regions', portTypes: [ROUTED], nodes: [node], routers: [router('regions/cautious')] });
    const before = snapshot(withPlugin);
    expect(() => withPlugin.registry.addPack(pack())).toThrow(/router regions\/cautious is already defined/);
    expect(snapshot(withPlugin)).toEqual(before);

    const fresh = await createTestHost({ builtins: builtinPacks });
    try {
      fresh.registry.addPack(pack());
      expect(fresh.registry.resolve('clash/Thing')).toBeDefined();
      expect(fresh.registry.ports.has('ROUTED_THING')).toBe(true);
      expect(fresh.services.get(ROUTERS).names()).toContain('regions/cautious');
    } finally {
      await fresh.close();
    }
  });

  it('with a node of an unknown port type leaves its routers and port types out too', () => {
    const before = snapshot(plain);
    const broken = defineNode({
      id: 'clash/Broken',
      version: 1,
      title: 'Broken',
      category: 'test',
      description: 'Its output type exists nowhere.',
      inputs: {},
      outputs: { x: { type: 'NO_SUCH_TYPE' } },
      params: { type: 'object', properties: {} },
      run: () => ({ x: 1 }),
    });
    const pack = definePack({ name: 'broken', portTypes: [ROUTED], nodes: [node, broken], routers: [router('clash/other')] });
    expect(() => plain.registry.addPack(pack)).toThrow(/pack broken: node clash\/Broken port "x" has unknown type NO_SUCH_TYPE/);
    expect(snapshot(plain)).toEqual(before);
  });
});
