import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectModelPack as inspectPack, loadModelPack as loadPack } from '../../sdk/early-exit/index.js';
import { PackNotFoundError, resolvePackDir } from '../../sdk/early-exit/index.js';
import { PackLoadError, type PackProblem } from '../../sdk/early-exit/index.js';
import { FIXTURE_PACKS, fixturePack, tempPackCopy } from './helpers.js';

async function editManifest(dir: string, edit: (m: any) => void): Promise<void> {
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8'));
  edit(manifest);
  await writeFile(path, JSON.stringify(manifest, null, 2));
}

const errors = (problems: readonly PackProblem[]): PackProblem[] => problems.filter((p) => p.severity === 'error');

describe('the verified-pack cache', () => {
  it('loads an unchanged pack from its record, equal to the checked load, and checks a changed pack again', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'exitgraph-verified-'));
    const dir = await tempPackCopy('tiny-landscape');
    try {
      const checked = await loadPack(dir, { verifiedPackDir: cache });
      expect(checked.models.size).toBeGreaterThan(0);
      expect((await readdir(cache)).filter((f) => f.endsWith('.json'))).toHaveLength(1);
      const cached = await loadPack(dir, { verifiedPackDir: cache });
      // Nothing decoded: the record gave it.
      expect(cached.models.size).toBe(0);
      for (const field of ['manifest', 'plan', 'costs', 'calibration', 'referenceMacs', 'problems', 'fileHashes'] as const) expect(cached[field]).toEqual(checked[field]);
      expect(cached.tensorShapes).toEqual(checked.tensorShapes);
      expect(cached.path('segment0.onnx')).toBe(checked.path('segment0.onnx'));
      // A broken file changes the folder's identity: the pack is checked again and refused.
      await writeFile(join(dir, 'head0.onnx'), 'not a model');
      await expect(loadPack(dir, { verifiedPackDir: cache })).rejects.toThrow(PackLoadError);
      await expect(loadPack(dir, { verifiedPackDir: cache })).rejects.toThrow(/head0\.onnx/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(cache, { recursive: true, force: true });
    }
  });

  it('is off with verifiedPackDir: false (every load checks every file)', async () => {
    const pack = await loadPack(fixturePack('tiny-image'), { verifiedPackDir: false });
    expect(pack.models.size).toBeGreaterThan(0);
  });
});

describe('loadPack on the fixtures', () => {
  it('loads tiny-landscape with no problems and counts MACs from the graphs', async () => {
    const pack = await loadPack(fixturePack('tiny-landscape'));
    expect(pack.problems).toEqual([]);
    const { costs } = pack;
    // segment0 by hand: AveragePool to 16x16, Conv 4->8 3x3 (16*16*8 outputs x 4*9), Conv 8->8 3x3 (x 8*9).
    expect(costs.segments[0]).toBe(16 * 16 * 8 * 4 * 9 + 16 * 16 * 8 * 8 * 9);
    // The full head: Conv 8->3 3x3 at 64x64.
    expect(costs.heads[3]).toBe(64 * 64 * 3 * 8 * 9);
    // Guides: MatMul [1,8] x [8,8] = 64 MACs.
    expect(costs.guides).toBe(64);
    // Exit 0 needs segment0, guides and head0; the full exit every segment and head3, no guides.
    expect(costs.exits[0]!.steps).toEqual(['segment0', 'guides', 'head:exit0']);
    expect(costs.exits[0]!.macs).toBe(costs.segments[0]! + costs.guides! + costs.heads[0]!);
    expect(costs.exits[3]!.steps).toEqual(['segment0', 'segment1', 'segment2', 'segment3', 'head:full']);
    expect(costs.full).toBe(costs.segments.reduce((a, b) => a + b, 0) + costs.heads[3]!);
    expect(costs.exits.map((e) => e.share)).toEqual([...costs.exits.map((e) => e.share)].sort((a, b) => a - b));
    expect(costs.exits[3]!.share).toBe(1);
    expect(costs.predictor.share).toBeLessThan(0.05);
    // The monolithic reference holds every segment, the guides and every head.
    expect(pack.referenceMacs).toBe(Object.entries(costs.steps).filter(([id]) => id !== 'predictor').reduce((sum, [, m]) => sum + m, 0));
    expect(pack.tensorShapes.get('feat1')).toEqual([1, 8, 32, 32]);
    expect(pack.calibration?.n).toBe(16);
  });

  it('counts ConvTranspose and MatMul in tiny-image', async () => {
    const pack = await loadPack(fixturePack('tiny-image'));
    expect(pack.problems).toEqual([]);
    // ConvTranspose 8->8 k2 s2 on 32x32 input: input elements (8*32*32) x Cout (8) x 2*2.
    expect(pack.costs.segments[1]).toBe(8 * 32 * 32 * 8 * 4);
    // head0: MatMul [1,32,32,8] x [8,3]: output elements (32*32*3) x K (8).
    expect(pack.costs.heads[0]).toBe(32 * 32 * 3 * 8);
    // Predictor: MatMul [1,3] x [3,2].
    expect(pack.costs.predictor.macs).toBe(6);
  });

  it('finds a pack by name under a packs folder, and says where it looked otherwise', () => {
    expect(resolvePackDir('tiny-image', { packsDir: FIXTURE_PACKS })).toBe(fixturePack('tiny-image'));
    expect(() => resolvePackDir('no-such-pack', { packsDir: FIXTURE_PACKS })).toThrow(PackNotFoundError);
    expect(() => resolvePackDir('no-such-pack', { packsDir: FIXTURE_PACKS })).toThrow(/no-such-pack.*test\/fixtures\/packs/);
  });
});

describe('loader errors name the file and the field', () => {
  it('a corrupt ONNX file', async () => {
    const dir = await tempPackCopy('tiny-landscape');
    await writeFile(join(dir, 'head1.onnx'), Buffer.from('this is not a protobuf \u0000\u00ff\u00fe garbage'.repeat(4)));
    const { problems } = await inspectPack(dir);
    expect(errors(problems)).toEqual([expect.objectContaining({ file: 'head1.onnx', field: 'exits[1].file', message: expect.stringMatching(/not a valid ONNX model|protobuf|no graph/) })]);
    const error = await loadPack(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackLoadError);
    expect((error as Error).message).toMatch(/head1\.onnx \(exits\[1\]\.file\)/);
    await rm(dir, { recursive: true, force: true });
  });

  it('a truncated ONNX file', async () => {
    const dir = await tempPackCopy('tiny-landscape');
    const bytes = await readFile(join(dir, 'segment2.onnx'));
    await writeFile(join(dir, 'segment2.onnx'), bytes.subarray(0, bytes.length >> 1));
    const { problems } = await inspectPack(dir);
    expect(errors(problems)[0]).toMatchObject({ file: 'segment2.onnx', field: 'segments[2].file' });
  });

  it('a manifest naming an output the ONNX file does not have', async () => {
    const dir = await tempPackCopy('tiny-landscape');
    await editManifest(dir, (m) => {
      m.exits[1].output = 'image_one';
      m.reference.outputs[1] = 'image_one';
    });
    const error = (await loadPack(dir).catch((e: unknown) => e)) as PackLoadError;
    expect(error).toBeInstanceOf(PackLoadError);
    const problem = errors(error.problems).find((p) => p.field === 'exits[1].output');
    expect(problem).toMatchObject({ file: 'head1.onnx', message: expect.stringContaining('"image_one"') });
    expect(problem!.message).toContain('its outputs: image1');
    expect(error.message).toContain('head1.onnx (exits[1].output)');
  });

  it('a missing file', async () => {
    const dir = await tempPackCopy('tiny-landscape');
    await rm(join(dir, 'guides.onnx'));
    await rm(join(dir, 'calibration.json'));
    const { problems } = await inspectPack(dir);
    expect(errors(problems)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'guides.onnx', field: 'guides.file', message: expect.stringContaining('file not found') }),
        expect.objectContaining({ file: 'calibration.json', field: 'calibration.file', message: 'file not found' }),
      ]),
    );
  });

  it('a shape mismatch between the manifest input and the ONNX files', async () => {
    const dir = await tempPackCopy('tiny-landscape');
    await editManifest(dir, (m) => (m.input.height = 32));
    const { problems } = await inspectPack(dir);
    const problem = errors(problems).find((p) => p.file === 'segment0.onnx');
    expect(problem).toMatchObject({ field: 'segments[0].inputs', message: expect.stringMatching(/"label_map" is declared \[1, 4, 64, 64\].*produces \[1, 4, 32, 64\]/) });
  });

  it('an input name the ONNX file does not have, and one no earlier file produces', async () => {
    const dir = await tempPackCopy('tiny-landscape');
    await editManifest(dir, (m) => {
      m.segments[1].inputs = ['feat0', 'labels'];
    });
    const { problems } = await inspectPack(dir);
    expect(errors(problems)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'segment1.onnx', field: 'segments[1].inputs', message: expect.stringContaining('names input "labels", but segment1.onnx has no such input') }),
        expect.objectContaining({ file: 'segment1.onnx', field: 'segments[1].inputs', message: expect.stringContaining('needs input "label_map", which the manifest does not list') }),
      ]),
    );
  });

  it('schema problems in manifest.json, with the field path', async () => {
    const dir = await tempPackCopy('tiny-landscape');
    await editManifest(dir, (m) => {
      delete m.metric;
      m.exits[2].after_segment = -1;
      m.colour = 'blue';
    });
    const { problems } = await inspectPack(dir);
    expect(problems.map((p) => `${p.file} ${p.field}: ${p.message}`)).toEqual(
      expect.arrayContaining(['manifest.json metric: is required', 'manifest.json colour: is not a known field', expect.stringMatching(/^manifest\.json exits\[2\]\.after_segment: must be >= 0/)]),
    );
  });

  it('cross-reference problems in manifest.json', async () => {
    const dir = await tempPackCopy('tiny-landscape');
    await editManifest(dir, (m) => {
      m.exits[1].after_segment = 7;
      m.segments[2].outputs = ['feat1'];
    });
    const { problems } = await inspectPack(dir);
    expect(errors(problems).map((p) => p.field)).toEqual(expect.arrayContaining(['exits[1].after_segment', 'segments[2].outputs']));
  });

  it('calibration data that does not match the exits', async () => {
    const dir = await tempPackCopy('tiny-image');
    const path = join(dir, 'calibration.json');
    const calibration = JSON.parse(await readFile(path, 'utf8'));
    calibration.exits = ['half'];
    calibration.predicted[3] = [0.1];
    await writeFile(path, JSON.stringify(calibration));
    const { problems } = await inspectPack(dir);
    expect(errors(problems)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'calibration.json', field: 'exits' }),
        expect.objectContaining({ file: 'calibration.json', field: 'predicted[3]' }),
      ]),
    );
  });

  it('a folder without manifest.json', async () => {
    const dir = await tempPackCopy('tiny-image');
    await rm(join(dir, 'manifest.json'));
    const { problems } = await inspectPack(dir);
    expect(problems).toEqual([{ severity: 'error', file: 'manifest.json', field: '', message: 'file not found' }]);
  });
});
