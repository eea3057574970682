import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createHost, defineNode, parseApiPrompt, runGraph, validateGraph, type LabelMap } from 'exitgraph';
import { ROUTERS, earlyExitPack, type Difficulty, type ExitPlan } from 'exitgraph/early-exit';
import { countRegions } from '../regions.js';

const pluginDir = fileURLToPath(new URL('..', import.meta.url));

function stripes(count: number, size = 32): LabelMap {
  const ids = new Uint8Array(size * size);
  for (let p = 0; p < ids.length; p++) ids[p] = Math.floor(((p % size) * count) / size) % 2;
  return { width: size, height: size, ids, classes: ['a', 'b'] };
}

const difficulty: Difficulty = {
  pack: 'test',
  metric: 'lpips-alex',
  exits: [
    { name: 'e0', predicted: 0.12, macs: 10 },
    { name: 'e1', predicted: 0.06, macs: 40 },
    { name: 'full', predicted: 0, macs: 100 },
  ],
  predictorMacs: 1,
};

describe('countRegions', () => {
  it('counts 4-connected regions of equal label', () => {
    expect(countRegions(stripes(1)).count).toBe(1);
    expect(countRegions(stripes(4)).count).toBe(4);
    // A checkerboard: every pixel is its own region.
    const ids = new Uint8Array(16).map((_, p) => ((p % 4) + Math.floor(p / 4)) % 2);
    expect(countRegions({ width: 4, height: 4, ids, classes: ['a', 'b'] })).toEqual({ count: 16, smallest: 1 });
  });
});

describe('region-router plugin', () => {
  it('loads as a plugin and routes by region count inside a graph', async () => {
    const host = await createHost({ builtins: [earlyExitPack], plugins: [pluginDir] });
    expect(host.plugins.failed).toEqual([]);
    const seen: ExitPlan[] = [];
    // Test-only nodes: a label map source with a given number of stripes, a fixed difficulty, a sink.
    host.registry.add(defineNode({
      id: 'test/Stripes', version: 1, title: 'Stripes', category: 'test', description: '',
      inputs: {}, outputs: { label_map: { type: 'LABEL_MAP' } },
      params: { type: 'object', properties: { count: { type: 'integer', default: 1 } } },
      run: (_ctx, _inputs, params: { count: number }) => ({ label_map: stripes(params.count) }),
    }), 'test');
    host.registry.add(defineNode({
      id: 'test/Difficulty', version: 1, title: 'Difficulty', category: 'test', description: '',
      inputs: {}, outputs: { difficulty: { type: 'DIFFICULTY' } }, params: { type: 'object', properties: {} },
      run: () => ({ difficulty }),
    }), 'test');
    host.registry.add(defineNode({
      id: 'test/Sink', version: 1, title: 'Sink', category: 'test', description: '', output: true, cacheable: false,
      inputs: { plan: { type: 'EXIT_PLAN' } }, outputs: {}, params: { type: 'object', properties: {} },
      run: (_ctx, inputs) => (seen.push(inputs.plan), {}),
    }), 'test');
    const graphFor = (count: number) => validateGraph(parseApiPrompt({
      map: { class_type: 'test/Stripes', inputs: { count } },
      diff: { class_type: 'test/Difficulty', inputs: {} },
      router: { class_type: 'regions/RegionCountRouter', inputs: { label_map: ['map', 0], difficulty: ['diff', 0], easy_regions: 2, hard_regions: 10 } },
      sink: { class_type: 'test/Sink', inputs: { plan: ['router', 0] } },
    }).graph, host.registry);

    for (const count of [1, 5, 20]) {
      const { graph, problems } = graphFor(count);
      expect(problems).toEqual([]);
      expect((await runGraph(graph!)).status).toBe('success');
    }
    // 1 region: relaxed tau 0.15 -> exit 0; 5 regions: strict tau 0.08 -> exit 1; 20: full model.
    expect(seen.map((p) => p.exit)).toEqual([0, 1, 2]);
    expect(seen[2]!.reason).toMatch(/20 regions > 10/);
  });

  it('registers its cautious router for ExitSelector', async () => {
    const host = await createHost({ builtins: [earlyExitPack], plugins: [pluginDir] });
    const routers = host.services.get(ROUTERS);
    const router = routers.get('regions/cautious');
    const params = routers.params(router, { tau: 0.1, caution: 1 });
    // exit 1: 0.06 <= 0.1 - (0.06 - 0) = 0.04? no -> full model; with caution 0 it would take exit 1.
    expect(router.route({ difficulty }, params, undefined, undefined).exit).toBe(2);
    expect(router.route({ difficulty }, routers.params(router, { tau: 0.1, caution: 0 }), undefined, undefined).exit).toBe(1);
  });
});
