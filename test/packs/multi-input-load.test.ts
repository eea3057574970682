/** Format 2 (`exitgraph.pack/2`) manifests: several named inputs, input-only stages, per-input splits. */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { inspectModelPack as inspectPack, loadModelPack as loadPack, packInputs, predictorInputs, type PackProblem } from '../../sdk/early-exit/index.js';
import { writeStubPack } from '../../sdk/testing/index.js';

const errors = (problems: readonly PackProblem[]): PackProblem[] => problems.filter((p) => p.severity === 'error');

let dir: string;
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'exitgraph-faces-')), 'faces');
  writeStubPack(dir, { name: 'faces', inputs: ['source', 'driving'], splitCount: 3, size: 16 });
});

async function editManifest(edit: (m: any) => void): Promise<void> {
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8'));
  edit(manifest);
  await writeFile(path, JSON.stringify(manifest, null, 2));
}

describe('format 2 packs', () => {
  it('load with their inputs, stage and per-frame costs apart', async () => {
    const pack = await loadPack(dir);
    expect(pack.problems).toEqual([]);
    expect(pack.manifest.format).toBe('exitgraph.pack/2');
    expect(packInputs(pack.manifest).map((i) => i.name)).toEqual(['source', 'driving']);
    // Code written for one-input packs sees the first input.
    expect(pack.manifest.input.name).toBe('source');
    expect(predictorInputs(pack.manifest)).toEqual(['source', 'driving']);
    expect(pack.plan.stages.map((s) => s.id)).toEqual(['stage0']);
    // Stage: two 3x3 convs at 16x16 (3->4, 4->4); they are not part of any exit's cost.
    expect(pack.costs.stage_macs).toBe(16 * 16 * 4 * 3 * 9 + 16 * 16 * 4 * 4 * 9);
    expect(pack.costs.exits[0]!.steps).toEqual(['segment0', 'head:exit0']);
    // Segment 0 reads the appearance (4 channels) and the driving frame (3).
    expect(pack.costs.segments[0]).toBe(16 * 16 * 4 * 7 * 9);
    // The reference holds the stage and every segment and head.
    const perFrame = pack.costs.segments.reduce((a, b) => a + b, 0) + pack.costs.heads.reduce((a, b) => a + b, 0);
    expect(pack.referenceMacs).toBe(perFrame + pack.costs.stage_macs);
  });

  it('name the culprit of a stage reading a tensor that is not a pack input', async () => {
    await editManifest((m) => (m.stages[0].inputs = ['feat0']));
    const found = errors((await inspectPack(dir)).problems);
    expect(found).toContainEqual(expect.objectContaining({ file: 'manifest.json', field: 'stages[0].inputs', message: expect.stringMatching(/"feat0" is neither a pack input/) }));
  });

  it('name the culprit of a predictor reading a feature', async () => {
    await editManifest((m) => (m.predictor.inputs = ['source', 'appearance']));
    const found = errors((await inspectPack(dir)).problems);
    expect(found).toContainEqual(expect.objectContaining({ file: 'manifest.json', field: 'predictor.inputs', message: expect.stringContaining('"appearance"') }));
  });

  it('name the file and field of a split file of the wrong size, and of a missing input file', async () => {
    await writeFile(join(dir, 'splits/test.driving.u8'), new Uint8Array(10));
    await editManifest((m) => delete m.splits.test.inputs.source);
    const found = errors((await inspectPack(dir)).problems);
    expect(found).toContainEqual(expect.objectContaining({ file: 'splits/test.driving.u8', field: 'splits.test.inputs.driving', message: `is 10 bytes, expected ${3 * 16 * 16 * 3}` }));
    expect(found).toContainEqual(expect.objectContaining({ field: 'splits.test.inputs', message: 'has no file for pack input "source"' }));
  });

  it('reject format 1 fields in a format 2 manifest, and duplicate input names', async () => {
    await editManifest((m) => {
      m.input = m.inputs[0];
      m.inputs[1].name = 'source';
    });
    const found = errors((await inspectPack(dir)).problems);
    expect(found).toContainEqual(expect.objectContaining({ field: 'input', message: 'is not a known field' }));
    await editManifest((m) => delete m.input);
    const again = errors((await inspectPack(dir)).problems);
    expect(again).toContainEqual(expect.objectContaining({ field: 'inputs[1].name', message: expect.stringContaining('already named by inputs[0].name') }));
  });

  it('name the file whose declared input is not what the pool holds', async () => {
    // The stage file reads "source" at 16x16; declare the pack input at 32x32.
    await editManifest((m) => {
      for (const input of m.inputs) input.height = input.width = 32;
    });
    const found = errors((await inspectPack(dir)).problems);
    expect(found).toContainEqual(expect.objectContaining({ file: 'appearance.onnx', field: 'stages[0].inputs' }));
  });

  it('say which formats are known', async () => {
    await editManifest((m) => (m.format = 'exitgraph.pack/9'));
    const found = errors((await inspectPack(dir)).problems);
    expect(found).toContainEqual({ severity: 'error', file: 'manifest.json', field: 'format', message: 'must be "exitgraph.pack/1" or "exitgraph.pack/2", got "exitgraph.pack/9"' });
  });
});
