import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeStubPack } from '../../sdk/testing/index.js';
import { describe, expect, it } from 'vitest';
import { cliInProcess } from '../support/cli-in-process.js';
import { FIXTURE_PACKS, fixturePack, tempPackCopy } from './helpers.js';

const cli = cliInProcess;

describe('exitgraph pack inspect', () => {
  it('--json prints each exit with its MACs and share of the full model', async () => {
    const { code, stdout } = await cli(['pack', 'inspect', fixturePack('tiny-landscape'), '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).toEqual(['name', 'task', 'metric', 'full_macs', 'exits', 'predictor', 'format', 'inputs', 'stage_macs', 'problems']);
    expect(report).toMatchObject({ format: 'exitgraph.pack/1', inputs: [{ name: 'label_map', kind: 'label_map' }], stage_macs: 0 });
    expect(report).toMatchObject({ name: 'tiny-landscape', task: 'semantic-map-to-image', metric: 'l1', problems: [] });
    expect(report.exits.map((e: { name: string }) => e.name)).toEqual(['exit0', 'exit1', 'exit2', 'full']);
    expect(report.exits[3]).toEqual({ name: 'full', macs: report.full_macs, share: 1 });
    expect(report.exits[0].share).toBeCloseTo(report.exits[0].macs / report.full_macs, 12);
    expect(report.predictor.share).toBeCloseTo(report.predictor.macs / report.full_macs, 12);
  });

  it('finds packs by name and prints a table', async () => {
    const { code, stdout } = await cli(['pack', 'inspect', 'tiny-image', '--packs', FIXTURE_PACKS]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/tiny-image 1\.0\.0: image-to-image, metric l1/);
    expect(stdout).toMatch(/^half\s+\S+ [KMG]\s+\S+%\s+segment0 > head:half$/m);
    expect(stdout).toMatch(/^full\s+\S+ [KMG]\s+100\.0%/m);
    expect(stdout).toContain('problems: none');
  });

  it('lists problems with file and field, and exits 2', async () => {
    const dir = await tempPackCopy('tiny-image');
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    manifest.exits[0].output = 'rgb_missing';
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const human = await cli(['pack', 'inspect', dir]);
    expect(human.code).toBe(2);
    expect(human.stdout).toMatch(/error: head0\.onnx \(exits\[0\]\.output\): names output "rgb_missing", but head0\.onnx has no such output/);
    const json = await cli(['pack', 'inspect', dir, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).problems).toContainEqual(expect.objectContaining({ severity: 'error', file: 'head0.onnx', field: 'exits[0].output' }));
  });

  it('checks a two-input format 2 pack: inputs, stage MACs apart, culprits named', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'exitgraph-cli-faces-')), 'faces');
    writeStubPack(dir, { name: 'faces', inputs: ['source', 'driving'], splitCount: 2 });
    const ok = await cli(['pack', 'inspect', dir]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('input: "source" image 16x16');
    expect(ok.stdout).toContain('input: "driving" image 16x16');
    expect(ok.stdout).toMatch(/stage: appearance\.onnx \(source -> appearance\), cached per_input/);
    expect(ok.stdout).toMatch(/^stages: \S+ K MACs, apart from the per-frame MACs/m);
    const json = JSON.parse((await cli(['pack', 'inspect', dir, '--json'])).stdout);
    expect(json).toMatchObject({ format: 'exitgraph.pack/2', task: 'face-reenactment', inputs: [{ name: 'source' }, { name: 'driving' }], problems: [] });
    expect(json.stage_macs).toBeGreaterThan(0);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    manifest.segments[0].inputs = ['appearance', 'drivng'];
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const bad = await cli(['pack', 'inspect', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(/error: segment0\.onnx \(segments\[0\]\.inputs\): names input "drivng", but segment0\.onnx has no such input/);
  });

  it('says where it looked for an unknown pack', async () => {
    const { code, stderr } = await cli(['pack', 'inspect', 'nope', '--packs', FIXTURE_PACKS]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/model pack "nope" not found/);
  });
});

describe('exitgraph devices', () => {
  it('--json lists every device and what auto picks', async () => {
    const { code, stdout } = await cli(['devices', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.devices.map((d: { device: string }) => d.device)).toEqual(['cpu', 'webgpu', 'cuda']);
    expect(report.devices[0]).toMatchObject({ device: 'cpu', available: true });
    for (const d of report.devices) if (!d.available) expect(d.how_to_enable).toEqual(expect.any(String));
    expect(report.auto.reason).toMatch(/^auto: /);
  });
});
