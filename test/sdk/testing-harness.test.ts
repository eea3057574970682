/** exitgraph/testing itself: hosts, one node, small graphs, the stub pack and snapshot summaries. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createImage, defineNode, definePack, GraphValidationError, type Image, type LabelMap } from '../../sdk/index.js';
import { PACK_RUNNERS, inspectModelPack, type Difficulty, type ExitPlan } from '../../sdk/early-exit/index.js';
import {
  createTestHost,
  eventTypes,
  eventsOf,
  firstNodeError,
  fixedDifficulty,
  imageDigest,
  labelMapDigest,
  summarizeImage,
  summarizeLabelMap,
  writeStubPack,
} from '../../sdk/testing/index.js';
import { builtinPacks } from '../../nodes/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'exitgraph-testing-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const halve = defineNode({
  id: 'demo/Halve',
  version: 1,
  title: 'Halve',
  category: 'demo',
  description: 'Halves every pixel, reporting progress and a figure.',
  inputs: { image: { type: 'IMAGE' } },
  outputs: { image: { type: 'IMAGE' } },
  params: { type: 'object', properties: { factor: { type: 'number', minimum: 0, maximum: 1, default: 0.5 } } },
  run: (ctx, inputs, params: { factor: number }) => {
    ctx.progress(1, 1);
    ctx.log.info(`device ${ctx.device}`);
    ctx.ui({ factor: params.factor });
    return { image: createImage(inputs.image.width, inputs.image.height, inputs.image.channels, inputs.image.data.map((v) => v * params.factor)) };
  },
});
const demoPack = definePack({ name: 'demo', nodes: [halve] });

const grey = (value: number): Image => createImage(2, 2, 1, new Float32Array(4).fill(value));

describe('createTestHost and runNode', () => {
  it('runs one node with fixture inputs and params: outputs, ui payload and events', async () => {
    const host = await createTestHost({ packs: [demoPack] });
    try {
      const run = await host.runNode('demo/Halve', { inputs: { image: grey(0.8) }, params: { factor: 0.25 }, device: 'webgpu' });
      expect(run.status).toBe('success');
      expect(Array.from((run.outputs!.image as Image).data)).toEqual(Array.from(new Float32Array(4).fill(0.8 * 0.25)));
      expect(run.ui).toEqual({ factor: 0.25 });
      expect(eventTypes(run.events, '1')).toEqual(['node:start', 'node:progress', 'node:log', 'node:done']);
      expect(eventsOf(run.events, 'node:log')[0]!.message).toBe('device webgpu');
    } finally {
      await host.close();
    }
  });

  it('defaults params, and a definition need not be registered', async () => {
    const host = await createTestHost();
    try {
      const run = await host.runNode(halve, { inputs: { image: grey(1) } });
      expect(run.ui).toEqual({ factor: 0.5 });
    } finally {
      await host.close();
    }
  });

  it('names the culprit for bad params, unknown or missing inputs, and unknown types', async () => {
    const host = await createTestHost({ packs: [demoPack] });
    try {
      await expect(host.runNode('demo/Halve', { inputs: { image: grey(1) }, params: { factor: 2 } })).rejects.toThrow(GraphValidationError);
      await expect(host.runNode('demo/Halve', { inputs: { image: grey(1) }, params: { factor: 2 } })).rejects.toThrow(/node 1 \(demo\/Halve\).*factor/s);
      await expect(host.runNode('demo/Halve', { inputs: { image: grey(1), mask: grey(1) } })).rejects.toThrow(/"mask" is not an input \(inputs: image\)/);
      await expect(host.runNode('demo/Halve', {})).rejects.toThrow(/required input "image" \(IMAGE\) is not given/);
      await expect(host.runNode('demo/Halv')).rejects.toThrow(/unknown node type "demo\/Halv" \(did you mean demo\/Halve\?\)/);
    } finally {
      await host.close();
    }
  });

  it('reports a failing node as the run result, with its node:error event', async () => {
    const host = await createTestHost({ builtins: builtinPacks });
    try {
      const run = await host.runNode('exitgraph/LoadImage', { params: { image: 'missing.png' }, nodeId: 'load' });
      expect(run.status).toBe('error');
      expect(run.outputs).toBeUndefined();
      expect(firstNodeError(run.events)).toMatchObject({ nodeId: 'load', classType: 'exitgraph/LoadImage' });
      expect(run.error?.message).toMatch(/missing\.png/);
    } finally {
      await host.close();
    }
  });

  it('throws naming the pack when a pack or plugin fails to register, unless failures are allowed', async () => {
    const clash = definePack({ name: 'clash', nodes: [halve] });
    await expect(createTestHost({ packs: [demoPack, clash] })).rejects.toThrow(/clash \(\(test pack\)\) failed to register: .*demo\/Halve@1 is already defined by demo/);
    const host = await createTestHost({ packs: [demoPack, clash], allowFailures: true });
    try {
      expect(host.plugins.loaded.map((p) => p.name)).toEqual(['demo']);
      expect(host.plugins.failed.map((p) => p.name)).toEqual(['clash']);
    } finally {
      await host.close();
    }
  });
});

describe('host.run (small graphs)', () => {
  it('runs an API prompt in the host workspace and returns values, ui and events', async () => {
    const host = await createTestHost({ builtins: builtinPacks });
    try {
      const run = await host.run({
        a: { class_type: 'exitgraph/Number', inputs: { value: 2 } },
        b: { class_type: 'exitgraph/Number', inputs: { value: 5 } },
        m: { class_type: 'exitgraph/Math', inputs: { a: ['a', 0], b: ['b', 0], operation: 'multiply' } },
      }, { targets: ['m'] });
      expect(run.problems).toEqual([]);
      expect(run.status).toBe('success');
      expect(run.values.get('m')).toEqual({ value: 10 });
      expect(eventTypes(run.events).at(-1)).toBe('run:end');
    } finally {
      await host.close();
    }
  });

  it('returns every validation problem instead of throwing; host.graph throws them', async () => {
    const host = await createTestHost({ builtins: builtinPacks });
    try {
      const bad = { m: { class_type: 'exitgraph/Math', inputs: { a: ['nowhere', 0], operation: 'power' } } };
      const run = await host.run(bad);
      expect(run.status).toBe('error');
      expect(run.events).toEqual([]);
      expect(run.problems.map((p) => [p.nodeId, p.kind, p.field])).toEqual(
        expect.arrayContaining([['m', 'dangling_link', 'a'], ['m', 'missing_input', 'b'], ['m', 'invalid_param', 'operation']]),
      );
      expect(() => host.graph(bad)).toThrow(/node m \(exitgraph\/Math\)/);
    } finally {
      await host.close();
    }
  });
});

describe('writeStubPack', () => {
  it('writes a pack that passes inspection and drives the early-exit nodes with its fixed predictions', async () => {
    const dir = join(scratch, 'stub');
    writeStubPack(dir, { predicted: [0.2, 0.05, 0], classes: ['sky', 'sea'] });
    const inspection = await inspectModelPack(dir);
    expect(inspection.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(inspection.costs!.exits.map((e) => e.macs)).toEqual([...inspection.costs!.exits.map((e) => e.macs)].sort((a, b) => a - b));

    const host = await createTestHost({ builtins: builtinPacks });
    try {
      const map: LabelMap = { width: 16, height: 16, ids: new Uint8Array(256).map((_, i) => i % 2), classes: ['sky', 'sea'] };
      const estimated = await host.runNode('exitgraph/DifficultyEstimator', { inputs: { label_map: map }, params: { pack: dir } });
      expect(estimated.status).toBe('success');
      const difficulty = estimated.outputs!.difficulty as Difficulty;
      expect(difficulty.exits.map((e) => e.predicted.toFixed(6))).toEqual(['0.200000', '0.050000', '0.000000']);
      const selected = await host.runNode('exitgraph/ExitSelector', { inputs: { difficulty }, params: { router: 'threshold', tau: 0.1 } });
      expect((selected.outputs!.plan as ExitPlan).exit).toBe(1);
      const generated = await host.runNode('exitgraph/SemanticMapGenerator', { inputs: { label_map: map, plan: selected.outputs!.plan }, params: { pack: dir } });
      expect(generated.status).toBe('success');
      expect(generated.ui).toMatchObject({ exit: 1 });
      const image = generated.outputs!.image as Image;
      expect([image.width, image.height, image.channels]).toEqual([16, 16, 3]);
    } finally {
      await host.close();
    }
  });

  it('writes image packs too, whose exits give different images', async () => {
    const dir = join(scratch, 'stub-image');
    const manifest = writeStubPack(dir, { input: 'image', predicted: [0.4, 0], size: 8 });
    expect(manifest.exits.map((e) => e.name)).toEqual(['exit0', 'full']);
    const host = await createTestHost({ builtins: builtinPacks });
    try {
      const runner = await host.services.get(PACK_RUNNERS).runner(dir, 'cpu');
      const input = createImage(8, 8, 3, new Float32Array(8 * 8 * 3).map((_, i) => (i % 7) / 7));
      const early = summarizeImage((await runner.runExit(input, 0)).image);
      const full = summarizeImage((await runner.runExit(input, 1)).image);
      expect([early.width, early.height, early.channels]).toEqual([8, 8, 3]);
      expect(early.digest).not.toBe(full.digest);
      expect(summarizeImage((await runner.runExit(input, 1)).image)).toEqual(full);
      expect((await runner.predict(input)).distances.map((d) => Number(d.toFixed(6)))).toEqual([0.4, 0]);
    } finally {
      await host.close();
    }
  });

  it('refuses calibration rows of the wrong length, naming the row', () => {
    expect(() => writeStubPack(join(scratch, 'bad'), { predicted: [0.1, 0], measured: [[0.1, 0], [0.2]] })).toThrow(/measured row 1 has 1 distances, expected 2/);
  });
});

describe('snapshot summaries', () => {
  it('summarize images and label maps stably, and digests tell 8-bit differences apart', () => {
    const image = createImage(2, 1, 3, new Float32Array([0, 0.5, 1, 1, 0.5, 0]));
    expect(summarizeImage(image)).toEqual({ width: 2, height: 1, channels: 3, mean: [0.5, 0.5, 0.5], min: 0, max: 1, digest: imageDigest(image) });
    expect(imageDigest(createImage(2, 1, 3, new Float32Array([0, 0.5, 1, 1, 0.5, 0.0001])))).toBe(imageDigest(image));
    expect(imageDigest(createImage(2, 1, 3, new Float32Array([0, 0.5, 1, 1, 0.5, 0.01])))).not.toBe(imageDigest(image));
    expect(imageDigest(createImage(1, 2, 3, image.data))).not.toBe(imageDigest(image));
    const map: LabelMap = { width: 2, height: 2, ids: new Uint8Array([0, 1, 1, 3]), classes: ['a', 'b', 'c', 'd'] };
    expect(summarizeLabelMap(map)).toEqual({ width: 2, height: 2, classes: ['a', 'b', 'c', 'd'], counts: { 0: 1, 1: 2, 3: 1 }, digest: labelMapDigest(map) });
    expect(labelMapDigest(map)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('fixedDifficulty', () => {
  it('builds what a Difficulty Estimator would hand a router, and checks lengths', async () => {
    expect(fixedDifficulty([0.2, 0])).toEqual({ pack: 'test', metric: 'lpips-alex', exits: [{ name: 'exit0', predicted: 0.2, macs: 50 }, { name: 'full', predicted: 0, macs: 100 }], predictorMacs: 1 });
    expect(() => fixedDifficulty([0.2, 0], { macs: [1] })).toThrow(/"macs" has 1 entries, expected 2/);
    const host = await createTestHost({ builtins: builtinPacks });
    try {
      const run = await host.runNode('exitgraph/ExitSelector', { inputs: { difficulty: fixedDifficulty([0.3, 0.09, 0]) }, params: { router: 'threshold', tau: 0.1 } });
      expect(run.ui).toMatchObject({ exit: 1, exit_name: 'exit1' });
    } finally {
      await host.close();
    }
  });
});
