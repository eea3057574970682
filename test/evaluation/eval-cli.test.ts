import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitgraphProcess, repoRoot } from '../support/cli-process.js';

const root = repoRoot;
const fixture = join(root, 'test/fixtures/packs/tiny-landscape');

const exitgraph = exitgraphProcess;

describe('exitgraph eval and pack report (on the tiny fixture; the CLI runs the compiled dist/)', () => {
  it('eval --json has the figures, the baselines and writes the curve', async () => {
    const out = mkdtempSync(join(tmpdir(), 'exitgraph-eval-'));
    const result = await exitgraph(['eval', fixture, '--router', 'risk', '--tau', '0.15', '--alpha', '0.2', '--json', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    for (const key of ['macs_saved', 'violation_rate', 'mean_lpips', 'n']) expect(typeof json[key]).toBe('number');
    for (const baseline of ['oracle', 'best_fixed', 'full']) {
      for (const key of ['macs_saved', 'violation_rate', 'mean_lpips', 'n']) expect(typeof json.baselines[baseline][key]).toBe('number');
    }
    expect(json.n).toBe(4);
    expect(json.baselines.oracle.violation_rate).toBe(0);
    expect(json.router).toBe('exitgraph/risk');
    for (const file of ['curve.csv', 'curve.svg', 'curve.png', 'eval.json']) expect(existsSync(join(out, file))).toBe(true);
    expect(readFileSync(join(out, 'curve.csv'), 'utf8').split('\n')[0]).toBe('router,tau,macs_saved,latency_saved,violation_rate,mean_lpips');
  });

  it('eval refuses an unknown router and bad params with exit code 2', async () => {
    expect((await exitgraph(['eval', fixture, '--router', 'nope'])).stderr).toMatch(/unknown router "nope"/);
    const bad = await exitgraph(['eval', fixture, '--router', 'budget', '--budget', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/budget must be <= 1/);
  });

  it('pack report --json has the documented fields and writes markdown and plots', async () => {
    const out = mkdtempSync(join(tmpdir(), 'exitgraph-report-'));
    const result = await exitgraph(['pack', 'report', fixture, '--json', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(typeof report.full_lpips_to_gt).toBe('number');
    expect(report.exits).toHaveLength(4);
    for (const exit of report.exits) for (const key of ['macs_share', 'lpips_to_full_mean']) expect(typeof exit[key]).toBe('number');
    expect(report.exits[3].predictor_spearman).toBeNull();
    expect(Object.keys(report.oracle_saving)).toEqual(['0.05', '0.1', '0.2']);
    expect(Object.keys(report.oracle_exit_histogram)).toEqual(['0.05', '0.1', '0.2']);
    for (const file of ['report.md', 'report.json', 'samples.png', 'exit-distances.png', 'predictor.png', 'oracle-saving.png']) expect(existsSync(join(out, file))).toBe(true);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('The pack reports no guides ablation.');
  });

  it('pack report shows the training report\'s guides ablation as a table', async () => {
    const pack = join(mkdtempSync(join(tmpdir(), 'exitgraph-pack-')), 'tiny-landscape');
    cpSync(fixture, pack, { recursive: true });
    const guides_ablation = { split: 'test', count: 4, with_guides: [0.3, 0.2, 0.1], without_guides: [0.35, 0.2, 0.1] };
    writeFileSync(join(pack, 'training-report.json'), JSON.stringify({ guides_ablation }));
    const manifest = JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8'));
    writeFileSync(join(pack, 'manifest.json'), JSON.stringify({ ...manifest, training: { file: 'training-report.json' } }));
    const out = mkdtempSync(join(tmpdir(), 'exitgraph-report-'));
    const result = await exitgraph(['pack', 'report', pack, '--json', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).guides_ablation).toEqual(guides_ablation);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('from the training report (test split, 4 guides)');
    expect(md).toContain('| exit0 | 0.3000 | 0.3500 | -0.0500 |');
  });
});
