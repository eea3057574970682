/**
 * `exitgraph eval` and `exitgraph pack report` on a several-input (format 2) pack: the stub
 * faces-style pack (source + driving, an appearance stage) with a shipped test split of RGB
 * pairs and ground truth. The CLI runs dist/.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitgraphProcess } from '../support/cli-process.js';
import { evaluatePack, loadModelPack, readPackSplit } from '../../sdk/early-exit/index.js';
import { writeStubPack } from '../../sdk/testing/index.js';

const COUNT = 5;

const exitgraph = exitgraphProcess;

let dir: string;
beforeAll(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'exitgraph-v2-eval-')), 'faces');
  writeStubPack(dir, { name: 'faces', inputs: ['source', 'driving'], predicted: [0.3, 0.2, 0.1, 0], size: 32, splitCount: COUNT, stageCache: true });
});

describe('evaluation of a pack with several inputs', () => {
  it('reads the split as named RGB inputs with ground truth', async () => {
    const split = await readPackSplit(await loadModelPack(dir), 'test');
    expect(split.inputs).toHaveLength(COUNT);
    expect(split.labels).toEqual([]);
    expect(Object.keys(split.inputs[0]!)).toEqual(['source', 'driving']);
    expect(split.images).toHaveLength(COUNT);
    const limited = await readPackSplit(await loadModelPack(dir), 'test', 2);
    expect(limited.inputs).toHaveLength(2);
  });

  it('measures every exit against the full output and each input returned unchanged against ground truth', async () => {
    const evaluation = await evaluatePack(dir, { device: 'cpu', latencyInputs: 2, batch: 4 });
    expect(evaluation.n).toBe(COUNT);
    expect(evaluation.measured.every((row) => row.length === 4 && row[3] === 0)).toBe(true);
    expect(evaluation.predicted[0]!.map((d) => Number(d.toFixed(4)))).toEqual([0.3, 0.2, 0.1, 0]);
    expect(Object.keys(evaluation.baselinesToGroundTruth ?? {}).sort()).toEqual(['driving', 'source']);
    expect(evaluation.baselinesToGroundTruth!.source).toHaveLength(COUNT);
    expect(evaluation.fullToGroundTruth!.lpips).toHaveLength(COUNT);
    expect(evaluation.novelty).toBeUndefined();
    expect(Object.keys(evaluation.samples[0]!.input)).toEqual(['source', 'driving']);
    // The strip: the first source held, driven by each of the first inputs' drivers, at every exit.
    const strip = evaluation.strip!;
    expect(strip.held[0]).toBe('source');
    expect(strip.varied).toHaveLength(COUNT);
    expect(strip.exits.map((row) => row.length)).toEqual([COUNT, COUNT, COUNT, COUNT]);
    expect(strip.exits[3]![0]!.data).toEqual(evaluation.samples[0]!.exits[3]!.data);
  });

  it('exitgraph eval --json reports the router on the split', async () => {
    const result = await exitgraph(['eval', dir, '--router', 'threshold', '--tau', '0.15', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.n).toBe(COUNT);
    // The stub's predictor says 0.3, 0.2, 0.1, 0: at tau 0.15 the threshold router picks the third exit (shares of inputs per exit).
    expect(json.exit_histogram).toEqual([0, 0, 1, 0]);
  });

  it('exitgraph pack report --json gives the baselines and writes the sample grid', async () => {
    const out = mkdtempSync(join(tmpdir(), 'exitgraph-v2-report-'));
    const result = await exitgraph(['pack', 'report', dir, '--json', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report.baseline_lpips_to_gt).sort()).toEqual(['driver', 'source']);
    for (const v of Object.values(report.baseline_lpips_to_gt)) expect(v).toBeGreaterThanOrEqual(0);
    expect(report.n).toBe(COUNT);
    expect(report.oracle_exit_histogram['0.1']).toHaveLength(4);
    expect(existsSync(join(out, 'samples.png'))).toBe(true);
    expect(existsSync(join(out, 'strip.png'))).toBe(true);
  });
});
