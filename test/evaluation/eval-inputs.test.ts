import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitgraphProcess, repoRoot } from '../support/cli-process.js';
import { createImage, encodePng } from '../../sdk/index.js';

const root = repoRoot;
const fixture = join(root, 'test/fixtures/packs/tiny-landscape');

const exitgraph = exitgraphProcess;

/** A greyscale label PNG (pixel value = class id), with a tEXt "classes" chunk when named. */
async function labelPng(width: number, height: number, id: (x: number, y: number) => number, classes?: string[]): Promise<Buffer> {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = id(x, y) / 255;
  return encodePng(createImage(width, height, 1, data), classes ? { classes: JSON.stringify(classes) } : {});
}

describe('exitgraph eval --inputs (a folder of label maps, on the tiny fixture pack; the CLI runs dist/)', () => {
  it('reports the figures and one row per file, maps resized and classes matched by name', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'exitgraph-inputs-'));
    // Named in another order than the pack's (sky, water, grass, rock), at another size (nearest neighbour to 64x64).
    writeFileSync(join(folder, 'a-named.png'), await labelPng(32, 32, (_x, y) => (y < 16 ? 1 : 0), ['rock', 'sky']));
    // The same map in the pack's ids at the pack's size: sky (0) over rock (3).
    writeFileSync(join(folder, 'd-same-in-ids.png'), await labelPng(64, 64, (_x, y) => (y < 32 ? 0 : 3)));
    writeFileSync(join(folder, 'b-pack-ids.png'), await labelPng(64, 64, (x) => x % 4));
    writeFileSync(join(folder, 'c-stripes.png'), await labelPng(100, 60, (_x, y) => (y >> 3) % 3));
    writeFileSync(join(folder, 'notes.txt'), 'not a map');
    const out = mkdtempSync(join(tmpdir(), 'exitgraph-inputs-out-'));
    const result = await exitgraph(['eval', fixture, '--router', 'risk', '--tau', '0.15', '--alpha', '0.2', '--inputs', folder, '--json', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.n).toBe(4);
    for (const key of ['macs_saved', 'violation_rate']) expect(typeof json[key]).toBe('number');
    expect(json.baselines.oracle.violation_rate).toBe(0);
    expect(typeof json.baselines.best_fixed.macs_saved).toBe('number');
    expect(json.inputs.map((r: { input: string }) => r.input)).toEqual(['a-named.png', 'b-pack-ids.png', 'c-stripes.png', 'd-same-in-ids.png']);
    for (const row of json.inputs) {
      expect(['exit0', 'exit1', 'exit2', 'full']).toContain(row.exit);
      expect(typeof row.measured).toBe('number');
      expect(row.violation).toBe(row.measured > 0.15);
      expect(row.predicted === null || typeof row.predicted === 'number').toBe(true);
    }
    // The violation rate is the rows' share of violations.
    expect(json.violation_rate).toBeCloseTo(json.inputs.filter((r: { violation: boolean }) => r.violation).length / 4, 10);
    // Matched by name and resized, the named map is the pack-id map: same exit, same distances.
    expect(json.inputs[0]).toEqual({ ...json.inputs[3], input: 'a-named.png' });
  });

  it('names the file with an unknown class or an id out of range', async () => {
    const unknown = mkdtempSync(join(tmpdir(), 'exitgraph-inputs-bad-'));
    writeFileSync(join(unknown, 'lava.png'), await labelPng(8, 8, () => 1, ['sky', 'lava']));
    const a = await exitgraph(['eval', fixture, '--inputs', unknown]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/lava\.png: classes "lava" are not classes of pack tiny-landscape/);
    const range = mkdtempSync(join(tmpdir(), 'exitgraph-inputs-range-'));
    writeFileSync(join(range, 'ids.png'), await labelPng(8, 8, (x) => (x === 3 ? 7 : 0)));
    const b = await exitgraph(['eval', fixture, '--inputs', range]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/ids\.png: class id 7 at pixel \(3, 0\) is out of range: pack tiny-landscape has 4 classes/);
    const empty = mkdtempSync(join(tmpdir(), 'exitgraph-inputs-empty-'));
    expect((await exitgraph(['eval', fixture, '--inputs', empty])).stderr).toMatch(/holds no \.png label maps/);
  });

  it('--audit replays the audit on the inputs in order, counts its cost and plots the running rate', async () => {
    const out = mkdtempSync(join(tmpdir(), 'exitgraph-audit-out-'));
    // On the untrained fixture this router takes exit1 everywhere, further than 0.1 from the full output.
    const result = await exitgraph(['eval', fixture, '--router', 'risk', '--tau', '0.1', '--alpha', '0.9', '--method', 'conformal', '--audit', '0.5', '--json', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.audit).toMatchObject({ fraction: 0.5, every: 2, audited: 2, violations: 2, rate: 1, tightened: false });
    expect(json.audit.interval[0]).toBeCloseTo(Math.sqrt(0.025), 6);
    // Half the inputs also ran the full model: the saving with the audit is smaller, by more than half the early exit's saving.
    expect(json.audit.macs_saved).toBeLessThan(json.macs_saved / 2);
    expect(json.audit.violation_rate).toBe(json.violation_rate);
    for (const file of ['audit.svg', 'audit.png']) expect(existsSync(join(out, file))).toBe(true);
    expect(readFileSync(join(out, 'audit.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(out, 'audit.svg'), 'utf8')).toContain('audited 95% high');
    const bad = await exitgraph(['eval', fixture, '--audit', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--audit must be a fraction in \(0, 1\], got 2/);
  });

  it('on the shipped landscape pack, sends a map finer than the predictor samples to the full model and says so per row', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'exitgraph-inputs-fine-'));
    // 1-px sky and cloud rows: the predictor's samples (every 2nd row) see only sky. Its risk
    // route was exit 1, 0.131 LPIPS from the full output, before the sampling gap was checked.
    writeFileSync(join(folder, 'rows.png'), await labelPng(128, 128, (_x, y) => y % 2));
    // Sky over grass: an ordinary map.
    writeFileSync(join(folder, 'plain.png'), await labelPng(128, 128, (_x, y) => (y < 64 ? 0 : 7)));
    const out = mkdtempSync(join(tmpdir(), 'exitgraph-inputs-fine-out-'));
    const result = await exitgraph(['eval', join(root, 'models/packs/landscape'), '--router', 'risk', '--inputs', folder, '--json', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.novelty).toMatchObject({ novel: 1, novel_fine: 1, novel_far: 0, escalated: 1 });
    const [plain, rows] = json.inputs;
    expect(rows).toMatchObject({ input: 'rows.png', exit: 'full', novel: true, novel_kind: 'sampling', sampling_gap: 1, violation: false });
    expect(rows.escalated_from).toMatch(/^exit/);
    expect(plain).toMatchObject({ input: 'plain.png', novel: false, sampling_gap: 0 });
    expect(plain.exit).not.toBe('full');
    const text = await exitgraph(['eval', join(root, 'models/packs/landscape'), '--router', 'risk', '--inputs', folder, '--out', out]);
    expect(text.stdout).toContain('novel inputs: 1 of 2 (0 with p < 0.01, 1 finer than the predictor samples); 1 moved to the full model');
  });
});
