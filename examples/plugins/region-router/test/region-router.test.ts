import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineNode, definePack, type LabelMap } from 'exitgraph';
import { ROUTERS, type ExitPlan } from 'exitgraph/early-exit';
import { createTestHost, fixedDifficulty, summarizeLabelMap, type TestHost } from 'exitgraph/testing';
import { countRegions } from '../regions.js';

const pluginDir = fileURLToPath(new URL('..', import.meta.url));

function stripes(count: number, size = 32): LabelMap {
  const ids = new Uint8Array(size * size);
  for (let p = 0; p < ids.length; p++) ids[p] = Math.floor(((p % size) * count) / size) % 2;
  return { width: size, height: size, ids, classes: ['a', 'b'] };
}

// Exit 0 passes a relaxed tau (0.15) only, exit 1 a strict one (0.08) too; the last is the full model.
const difficulty = fixedDifficulty([0.12, 0.06, 0], { macs: [10, 40, 100] });

let host: TestHost;
beforeAll(async () => {
  host = await createTestHost({ plugins: [pluginDir] });
});
afterAll(() => host.close());

describe('countRegions', () => {
  it('counts 4-connected regions of equal label', () => {
    expect(countRegions(stripes(1)).count).toBe(1);
    expect(countRegions(stripes(4)).count).toBe(4);
    expect(summarizeLabelMap(stripes(4)).counts).toEqual({ 0: 512, 1: 512 });
    // A checkerboard: every pixel is its own region.
    const ids = new Uint8Array(16).map((_, p) => ((p % 4) + Math.floor(p / 4)) % 2);
    expect(countRegions({ width: 4, height: 4, ids, classes: ['a', 'b'] })).toEqual({ count: 16, smallest: 1 });
  });
});

describe('region-router plugin', () => {
  it('loads as a plugin with its node and its router', () => {
    expect(host.plugins.failed).toEqual([]);
    expect(host.plugins.loaded.map((p) => p.name)).toEqual(['exitgraph-region-router']);
    expect(host.registry.resolve('regions/RegionCountRouter')).toBeDefined();
    expect(host.services.get(ROUTERS).names()).toContain('regions/cautious');
  });

  it('RegionCountRouter routes by region count: relaxed tau, strict tau, full model', async () => {
    const exits: number[] = [];
    for (const count of [1, 5, 20]) {
      const run = await host.runNode('regions/RegionCountRouter', {
        inputs: { label_map: stripes(count), difficulty },
        params: { easy_regions: 2, hard_regions: 10 },
      });
      expect(run.status).toBe('success');
      const plan = run.outputs!.plan as ExitPlan;
      expect(run.ui).toMatchObject({ regions: count, exit: plan.exit });
      exits.push(plan.exit);
    }
    // 1 region: relaxed tau 0.15 -> exit 0; 5 regions: strict tau 0.08 -> exit 1; 20: full model.
    expect(exits).toEqual([0, 1, 2]);
  });

  it('says why, and refuses params outside its schema by name', async () => {
    const run = await host.runNode('regions/RegionCountRouter', { inputs: { label_map: stripes(20), difficulty }, params: { hard_regions: 10 } });
    expect((run.outputs!.plan as ExitPlan).reason).toMatch(/20 regions > 10/);
    await expect(host.runNode('regions/RegionCountRouter', { inputs: { label_map: stripes(1), difficulty }, params: { easy_regions: 0 } })).rejects.toThrow(/easy_regions/);
  });

  it('runs inside a graph fed by other nodes', async () => {
    // Test-only sources: a label map with a given number of stripes and a fixed difficulty.
    const sources = definePack({
      name: 'region-router-test-sources',
      nodes: [
        defineNode({
          id: 'test/Stripes', version: 1, title: 'Stripes', category: 'test', description: 'A striped label map.',
          inputs: {}, outputs: { label_map: { type: 'LABEL_MAP' } },
          params: { type: 'object', properties: { count: { type: 'integer', default: 1 } } },
          run: (_ctx, _inputs, params: { count: number }) => ({ label_map: stripes(params.count) }),
        }),
        defineNode({
          id: 'test/Difficulty', version: 1, title: 'Difficulty', category: 'test', description: 'A fixed difficulty.',
          inputs: {}, outputs: { difficulty: { type: 'DIFFICULTY' } }, params: { type: 'object', properties: {} },
          run: () => ({ difficulty }),
        }),
      ],
    });
    const graphHost = await createTestHost({ packs: [sources], plugins: [pluginDir] });
    try {
      const run = await graphHost.run({
        map: { class_type: 'test/Stripes', inputs: { count: 5 } },
        diff: { class_type: 'test/Difficulty', inputs: {} },
        router: { class_type: 'regions/RegionCountRouter', inputs: { label_map: ['map', 0], difficulty: ['diff', 0], easy_regions: 2, hard_regions: 10 } },
      }, { targets: ['router'] });
      expect(run.problems).toEqual([]);
      expect((run.values.get('router')!.plan as ExitPlan).exit).toBe(1);
    } finally {
      await graphHost.close();
    }
  });

  it('registers its cautious router for ExitSelector', () => {
    const routers = host.services.get(ROUTERS);
    const router = routers.get('regions/cautious');
    // exit 1: 0.06 <= 0.1 - (0.06 - 0) = 0.04? no -> full model; with caution 0 it would take exit 1.
    expect(router.route({ difficulty }, routers.params(router, { tau: 0.1, caution: 1 }), undefined, undefined).exit).toBe(2);
    expect(router.route({ difficulty }, routers.params(router, { tau: 0.1, caution: 0 }), undefined, undefined).exit).toBe(1);
    expect(() => routers.params(router, { tau: 0.1, caution: 2 })).toThrow(/router regions\/cautious: invalid params: caution/);
  });
});
